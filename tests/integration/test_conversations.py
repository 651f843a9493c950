"""Conversation services: identities resolve to contacts or guests, one conversation each, the inbound log
dedupes redeliveries, and handover makes the bot silent until it is handed back."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.bootstrap import Core
from core.models import ChannelIdentity, Handover, Message, OutboxEvent, StaffUser
from core.models.conversations import ConversationStatus
from core.services import conversations
from core.services.conversations import LoggedMessage
from tests.factories import Build

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
