"""The WhatsApp webhook end to end: recorded Cloud API notifications posted to `/whatsapp/webhook` with valid and
invalid signatures, the answers going out through the fake Graph API, the database rows checked."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select

from bots.whatsapp import signature_matches
from bots.whatsapp.translate import split_webhook
from core.bootstrap import Core
from core.models import ChannelIdentity, InboundUpdate, Message
from core.services import conversations
from tests.channels.whatsapp.conftest import (
    APP_SECRET,
    VERIFY_TOKEN,
    WA_ID,
    Rig,
    load_payload,
    member,
    message_of,
    reply_payload,
    sign,
    text_payload,
)
from tests.channels.whatsapp.fake_graph_api import PHONE_NUMBER_ID


async def _count(core: Core, model: type) -> int:
    async with core.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def _identity(core: Core, external_id: str = WA_ID) -> ChannelIdentity | None:
    async with core.uow() as uow:
        return await uow.session.scalar(
            select(ChannelIdentity).where(ChannelIdentity.channel == "whatsapp",
                                          ChannelIdentity.external_id == external_id))


# Verification ---------------------------------------------------------------------------------------


async def test_verification_answers_the_challenge_only_for_the_right_token(rig: Rig) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    ok = await rig.client.get("/whatsapp/webhook", params=params)
    assert (ok.status_code, ok.text) == (200, "1158201444")
    for wrong in ({**params, "hub.verify_token": "guess"}, {**params, "hub.mode": "unsubscribe"},
                  {k: v for k, v in params.items() if k != "hub.verify_token"}, {**params, "hub.challenge": ""}):
        refused = await rig.client.get("/whatsapp/webhook", params=wrong)
        assert refused.status_code == 403 and "1158201444" not in refused.text


# Signatures -----------------------------------------------------------------------------------------


def test_the_signature_is_an_hmac_of_the_raw_body() -> None:
    body = b'{"object":"whatsapp_business_account"}'
    assert signature_matches(APP_SECRET.encode(), body, sign(body))
    assert signature_matches(APP_SECRET.encode(), body, sign(body).upper().replace("SHA256=", "sha256="))
    assert not signature_matches(APP_SECRET.encode(), body + b" ", sign(body))
    assert not signature_matches(APP_SECRET.encode(), body, sign(body, "another-secret"))
    assert not signature_matches(APP_SECRET.encode(), body, sign(body)[len("sha256="):])  # no prefix
    assert not signature_matches(APP_SECRET.encode(), body, None)


async def test_a_wrong_or_missing_signature_is_refused_and_nothing_is_processed(rig: Rig, core: Core) -> None:
    await member(core)
    body = load_payload("text")
    raw = json.dumps(body).encode()
    responses = [
        await rig.post(body, signature=None),
        await rig.post(body, signature="sha256=" + "0" * 64),
        await rig.post(body, signature=sign(raw, "another-secret")),
        await rig.post(raw + b"\n", signature=sign(raw)),  # the body changed after signing
    ]
    assert [r.status_code for r in responses] == [401, 401, 401, 401]
    assert rig.api.calls == []
    assert await _count(core, InboundUpdate) == 0 and await _count(core, Message) == 0
    assert await _count(core, ChannelIdentity) == 0


async def test_a_signed_body_that_is_not_a_notification_is_refused_without_side_effects(
    rig: Rig, core: Core
) -> None:
    for raw in (b"not json", b"[1, 2]", b'{"object": "page", "entry": []}',
                b'{"object": "whatsapp_business_account", "entry": "x"}',
                b'{"object": "whatsapp_business_account", "entry": [{"changes": {"value": 1}}]}'):
        response = await rig.post(raw, signature=sign(raw))
        assert response.status_code == 400, raw
        assert response.json()["detail"] == "not a WhatsApp Business Account notification"
    assert await _count(core, InboundUpdate) == 0 and rig.api.calls == []


async def test_an_oversized_body_is_refused(rig: Rig, core: Core) -> None:
    raw = b'{"object": "whatsapp_business_account", "entry": [], "pad": "' + b"x" * 3_000_001 + b'"}'
    response = await rig.post(raw, signature=sign(raw))
    assert response.status_code == 413
    assert await _count(core, InboundUpdate) == 0


async def test_parts_b2bot_does_not_use_are_acknowledged_and_skipped(rig: Rig, core: Core) -> None:
    other_number = load_payload("text")
    other_number["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    account_update = {"object": "whatsapp_business_account",
                      "entry": [{"id": "1", "changes": [{"field": "account_update", "value": {"event": "X"}}]}]}
    no_id = load_payload("text")
    del message_of(no_id)["id"]
    for body in (other_number, account_update, no_id):
        assert (await rig.post(body)).status_code == 200
    assert await _count(core, InboundUpdate) == 0 and rig.api.calls == []


# Messages -------------------------------------------------------------------------------------------


async def test_a_members_number_signs_them_in_and_the_text_is_answered(rig: Rig, core: Core) -> None:
    _, contact = await member(core)
    response = await rig.post(load_payload("text"))
    assert response.status_code == 200
    sent = rig.api.sent(WA_ID)
    assert sent and "Alpha Trade" in sent[0].text  # the balance of the contact's company
    identity = await _identity(core)
    assert identity is not None and identity.contact_id == contact.id and identity.display_name == "Anna Becker"
    read = [c.body for c in rig.api.calls if c.kind == "read"]
    assert read == [{"messaging_product": "whatsapp", "status": "read", "message_id": message_of(load_payload(
        "text"))["id"], "typing_indicator": {"type": "text"}}]
    async with core.uow() as uow:
        update = await uow.session.scalar(select(InboundUpdate))
    assert update is not None and update.processed_at is not None and update.error is None
    assert update.external_id == message_of(load_payload("text"))["id"]


async def test_an_unknown_number_is_a_guest(rig: Rig, core: Core) -> None:
    await member(core, phone="+4915199999999")
    await rig.post(load_payload("text"))
    identity = await _identity(core)
    assert identity is not None and identity.contact_id is None
    assert "Alpha Trade" not in "\n".join(call.text for call in rig.api.sent(WA_ID))


async def test_a_redelivered_message_is_acknowledged_and_processed_once(rig: Rig, core: Core) -> None:
    await member(core)
    body = load_payload("text")
    first = await rig.post(body)
    again = await rig.post(body)
    assert (first.status_code, again.status_code) == (200, 200)
    assert len(rig.api.sent(WA_ID)) == 1
    assert await _count(core, InboundUpdate) == 1
    async with core.uow() as uow:
        inbound = await uow.session.scalar(select(func.count()).where(Message.direction == "in"))
    assert inbound == 1


async def test_a_reply_button_and_a_list_row_are_payloads(rig: Rig, core: Core) -> None:
    await member(core)
    button = await rig.exchange(load_payload("interactive_button_reply"))
    row = await rig.exchange(load_payload("interactive_list_reply"))
    assert "Alpha Trade" in button[0].text and "Alpha Trade" in row[0].text
    async with core.uow() as uow:
        logged = list(await uow.session.scalars(select(Message).where(Message.direction == "in")))
    assert [(m.kind, m.payload) for m in logged] == [("button", {"payload": "balance"})] * 2


async def test_a_reply_whose_id_is_not_ours_is_read_as_its_title(rig: Rig, core: Core) -> None:
    await member(core)
    await rig.exchange(reply_payload("not a payload!", "balance"))
    async with core.uow() as uow:
        logged = await uow.session.scalar(select(Message).where(Message.direction == "in"))
    assert logged is not None and (logged.kind, logged.text) == ("text", "balance")  # the id never reached flows


async def test_a_location_and_the_users_own_contact_card_are_understood(rig: Rig, core: Core) -> None:
    await member(core)
    await rig.exchange(load_payload("location"))
    await rig.exchange(load_payload("contacts_own"))
    async with core.uow() as uow:
        rows = await uow.session.scalars(select(Message).where(Message.direction == "in"))
        logged = {m.kind: m.payload for m in rows}
    assert logged["location"] == {"lat": 55.757718, "lon": 37.611613}
    assert logged["contact"] == {"phone": "+49 151 12345678", "own": True}


async def test_a_sticker_gets_a_hint_and_changes_nothing(rig: Rig, core: Core) -> None:
    sent = await rig.exchange(load_payload("sticker"))
    assert len(sent) == 1 and "CSV" in sent[0].text
    assert await _count(core, Message) == 0


async def test_a_business_scoped_user_finds_their_identity_by_that_id(rig: Rig, core: Core) -> None:
    _, contact = await member(core)
    first = load_payload("text")
    first["entry"][0]["changes"][0]["value"]["contacts"][0]["user_id"] = "DE.13491208655302741918"
    await rig.post(first)
    # Later the user hides their number: only the business-scoped id comes, and it is still them.
    await rig.post(load_payload("text_scoped_user"))
    async with core.uow() as uow:
        identities = list(await uow.session.scalars(select(ChannelIdentity)))
        inbound = await uow.session.scalar(select(func.count()).where(Message.direction == "in"))
    assert [(i.external_id, i.scoped_user_id, i.contact_id) for i in identities] == [
        (WA_ID, "DE.13491208655302741918", contact.id)]
    assert inbound == 2 and len(rig.api.sent(WA_ID)) == 2


async def test_a_user_known_only_by_a_scoped_id_is_a_guest_answered_at_that_id(rig: Rig, core: Core) -> None:
    await rig.post(load_payload("text_scoped_user"))
    identity = await _identity(core, "DE.13491208655302741918")
    assert identity is not None and identity.contact_id is None
    assert rig.api.sent("DE.13491208655302741918")


async def test_a_russian_number_is_answered_in_russian(rig: Rig, core: Core) -> None:
    await member(core, phone="+79005550101")
    sent = await rig.exchange(text_payload("баланс", wa_id="79005550101"), "79005550101")
    assert sent and "Alpha Trade" in sent[0].text and "Баланс" in sent[0].text
    identity = await _identity(core, "79005550101")
    assert identity is not None and identity.locale == "ru"


async def test_a_turn_that_fails_is_recorded_with_its_error_and_the_next_is_handled(rig: Rig, core: Core) -> None:
    await member(core)
    rig.api.fail("messages", 400, code=100, message="Invalid parameter")
    await rig.post(load_payload("text"))
    async with core.uow() as uow:
        update = await uow.session.scalar(select(InboundUpdate))
    assert update is not None and update.processed_at is not None and "Invalid parameter" in (update.error or "")
    assert len(await rig.exchange(text_payload("balance"))) == 1


async def test_a_message_recorded_but_not_finished_is_replayed(rig: Rig, core: Core) -> None:
    await member(core)
    items = split_webhook(load_payload("text"), PHONE_NUMBER_ID)
    await rig.channel.record(items)  # recorded, then the process "died" before handling it
    assert await rig.channel.replay_unfinished(older_than=dt.timedelta(0)) == 1
    assert len(rig.api.sent(WA_ID)) == 1
    assert await rig.channel.replay_unfinished(older_than=dt.timedelta(0)) == 0


# Statuses -------------------------------------------------------------------------------------------


async def _statuses(rig: Rig, name: str, wamid: str) -> int:
    raw = json.dumps(load_payload(name)).replace("WAMID", wamid).encode()
    return (await rig.post(raw, signature=sign(raw))).status_code


async def test_statuses_are_recorded_on_the_message_log_and_only_move_forward(rig: Rig, core: Core) -> None:
    await member(core)
    await rig.post(load_payload("text"))
    answer = rig.api.sent(WA_ID)[-1]
    assert answer.wamid is not None
    async with core.uow() as uow:
        row = await uow.session.scalar(select(Message).where(Message.channel_message_id == answer.wamid))
    assert row is not None and row.direction == "out" and row.status == "sent"
    # sent, read, then a late "delivered": read stays.
    assert await _statuses(rig, "statuses", answer.wamid) == 200
    async with core.uow() as uow:
        row = await uow.session.scalar(select(Message).where(Message.channel_message_id == answer.wamid))
    assert row is not None and row.status == "read"


async def test_a_failed_undeliverable_status_marks_the_recipient_unreachable(rig: Rig, core: Core) -> None:
    _, contact = await member(core)
    await rig.post(load_payload("text"))
    wamid = rig.api.sent(WA_ID)[-1].wamid
    assert wamid is not None
    assert await _statuses(rig, "status_failed", wamid) == 200
    async with core.uow() as uow:
        row = await uow.session.scalar(select(Message).where(Message.channel_message_id == wamid))
    assert row is not None and row.status == "failed" and "131026" in row.payload["error"]
    identity = await _identity(core)
    assert identity is not None and identity.unreachable
    # Writing again makes them reachable.
    await rig.post(text_payload("balance"))
    identity = await _identity(core)
    assert identity is not None and not identity.unreachable and identity.contact_id == contact.id


async def test_a_status_for_an_unknown_message_is_acknowledged(rig: Rig, core: Core) -> None:
    assert await _statuses(rig, "statuses", "wamid.unknown") == 200
    assert await _count(core, Message) == 0


async def test_the_conversation_log_keeps_the_whatsapp_ids_of_answers(rig: Rig, core: Core) -> None:
    await member(core)
    await rig.post(load_payload("text"))
    async with core.uow() as uow:
        identity = await conversations.resolve_identity(uow.session, "whatsapp", WA_ID, now=core.clock.now())
        conversation = await conversations.conversation_for(uow.session, identity)
        out = list(await uow.session.scalars(select(Message).where(
            Message.conversation_id == conversation.id, Message.direction == "out")))
    assert [m.channel_message_id for m in out] == [c.wamid for c in rig.api.sent(WA_ID)]


async def test_a_turn_goes_on_when_marking_the_message_read_fails(rig: Rig, core: Core) -> None:
    await member(core)
    rig.api.fail("read", 500, code=1, message="An unknown error occurred")
    sent = await rig.exchange(load_payload("text"))
    assert len(sent) == 1 and "Alpha Trade" in sent[0].text
