"""The Telegram webhook end to end: recorded update JSON posted to `POST /telegram/webhook`, the real aiogram
`Bot` answering through the fake Bot API server, the database rows checked."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bots.gateway import Admission, Gateway
from core.bootstrap import Core
from core.messaging import Inbound
from core.models import ChannelIdentity, InboundUpdate, Lead, Message
from core.services import conversations, invites
from tests.channels.telegram.conftest import Rig, load_update, press_update, text_update
from tests.factories import Build
from tests.statements import recorded_sql


async def _linked(core: Core, user_id: int = 555001) -> int:
    async with core.uow() as uow:
        build = Build(uow.session)
        _, _, contact = await build.actor(name="Alpha Trade")
        identity = await conversations.resolve_identity(uow.session, "telegram", str(user_id), now=core.clock.now())
        await conversations.link_identity(uow.session, identity.id, contact.id)
        await uow.commit()
        return contact.id


async def _count(core: Core, model: type) -> int:
    async with core.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_text_message_is_answered_through_the_gateway_and_recorded(rig: Rig, core: Core) -> None:
    await _linked(core)
    response = await rig.post(load_update("message_text"))
    assert response.status_code == 200
    sent = rig.api.messages(555001)
    assert sent and "Alpha Trade" in sent[0].text
    async with core.uow() as uow:
        update = await uow.session.scalar(select(InboundUpdate))
    assert update is not None and update.external_id == "100000001" and update.processed_at is not None
    assert update.error is None and update.payload["message"]["text"] == "balance"


async def test_a_message_is_recorded_finished_in_the_commit_that_logs_it(rig: Rig, core: Core) -> None:
    await _linked(core)
    await rig.post(text_update("hello"))  # the conversation exists from here on
    with recorded_sql(core.engine) as sql:
        response = await rig.post(text_update("something nobody sells"))
    assert response.status_code == 200 and rig.api.messages(555001)
    # Before the ack: the update's record (finished), identity and the message's log; after it: the answer's log.
    assert sql.commits == 2
    assert [s for s in sql.statements if "inbound_updates" in s] == [
        next(s for s in sql.statements if s.startswith("INSERT INTO inbound_updates"))]
    async with core.uow() as uow:
        unfinished = await uow.session.scalar(
            select(func.count()).select_from(InboundUpdate).where(InboundUpdate.processed_at.is_(None)))
    assert unfinished == 0


async def test_a_message_whose_admission_fails_is_recorded_with_its_error(
    rig: Rig, core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _linked(core)
    admit = Gateway.admit
    failures = iter([RuntimeError("database went away")])

    async def admit_failing_once(self: Gateway, inbound: Inbound) -> Admission | None:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return await admit(self, inbound)

    monkeypatch.setattr(Gateway, "admit", admit_failing_once)
    response = await rig.post(text_update("balance"))
    assert response.status_code == 200  # recorded, so acknowledged: handled from the record, as after a crash
    assert "Alpha Trade" in rig.api.messages(555001)[0].text
    async with core.uow() as uow:
        update = await uow.session.scalar(select(InboundUpdate))
        logged = await uow.session.scalar(select(func.count()).where(Message.direction == "in"))
    assert update is not None and update.processed_at is not None and update.error is None
    assert logged == 1


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_processed(rig: Rig, core: Core) -> None:
    wrong = await rig.post(load_update("message_text"), secret="guess")
    missing = await rig.post(load_update("message_text"), secret=None)
    assert (wrong.status_code, missing.status_code) == (401, 401)
    assert rig.api.calls == []
    assert await _count(core, InboundUpdate) == 0 and await _count(core, Message) == 0


async def test_a_redelivered_update_is_acknowledged_and_processed_once(rig: Rig, core: Core) -> None:
    await _linked(core)
    update = load_update("message_text")
    first = await rig.post(update)
    again = await rig.post(update)
    assert (first.status_code, again.status_code) == (200, 200)
    assert len(rig.api.messages(555001)) == 1
    assert await _count(core, InboundUpdate) == 1
    async with core.uow() as uow:
        inbound = await uow.session.scalar(select(func.count()).where(Message.direction == "in"))
    assert inbound == 1


async def test_something_that_is_not_an_update_is_refused(rig: Rig, core: Core) -> None:
    for body in ([1, 2], {"update_id": "x"}, {"message": {}}):
        response = await rig.client.post("/telegram/webhook", json=body,
                                          headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-webhook-token"})
        assert response.status_code == 400
    assert await _count(core, InboundUpdate) == 0


async def test_a_button_press_is_a_payload_and_the_callback_is_always_answered(rig: Rig, core: Core) -> None:
    await _linked(core)
    await rig.post(load_update("callback_query"))
    answered = rig.api.sent("answerCallbackQuery")
    assert [call.params["callback_query_id"] for call in answered] == ["4382bfdwdsb323b2d9"]
    assert "Alpha Trade" in rig.api.messages(555001)[0].text
    # An unknown payload is answered too, and the user is told the button is no longer active.
    await rig.post(press_update("gone.away:1"))
    assert len(rig.api.sent("answerCallbackQuery")) == 2
    assert "no longer active" in rig.api.messages(555001)[-2].text


async def test_a_press_is_answered_in_the_ack_and_not_again_by_the_turn(rig: Rig, core: Core) -> None:
    await _linked(core)
    response = await rig.client.post("/telegram/webhook", json=load_update("callback_query"),
                                      headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-webhook-token"})
    assert response.json() == {"method": "answerCallbackQuery", "callback_query_id": "4382bfdwdsb323b2d9"}
    assert rig.api.sent("answerCallbackQuery") == []  # the turn made no request of its own for it
    assert "Alpha Trade" in rig.api.messages(555001)[0].text
    text = await rig.client.post("/telegram/webhook", json=text_update("balance"),
                                  headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-webhook-token"})
    assert text.status_code == 200 and text.content == b""


async def test_a_callback_is_answered_even_when_the_turn_fails(rig: Rig, core: Core) -> None:
    await _linked(core)
    rig.api.fail("sendMessage", 400, "Bad Request: chat not found", times=10)
    await rig.post(load_update("callback_query"))
    assert len(rig.api.sent("answerCallbackQuery")) == 1
    async with core.uow() as uow:
        update = await uow.session.scalar(select(InboundUpdate))
    assert update is not None and update.processed_at is not None and "chat not found" in (update.error or "")


async def test_start_with_an_invite_links_the_user_and_shows_the_member_keyboard(rig: Rig, core: Core) -> None:
    async with core.uow() as uow:
        _, _, contact = await Build(uow.session).actor(name="Alpha Trade")
        invite = await invites.create_invite(uow.session, contact.id, now=core.clock.now())
        await uow.commit()
    await rig.post(load_update("message_start_invite", INVITE_TOKEN=invite.token))
    sent = rig.api.messages(555001)
    assert "Welcome" in sent[0].text and "Alpha Trade" in sent[0].text
    keyboard = [key["text"] for key in sent[0].reply_keyboard]
    assert "My cart" in keyboard and "Balance" in keyboard
    assert any(title == "Balance" for title, _ in sent[-1].buttons)  # the member menu
    async with core.uow() as uow:
        identity = await uow.session.scalar(select(ChannelIdentity))
    assert identity is not None and identity.contact_id == contact.id
    # The invite is single-use: a second user with the same link stays a guest.
    other = load_update("message_start_invite", fresh=True, INVITE_TOKEN=invite.token)
    other["message"]["from"]["id"] = other["message"]["chat"]["id"] = 555009
    await rig.post(other)
    assert "unknown, used or expired" in rig.api.messages(555009)[0].text
    async with core.uow() as uow:
        stranger = await uow.session.scalar(select(ChannelIdentity).where(ChannelIdentity.external_id == "555009"))
    assert stranger is not None and stranger.contact_id is None


async def test_an_expired_invite_links_nobody(rig: Rig, core: Core) -> None:
    import datetime as dt

    async with core.uow() as uow:
        _, _, contact = await Build(uow.session).actor()
        invite = await invites.create_invite(uow.session, contact.id, now=core.clock.now() - dt.timedelta(days=8))
        await uow.commit()
    await rig.post(load_update("message_start_invite", INVITE_TOKEN=invite.token))
    assert "unknown, used or expired" in rig.api.messages(555001)[0].text
    async with core.uow() as uow:
        identity = await uow.session.scalar(select(ChannelIdentity))
    assert identity is not None and identity.contact_id is None


async def test_sharing_ones_own_phone_links_and_a_forwarded_contact_does_not(rig: Rig, core: Core) -> None:
    async with core.uow() as uow:
        _, _, contact = await Build(uow.session).actor(name="Beta Build")
        await uow.commit()
    assert contact.phone is not None
    await rig.post(load_update("contact_forwarded", PHONE=contact.phone))
    assert "own contact" in rig.api.messages(555003)[0].text
    await rig.post(load_update("contact_own", PHONE=contact.phone))
    sent = rig.api.messages(555002)
    assert "Beta Build" in sent[0].text  # Russian user: the Russian catalogue names the company too
    async with core.uow() as uow:
        rows = {row.external_id: row.contact_id for row in await uow.session.scalars(select(ChannelIdentity))}
    assert rows == {"555003": None, "555002": contact.id}


async def test_a_guest_gets_a_share_my_phone_button_on_start(rig: Rig) -> None:
    await rig.post(text_update("/start"))
    keys = rig.api.messages(555001)[0].reply_keyboard
    share = [key for key in keys if key.get("request_contact")]
    assert len(share) == 1 and "phone" in share[0]["text"].lower()


async def test_a_reply_keyboard_title_presses_its_menu_entry(rig: Rig, core: Core) -> None:
    await _linked(core)
    await rig.post(text_update("Balance"))
    assert "Alpha Trade" in rig.api.messages(555001)[0].text


async def test_an_edited_message_is_not_redone_but_answered_with_a_hint(rig: Rig, core: Core) -> None:
    await _linked(core)
    await rig.post(load_update("edited_message"))
    sent = rig.api.messages(555001)
    assert len(sent) == 1 and "new message" in sent[0].text
    assert await _count(core, Message) == 0


async def test_blocking_the_bot_marks_the_identity_unreachable(rig: Rig, core: Core) -> None:
    await _linked(core)
    await rig.post(load_update("my_chat_member_kicked"))
    async with core.uow() as uow:
        identity = await uow.session.scalar(select(ChannelIdentity))
    assert identity is not None and identity.unreachable
    assert rig.api.messages() == []


async def test_group_messages_and_stickers_are_not_conversations(rig: Rig, core: Core) -> None:
    await rig.post(load_update("message_group"))
    assert rig.api.calls == [] and await _count(core, Message) == 0
    await rig.post(load_update("message_sticker"))
    assert "CSV" in rig.api.messages(555001)[0].text
    assert await _count(core, Lead) == 0 and await _count(core, Message) == 0
