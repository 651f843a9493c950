"""Conversation services: identities resolve to contacts or guests, one conversation each, the inbound log
dedupes redeliveries, and handover makes the bot silent until it is handed back."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import func, select, update

from core.bootstrap import Core
from core.models import (
    ChannelIdentity,
    Company,
    Contact,
    Conversation,
    Handover,
    Message,
    OutboxEvent,
    StaffUser,
)
from core.models.conversations import ConversationStatus
from core.services import conversations
from core.services.conversations import LoggedMessage
from tests.factories import Build
from tests.statements import recorded_sql

NOW = dt.datetime(2025, 3, 5, 10, 0, tzinfo=dt.UTC)  # a Wednesday, 13:00 in Moscow


async def test_a_new_identity_is_a_guest_and_is_created_once(core: Core) -> None:
    async with core.uow() as uow:
        first = await conversations.resolve_identity(uow.session, "telegram", "42", now=NOW, display_name="Ann",
                                                     locale_hint="ru-RU")
        again = await conversations.resolve_identity(uow.session, "telegram", "42", now=NOW)
        actor = await conversations.actor_for(uow.session, again)
        count = await uow.session.scalar(select(func.count()).select_from(ChannelIdentity))
    assert first.id == again.id and count == 1
    assert first.contact_id is None and actor.is_guest
    assert first.display_name == "Ann" and first.locale == "ru"


async def test_a_linked_identity_speaks_for_its_contact_until_the_contact_is_deactivated(core: Core) -> None:
    async with core.uow() as uow:
        _, company, contact = await Build(uow.session).actor()
        identity = await conversations.resolve_identity(uow.session, "telegram", "7", now=NOW)
        await conversations.link_identity(uow.session, identity.id, contact.id)
        identity = await conversations.resolve_identity(uow.session, "telegram", "7", now=NOW)
        actor = await conversations.actor_for(uow.session, identity)
        assert (actor.contact_id, actor.company_id) == (contact.id, company.id)
        company.is_active = False
        await uow.session.flush()
        assert (await conversations.actor_for(uow.session, identity)).is_guest


async def test_a_redelivered_message_is_logged_once(core: Core) -> None:
    async with core.uow() as uow:
        identity = await conversations.resolve_identity(uow.session, "telegram", "1", now=NOW)
        conversation = await conversations.conversation_for(uow.session, identity)
        first = await conversations.log_inbound(uow.session, conversation.id, "update-1",
                                                LoggedMessage("text", "hello"), now=NOW)
        second = await conversations.log_inbound(uow.session, conversation.id, "update-1",
                                                 LoggedMessage("text", "hello"), now=NOW)
        await uow.commit()
    async with core.uow() as uow:
        logged = await uow.session.scalar(select(func.count()).select_from(Message))
    assert (first, second, logged) == (True, False, 1)


async def test_a_duplicate_that_slips_past_the_check_is_caught_by_the_constraint(core: Core) -> None:
    async with core.uow() as uow:
        identity = await conversations.resolve_identity(uow.session, "telegram", "1", now=NOW)
        conversation = await conversations.conversation_for(uow.session, identity)
        await uow.commit()
    # Two deliveries in two transactions: the second cannot see the first's row until it commits.
    async with core.uow() as one, core.uow() as two:
        assert await conversations.log_inbound(one.session, conversation.id, "u-9", LoggedMessage("text", "x"),
                                               now=NOW)
        await one.commit()
        assert not await conversations.log_inbound(two.session, conversation.id, "u-9",
                                                   LoggedMessage("text", "x"), now=NOW)
        # The caller's transaction is still usable after the refused insert.
        await conversations.log_outbound(two.session, conversation.id, [LoggedMessage("text", "reply")], now=NOW)
        await two.commit()
    async with core.uow() as uow:
        rows = (await uow.session.execute(select(Message.direction, func.count()).group_by(Message.direction))).all()
    assert dict(rows) == {"in": 1, "out": 1}


async def test_handover_assigns_the_account_manager_and_silences_the_bot_until_handed_back(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        manager = StaffUser(email="olga@supplier.test", name="Olga Petrova", role="manager")
        uow.session.add(manager)
        await uow.session.flush()
        _, _, contact = await build.actor(account_manager_id=manager.id)
        identity = await conversations.resolve_identity(uow.session, "telegram", "5", now=NOW)
        await conversations.link_identity(uow.session, identity.id, contact.id)
        conversation = await conversations.conversation_for(uow.session, identity)
        ticket = await conversations.request_handover(uow.session, conversation.id, now=NOW)
        repeat = await conversations.request_handover(uow.session, conversation.id, now=NOW)
        silent = await conversations.bot_is_silent(uow.session, conversation.id)
        await uow.commit()
    assert ticket.created and not repeat.created and repeat.handover_id == ticket.handover_id
    assert ticket.assignee_name == "Olga Petrova" and ticket.during_working_hours
    assert silent
    async with core.uow() as uow:
        events = list(await uow.session.scalars(select(OutboxEvent.topic)))
        await conversations.hand_back(uow.session, conversation.id, now=NOW + dt.timedelta(hours=1))
        await uow.commit()
    assert events == ["handover.requested"]
    async with core.uow() as uow:
        assert not await conversations.bot_is_silent(uow.session, conversation.id)
        handover = await uow.session.scalar(select(Handover))
    assert handover is not None and handover.status == ConversationStatus.CLOSED and handover.closed_at is not None


async def test_a_guest_handover_waits_for_any_manager_and_after_hours_names_the_next_opening(core: Core) -> None:
    friday_night = dt.datetime(2025, 3, 7, 20, 0, tzinfo=dt.UTC)
    async with core.uow() as uow:
        identity = await conversations.resolve_identity(uow.session, "telegram", "8", now=friday_night)
        conversation = await conversations.conversation_for(uow.session, identity)
        ticket = await conversations.request_handover(uow.session, conversation.id, now=friday_night)
    assert ticket.assignee_id is None and not ticket.during_working_hours
    assert ticket.next_opening == dt.datetime(2025, 3, 10, 6, 0, tzinfo=dt.UTC)  # Monday 9:00 in Moscow


# receive_inbound: the gateway's one call per inbound message --------------------------------------------


async def known_writer(core: Core, external_id: str = "5") -> tuple[int, int, int]:
    """A linked identity with its conversation, committed: (identity id, contact id, company id)."""
    async with core.uow() as uow:
        _, company, contact = await Build(uow.session).actor()
        identity = await conversations.resolve_identity(uow.session, "telegram", external_id, now=NOW)
        await conversations.link_identity(uow.session, identity.id, contact.id)
        await conversations.conversation_for(uow.session, identity)
        await uow.commit()
        return identity.id, contact.id, company.id


async def receive(core: Core, message_id: str, *, external_id: str = "5", now: dt.datetime = NOW,
                  locale_hint: str | None = None) -> conversations.Arrival | None:
    async with core.uow() as uow:
        arrival = await conversations.receive_inbound(uow.session, "telegram", external_id, message_id,
                                                      LoggedMessage("text", "hi"), now=now, locale_hint=locale_hint)
        await uow.commit()
    return arrival


async def test_a_known_writers_message_is_received_in_two_statements_as_the_general_path_reads_it(
    core: Core,
) -> None:
    identity_id, contact_id, company_id = await known_writer(core)
    later = NOW + dt.timedelta(minutes=5)
    with recorded_sql(core.engine) as sql:
        arrival = await receive(core, "m-1", now=later, locale_hint="de_AT")
    assert sql.verbs == ["UPDATE", "INSERT"]  # the insert's trigger moves the conversation's time
    assert arrival is not None
    async with core.uow() as uow:
        identity = await conversations.resolve_identity(uow.session, "telegram", "5", now=later)
        conversation = await conversations.conversation_for(uow.session, identity)
        actor = await conversations.actor_for(uow.session, identity)
        row = await uow.session.get(ChannelIdentity, identity_id)
        touched = await uow.session.scalar(select(Conversation.last_message_at))
        logged = list(await uow.session.scalars(select(Message.channel_message_id)))
    assert (arrival.identity, arrival.conversation, arrival.actor) == (identity, conversation, actor)
    assert (actor.contact_id, actor.company_id, identity.locale) == (contact_id, company_id, "de")
    assert row is not None and row.last_inbound_at == later and touched == later and logged == ["m-1"]


async def test_a_redelivered_message_is_received_once_and_changes_nothing(core: Core) -> None:
    await known_writer(core)
    assert await receive(core, "m-1") is not None
    later = NOW + dt.timedelta(hours=1)
    async with core.uow() as uow:
        again = await conversations.receive_inbound(uow.session, "telegram", "5", "m-1", LoggedMessage("text", "hi"),
                                                    now=later)
        # The gateway does not commit a redelivery; the caller's transaction is still usable.
        assert await uow.session.scalar(select(func.count()).select_from(Message)) == 1
    async with core.uow() as uow:
        last_message_at = await uow.session.scalar(select(Conversation.last_message_at))
    assert again is None and last_message_at == NOW


async def test_a_first_message_creates_a_guest_identity_and_its_conversation(core: Core) -> None:
    arrival = await receive(core, "m-1", external_id="new", locale_hint="ru-RU")
    assert arrival is not None and arrival.actor.is_guest and arrival.actor.locale == "ru"
    assert arrival.identity.locale == "ru" and arrival.conversation.status == ConversationStatus.BOT
    second = await receive(core, "m-2", external_id="new", locale_hint="en")
    assert second is not None and second.conversation.id == arrival.conversation.id
    assert second.identity.locale == "ru"  # the hint fills an empty locale only


async def test_two_first_messages_racing_make_one_identity_and_one_conversation(core: Core) -> None:
    first, second = await asyncio.gather(receive(core, "m-1", external_id="racer"),
                                         receive(core, "m-2", external_id="racer"))
    assert first is not None and second is not None
    assert first.identity.id == second.identity.id and first.conversation.id == second.conversation.id
    async with core.uow() as uow:
        counts = [await uow.session.scalar(select(func.count()).select_from(model))
                  for model in (ChannelIdentity, Conversation, Message)]
    assert counts == [1, 1, 2]


async def test_a_chosen_locale_beats_the_messengers_and_speaks_for_the_contact(core: Core) -> None:
    identity_id, _, _ = await known_writer(core)
    async with core.uow() as uow:
        await conversations.set_locale(uow.session, identity_id, "ru")
        await uow.commit()
    arrival = await receive(core, "m-1", locale_hint="en")
    assert arrival is not None and arrival.identity.locale == "ru" and arrival.actor.locale == "ru"


async def test_a_deactivated_contact_or_company_speaks_as_a_guest_from_its_next_message(core: Core) -> None:
    _, contact_id, company_id = await known_writer(core)
    before = await receive(core, "m-1")
    assert before is not None and not before.actor.is_guest
    for model, row_id, message_id in ((Contact, contact_id, "m-2"), (Company, company_id, "m-3")):
        async with core.uow() as uow:
            row = await uow.session.get(model, row_id)
            assert row is not None
            row.is_active = False
            await uow.commit()
        arrival = await receive(core, message_id)
        assert arrival is not None and arrival.actor.is_guest and arrival.actor.contact_id is None
        async with core.uow() as uow:
            row = await uow.session.get(model, row_id)
            assert row is not None
            row.is_active = True
            await uow.commit()


async def test_a_conversation_follows_its_identity_to_another_contact(core: Core) -> None:
    identity_id, _, _ = await known_writer(core)
    async with core.uow() as uow:
        _, other_company, other = await Build(uow.session).actor(name="Other Co")
        # A link that reaches the identity only (as an admin's relink would): the conversation still points back.
        await uow.session.execute(update(ChannelIdentity).where(ChannelIdentity.id == identity_id)
                                  .values(contact_id=other.id))
        await uow.commit()
    arrival = await receive(core, "m-1")
    assert arrival is not None
    assert arrival.conversation.contact_id == other.id
    assert (arrival.actor.contact_id, arrival.actor.company_id) == (other.id, other_company.id)
    async with core.uow() as uow:
        assert await uow.session.scalar(select(Conversation.contact_id)) == other.id


async def test_a_handed_over_conversation_is_received_as_silent(core: Core) -> None:
    await known_writer(core)
    async with core.uow() as uow:
        conversation_id = await uow.session.scalar(select(Conversation.id))
        assert conversation_id is not None
        await conversations.request_handover(uow.session, conversation_id, now=NOW)
        await uow.commit()
    arrival = await receive(core, "m-1")
    assert arrival is not None and arrival.conversation.bot_is_silent


async def test_an_outbound_batch_is_logged_in_one_insert_and_touches_the_conversation(core: Core) -> None:
    await known_writer(core)
    later = NOW + dt.timedelta(minutes=1)
    async with core.uow() as uow:
        conversation_id = await uow.session.scalar(select(Conversation.id))
        assert conversation_id is not None
        with recorded_sql(core.engine) as sql:
            await conversations.log_outbound(uow.session, conversation_id,
                                             [LoggedMessage("text", "one"), LoggedMessage("buttons", "two", {"b": 1})],
                                             now=later, sender="manager", status="sent",
                                             channel_message_ids=["c-1"])
        await uow.commit()
    assert sql.verbs == ["INSERT"]
    async with core.uow() as uow:
        rows = (await uow.session.execute(
            select(Message.text, Message.sender, Message.status, Message.channel_message_id, Message.payload)
            .order_by(Message.id))).all()
        last_message_at = await uow.session.scalar(select(Conversation.last_message_at))
    assert [tuple(row) for row in rows] == [("one", "manager", "sent", "c-1", {}),
                                            ("two", "manager", "sent", None, {"b": 1})]
    assert last_message_at == later
