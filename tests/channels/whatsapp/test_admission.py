"""A plain WhatsApp message is admitted inside the webhook request: its update recorded (finished), who wrote
worked out and the message logged in one commit before the ack; the turn runs after it. An admission that fails
falls back to the plain record, so nothing acknowledged is lost."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select

from bots.gateway import Admission, Gateway, Identify
from bots.whatsapp.translate import split_webhook
from bots.whatsapp.transport import AfterAck
from core.bootstrap import Core
from core.messaging import Inbound
from core.models import ChannelIdentity, InboundUpdate, Message
from core.services import conversations
from tests.channels.whatsapp.conftest import WA_ID, Rig, load_payload, member, message_of, text_payload
from tests.channels.whatsapp.fake_graph_api import PHONE_NUMBER_ID
from tests.statements import recorded_sql


async def _updates(core: Core) -> list[InboundUpdate]:
    async with core.uow() as uow:
        return list(await uow.session.scalars(select(InboundUpdate).order_by(InboundUpdate.id)))


async def _logged_in(core: Core) -> list[str | None]:
    async with core.uow() as uow:
        return list(await uow.session.scalars(
            select(Message.text).where(Message.direction == "in").order_by(Message.id)))


def admit_failing(monkeypatch: pytest.MonkeyPatch, times: int) -> None:
    """`Gateway.admit` raises its first `times` calls, as a database gone away for a moment would."""
    admit = Gateway.admit
    failures = iter([RuntimeError("database went away")] * times)

    async def admit_failing_at_first(self: Gateway, inbound: Inbound,
                                     identify: Identify | None = None) -> Admission | None:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return await admit(self, inbound, identify)

    monkeypatch.setattr(Gateway, "admit", admit_failing_at_first)


async def test_a_plain_message_is_logged_and_its_update_finished_before_the_ack(
    rig: Rig, core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, contact = await member(core)
    held: list[Sequence[AfterAck]] = []

    async def hold(after_ack: Sequence[AfterAck]) -> None:  # the background task, kept for later
        held.append(after_ack)

    monkeypatch.setattr(rig.channel, "run_after_ack", hold)
    body = load_payload("text")
    response = await rig.post(body)
    assert response.status_code == 200 and len(held) == 1
    # Acknowledged, the turn not run yet: the message is in the log, its update finished, its writer signed in.
    assert rig.api.calls == []
    assert await _logged_in(core) == [message_of(body)["text"]["body"]]
    [update] = await _updates(core)
    assert update.external_id == message_of(body)["id"] and update.processed_at is not None
    async with core.uow() as uow:
        identity = await uow.session.scalar(select(ChannelIdentity))
    assert identity is not None and identity.contact_id == contact.id and identity.external_id == WA_ID
    monkeypatch.undo()
    await rig.channel.run_after_ack(held[0])
    assert "Alpha Trade" in rig.api.sent(WA_ID)[0].text
    [update] = await _updates(core)
    assert update.error is None


async def test_a_redelivery_of_an_admitted_message_leaves_nothing_to_do(rig: Rig, core: Core) -> None:
    await member(core)
    items = split_webhook(load_payload("text"), PHONE_NUMBER_ID)
    first = await rig.channel.accept(items)
    assert len(first) == 1
    assert await rig.channel.accept(items) == []
    await rig.channel.run_after_ack(first)
    assert len(rig.api.sent(WA_ID)) == 1 and len(await _logged_in(core)) == 1


async def test_a_message_whose_admission_fails_is_answered_from_its_record(
    rig: Rig, core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    await member(core)
    admit_failing(monkeypatch, times=1)
    response = await rig.post(text_payload("balance"))
    assert response.status_code == 200  # recorded, so acknowledged: handled from the record, as after a crash
    assert "Alpha Trade" in rig.api.sent(WA_ID)[0].text
    [update] = await _updates(core)
    assert update.processed_at is not None and update.error is None
    assert await _logged_in(core) == ["balance"]


async def test_a_message_that_cannot_be_admitted_at_all_keeps_the_error_on_its_record(
    rig: Rig, core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    await member(core)
    admit_failing(monkeypatch, times=2)
    response = await rig.post(text_payload("balance"))
    assert response.status_code == 200
    [update] = await _updates(core)
    assert update.processed_at is not None and "database went away" in (update.error or "")
    assert rig.api.sent(WA_ID) == [] and await _logged_in(core) == []
    assert len(await rig.exchange(text_payload("balance"))) == 1  # the next message is answered


async def test_a_plain_message_takes_one_commit_before_the_ack_and_three_in_all(rig: Rig, core: Core) -> None:
    await member(core)
    await rig.say("hello")  # the conversation exists from here on
    items = split_webhook(text_payload("something nobody sells"), PHONE_NUMBER_ID)
    with recorded_sql(core.engine) as before_ack:
        after_ack = await rig.channel.accept(items)
    with recorded_sql(core.engine) as after:
        await rig.channel.run_after_ack(after_ack)
    assert rig.api.sent(WA_ID)
    # Before the ack: the update's record (finished), who wrote and the message's log. After it: the answer's log,
    # and the answer's WhatsApp ids. (Recorded, then handled from the record, it took six.)
    assert (before_ack.commits, after.commits) == (1, 2)


async def test_messages_of_one_webhook_are_answered_and_logged_in_the_order_they_came(rig: Rig, core: Core) -> None:
    await member(core)
    body = text_payload("balance")
    value: dict[str, Any] = body["entry"][0]["changes"][0]["value"]
    value["messages"] += [message_of(load_payload("sticker", fresh=True)),
                          message_of(text_payload("something nobody sells"))]
    sent = await rig.exchange(body)
    # The sticker is only recorded, and so is the text after it: the log and the answers keep the order.
    texts = [call.text for call in sent]
    assert "Alpha Trade" in texts[0] and "CSV" in texts[1] and "didn't understand" in texts[2]
    assert await _logged_in(core) == ["balance", "something nobody sells"]
    assert all(update.processed_at is not None and update.error is None for update in await _updates(core))
    async with core.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(InboundUpdate)) == 3


async def test_a_handed_over_conversation_is_logged_and_stays_silent(rig: Rig, core: Core) -> None:
    await member(core)
    await rig.say("hello")
    async with core.uow() as uow:
        identity = await conversations.resolve_identity(uow.session, "whatsapp", WA_ID, now=core.clock.now())
        conversation = await conversations.conversation_for(uow.session, identity)
        await conversations.request_handover(uow.session, conversation.id, now=core.clock.now())
        await uow.commit()
    before = len(rig.api.calls)
    assert await rig.say("is anyone there?") == []
    assert [call.kind for call in rig.api.calls[before:]] == ["read"]  # marked read, answered by the manager
    assert (await _logged_in(core))[-1] == "is anyone there?"
    assert all(update.processed_at is not None and update.error is None for update in await _updates(core))
