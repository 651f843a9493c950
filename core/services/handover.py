"""The manager's side of a handover: take a conversation, reply to the client where they wrote from, hand back.

A conversation a manager has taken is AGENT with that staff member as its assignee, and its open `Handover` row
says when it was accepted. Replies and the hand-back notice reach the client through an `IdentityNotifier` (the
channel registry): on the conversation's own channel identity, not "the contact's best", since a guest has no
contact. Sending happens between units of work, never inside one; nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError, IllegalTransition, InvalidInput, NotFound
from core.models import Conversation, ConversationStatus, Handover, StaffUser
from core.ports import Notification, Notifier
from core.services import conversations
from core.services.conversations import SILENT_STATUSES, LoggedMessage

MAX_REPLY = 4000  # within one Telegram or WhatsApp message, with the manager's name before it
MANAGER_REPLY = "manager_reply"  # notification kinds dialogs renders
HANDED_BACK = "handed_back"


class TakenByAnother(IllegalTransition):
    """Another staff member has the conversation; taking it anyway needs `force`."""

    code = "taken_by_another"


class DeliveryFailed(DomainError):
    """The client's channel did not take the message (outside WhatsApp's 24-hour window, blocked the bot, an
    outage, no sender for the channel in this process): nothing was sent."""

    code = "delivery_failed"


@dataclass(frozen=True, slots=True)
class Delivery:
    """What reached the client, as the log keeps it, and the ids the channel gave each message (when it does)."""

    channel: str
    messages: tuple[LoggedMessage, ...]
    channel_message_ids: tuple[str | None, ...] = ()


@runtime_checkable
class IdentityNotifier(Notifier, Protocol):
    """A notifier that also reaches one channel identity directly, in that identity's language. It raises
    `DeliveryFailed` when the channel refuses, and logs nothing: the caller logs under its own sender."""

    async def notify_identity(self, identity_id: int, notification: Notification) -> Delivery: ...


@dataclass(frozen=True, slots=True)
class Desk:
    """A conversation as the manager's side sees it after a take or a hand-back; `changed`: this call changed it."""

    conversation_id: int
    identity_id: int
    contact_id: int | None
    status: ConversationStatus
    assignee_id: int | None
    staff_id: int | None  # who acted (None: an integration acting for nobody in particular)
    staff_name: str | None
    changed: bool
    previous_assignee_id: int | None = None


def identity_notifier(notifier: Notifier) -> IdentityNotifier:
    """The notifier, when it can reach one identity (the channel registry can); `DeliveryFailed` otherwise."""
    if not isinstance(notifier, IdentityNotifier):
        raise DeliveryFailed("no channel registry in this process: replies cannot be sent from here")
    return notifier


async def take(
    session: AsyncSession, conversation_id: int, *, staff_id: int | None, now: dt.datetime, force: bool = False
) -> Desk:
    """`staff_id` takes the conversation: AGENT, assigned to them, its open handover accepted (or one opened,
    when the manager steps in unasked). Taking it again changes nothing; one another staff member has is
    `TakenByAnother` unless `force`. `staff_id` None means the conversation's assignee (an account manager
    routed to it when the client asked)."""
    conversation = await _conversation(session, conversation_id)
    staff = await _staff(session, staff_id if staff_id is not None else conversation.assignee_id)
    previous = conversation.assignee_id
    if conversation.status == ConversationStatus.AGENT and previous == staff.id:
        return _desk(conversation, staff, changed=False)
    if conversation.status == ConversationStatus.AGENT and previous is not None and not force:
        raise TakenByAnother("another staff member has this conversation; take it with force",
                             conversation_id=conversation_id, assignee_id=previous)
    handover = await _open_handover(session, conversation_id)
    if handover is None:
        handover = Handover(conversation_id=conversation_id, requested_at=now)
        session.add(handover)
    handover.status = ConversationStatus.AGENT
    handover.assignee_id = staff.id
    handover.accepted_at = handover.accepted_at or now  # a forced take keeps the first answer's time
    conversation.status = ConversationStatus.AGENT
    conversation.assignee_id = staff.id
    await session.flush()
    return _desk(conversation, staff, changed=True, previous_assignee_id=previous)


async def hand_back(
    session: AsyncSession, conversation_id: int, *, staff_id: int | None, now: dt.datetime, force: bool = False
) -> Desk:
    """The bot answers again and the open handover is closed; `changed` False when there was nothing to hand
    back. Handing back a conversation another staff member has is `TakenByAnother` unless `force`."""
    conversation = await _conversation(session, conversation_id)
    staff = await _staff(session, staff_id) if staff_id is not None else None
    previous = conversation.assignee_id
    if (conversation.status == ConversationStatus.AGENT and staff is not None and previous not in (None, staff.id)
            and not force):
        raise TakenByAnother("another staff member has this conversation; hand it back with force",
                             conversation_id=conversation_id, assignee_id=previous)
    if conversation.status not in SILENT_STATUSES and await _open_handover(session, conversation_id) is None:
        return _desk(conversation, staff, changed=False)
    await conversations.hand_back(session, conversation_id, now=now)
    return _desk(conversation, staff, changed=True, previous_assignee_id=previous)


def manager_reply(desk: Desk, text: str) -> Notification:
    """The reply as a notification for the desk's client, signed with the manager's name. It goes to the desk's
    identity, so a guest's contact id is 0 (as held notifications have it)."""
    return Notification(desk.contact_id or 0, MANAGER_REPLY, {"manager": desk.staff_name, "text": text})


def handed_back(desk: Desk) -> Notification:
    """"You're back with the bot", for the desk's client."""
    return Notification(desk.contact_id or 0, HANDED_BACK, {})


async def log_delivery(
    session: AsyncSession, conversation_id: int, delivery: Delivery, *, sender: str, now: dt.datetime,
    staff_id: int | None = None,
) -> None:
    """Log what reached the client as sent by `sender`, with the staff member who wrote it."""
    messages = [LoggedMessage(m.kind, m.text, {**m.payload, "staff_id": staff_id}) if staff_id is not None else m
                for m in delivery.messages]
    await conversations.log_outbound(session, conversation_id, messages, now=now, sender=sender, status="sent",
                                     channel_message_ids=delivery.channel_message_ids)


def check_reply(text: str) -> str:
    """The reply text, trimmed: not blank, at most `MAX_REPLY` characters, no control characters but newlines."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise InvalidInput("the reply is empty")
    if len(text) > MAX_REPLY:
        raise InvalidInput(f"the reply is longer than {MAX_REPLY} characters", length=len(text))
    if any(_is_control(char) for char in text if char != "\n"):
        raise InvalidInput("the reply has control characters (only line breaks are allowed)")
    return text


def _is_control(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code < 0xA0


async def _conversation(session: AsyncSession, conversation_id: int) -> Conversation:
    conversation = await session.scalar(
        select(Conversation).where(Conversation.id == conversation_id)
        .with_for_update().execution_options(populate_existing=True)
    )
    if conversation is None:
        raise NotFound("no such conversation", conversation_id=conversation_id)
    return conversation


async def _staff(session: AsyncSession, staff_id: int | None) -> StaffUser:
    if staff_id is None:
        raise InvalidInput("name the staff member who acts (staff_id): an API key is nobody's")
    staff = await session.scalar(select(StaffUser).where(StaffUser.id == staff_id, StaffUser.is_active.is_(True)))
    if staff is None:
        raise InvalidInput("no such active staff member", staff_id=staff_id)
    return staff


async def _open_handover(session: AsyncSession, conversation_id: int) -> Handover | None:
    return await session.scalar(
        select(Handover)
        .where(Handover.conversation_id == conversation_id, Handover.closed_at.is_(None))
        .order_by(Handover.id.desc())
        .limit(1)
    )


def _desk(conversation: Conversation, staff: StaffUser | None, *, changed: bool,
          previous_assignee_id: int | None = None) -> Desk:
    return Desk(
        conversation_id=conversation.id, identity_id=conversation.identity_id, contact_id=conversation.contact_id,
        status=ConversationStatus(conversation.status), assignee_id=conversation.assignee_id,
        staff_id=staff.id if staff else None, staff_name=staff.name if staff else None, changed=changed,
        previous_assignee_id=previous_assignee_id,
    )
