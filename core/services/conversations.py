"""Conversations: who writes (channel identity -> contact or guest), the thread, its message log, handover.

The gateway calls `receive_inbound` for every inbound message; the manager console and the channel registry use
the same functions, so a conversation has one history whichever side wrote. Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Insert, Update, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import ScalarSelect

from core.db import conflict_insert, dialect_of, table_of
from core.domain.access import Actor
from core.errors import InvalidInput, NotFound
from core.messaging import (
    ButtonPress,
    Buttons,
    Content,
    DocumentOut,
    FileUpload,
    ImageOut,
    ListOut,
    Location,
    Outbound,
    ProductCardOut,
    SharedContact,
    Text,
    TextOut,
)
from core.models import (
    ChannelIdentity,
    Company,
    Contact,
    Conversation,
    ConversationStatus,
    Handover,
    Message,
    StaffUser,
)
from core.services import outbox

MAX_CHANNEL = 20
MAX_EXTERNAL_ID = 100
MAX_DISPLAY_NAME = 200
MAX_MESSAGE_ID = 100
MAX_REASON = 500
SILENT_STATUSES = frozenset({ConversationStatus.WAITING, ConversationStatus.AGENT})

# Working hours of the supplier's managers; settings-free until an issue asks for a schedule per supplier.
WORK_TZ = dt.timezone(dt.timedelta(hours=3), "MSK")
WORK_DAYS = frozenset(range(5))  # Monday..Friday
WORK_START = dt.time(9, 0)
WORK_END = dt.time(18, 0)
RESPONSE_MINUTES = 15


@dataclass(frozen=True, slots=True)
class IdentityView:
    id: int
    channel: str
    external_id: str
    contact_id: int | None
    display_name: str | None
    locale: str | None


@dataclass(frozen=True, slots=True)
class ConversationView:
    id: int
    identity_id: int
    contact_id: int | None
    channel: str
    status: ConversationStatus
    assignee_id: int | None

    @property
    def bot_is_silent(self) -> bool:
        return self.status in SILENT_STATUSES


@dataclass(frozen=True, slots=True)
class LoggedMessage:
    """What the log keeps of one message: its kind, its text, and the rest as JSON."""

    kind: str
    text: str | None
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Arrival:
    """A client's message, logged: who wrote, their conversation, and whom they speak for."""

    identity: IdentityView
    conversation: ConversationView
    actor: Actor


@dataclass(frozen=True, slots=True)
class HandoverTicket:
    """Who answers and when: the assignee's name (None: the first free manager) and the expected reply time."""

    handover_id: int
    conversation_id: int
    assignee_id: int | None
    assignee_name: str | None
    during_working_hours: bool
    answer_within_minutes: int
    next_opening: dt.datetime | None  # outside working hours: when they start again (UTC)
    created: bool  # False: a handover was already open, this is it


# Identities ---------------------------------------------------------------------------------------


async def resolve_identity(
    session: AsyncSession,
    channel: str,
    external_id: str,
    *,
    now: dt.datetime,
    display_name: str | None = None,
    locale_hint: str | None = None,
) -> IdentityView:
    """The identity for (channel, external id), created as a guest when new; its last inbound time updated.

    Two first messages racing for one new identity: the loser of the insert reads the winner's row.
    """
    _check_key(channel, external_id)
    identity = await _identity_by_key(session, channel, external_id)
    if identity is None:
        try:
            async with session.begin_nested():
                identity = ChannelIdentity(channel=channel, external_id=external_id)
                session.add(identity)
                await session.flush()
        except IntegrityError:
            identity = await _identity_by_key(session, channel, external_id)
            if identity is None:  # pragma: no cover - the row that refused ours must exist
                raise
    if display_name:
        identity.display_name = display_name.strip()[:MAX_DISPLAY_NAME] or identity.display_name
    if identity.locale is None:
        identity.locale = _hinted_locale(locale_hint)
    identity.last_inbound_at = now
    await session.flush()
    return _identity_view(identity)


async def actor_for(session: AsyncSession, identity: IdentityView) -> Actor:
    """The actor an identity speaks as: its active contact of an active company, else a guest."""
    if identity.contact_id is None:
        return _actor(identity, None, None, None)
    row = (
        await session.execute(
            select(Contact.company_id, Contact.role, Contact.locale)
            .join(Company, Company.id == Contact.company_id)
            .where(Contact.id == identity.contact_id, Contact.is_active.is_(True), Company.is_active.is_(True))
        )
    ).first()
    if row is None:
        return _actor(identity, None, None, None)
    return _actor(identity, *row)


async def link_identity(session: AsyncSession, identity_id: int, contact_id: int) -> Contact:
    """Point an identity (and its conversation) at a contact, which must be active at an active company."""
    identity = await session.get(ChannelIdentity, identity_id)
    if identity is None:
        raise NotFound("no such identity", identity_id=identity_id)
    contact = await session.scalar(
        select(Contact)
        .join(Company, Company.id == Contact.company_id)
        .where(Contact.id == contact_id, Contact.is_active.is_(True), Company.is_active.is_(True))
    )
    if contact is None:
        raise NotFound("no such active contact", contact_id=contact_id)
    identity.contact_id = contact.id
    await session.execute(
        update(Conversation)
        .where(Conversation.identity_id == identity_id)
        .values(contact_id=contact.id)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    return contact


async def set_locale(session: AsyncSession, identity_id: int, locale: str) -> None:
    """Remember the language the user chose (with /lang) on this identity."""
    if not 2 <= len(locale) <= 8:
        raise InvalidInput("unknown locale", locale=locale)
    await session.execute(
        update(ChannelIdentity)
        .where(ChannelIdentity.id == identity_id)
        .values(locale=locale)
        .execution_options(synchronize_session=False)
    )


# Conversations and the log ------------------------------------------------------------------------


async def receive_inbound(
    session: AsyncSession,
    channel: str,
    external_id: str,
    channel_message_id: str,
    message: LoggedMessage,
    *,
    now: dt.datetime,
    locale_hint: str | None = None,
) -> Arrival | None:
    """A client's message: who wrote, logged once in their conversation; None when it was logged before.

    What `resolve_identity`, `conversation_for`, `log_inbound` and `actor_for` do in turn, in two statements for
    a known writer: the write of the identity's last inbound time reads the identity, its conversation and the
    actor as well, then the log's insert (whose trigger keeps the conversation's last_message_at). A new identity
    takes the general path, and a first conversation, or one still pointing at the identity's former contact,
    `conversation_for`.
    """
    _check_key(channel, external_id)
    _check_message_id(channel_message_id)
    row = (await session.execute(_arrival_statement(), {
        "key_channel": channel, "key_external_id": external_id, "now": now, "hint": _hinted_locale(locale_hint),
    })).first()
    if row is None:
        identity = await resolve_identity(session, channel, external_id, now=now, locale_hint=locale_hint)
        conversation = await conversation_for(session, identity)
        actor = await actor_for(session, identity)
    else:
        identity = IdentityView(row.id, channel, external_id, row.contact_id, row.display_name, row.locale)
        if row.conversation_id is None or row.conversation_contact_id != row.contact_id:
            conversation = await conversation_for(session, identity)
        else:
            conversation = ConversationView(row.conversation_id, row.id, row.contact_id, channel,
                                            ConversationStatus(row.status), row.assignee_id)
        actor = _actor(identity, row.company_id, row.role, row.contact_locale)
    if not await _insert_inbound(session, conversation.id, channel_message_id, message, now):
        return None
    return Arrival(identity, conversation, actor)


async def conversation_for(session: AsyncSession, identity: IdentityView) -> ConversationView:
    """The identity's one conversation, created on its first message, pointing at the identity's contact now."""
    # The row, not the view: a view read before a link would point the conversation at the old contact.
    contact_id = await session.scalar(select(ChannelIdentity.contact_id).where(ChannelIdentity.id == identity.id))
    conversation = await _conversation_of(session, identity.id)
    if conversation is None:
        try:
            async with session.begin_nested():
                conversation = Conversation(
                    identity_id=identity.id, contact_id=contact_id, channel=identity.channel,
                    status=ConversationStatus.BOT,
                )
                session.add(conversation)
                await session.flush()
        except IntegrityError:
            conversation = await _conversation_of(session, identity.id)
            if conversation is None:  # pragma: no cover
                raise
    elif conversation.contact_id != contact_id:
        conversation.contact_id = contact_id
        await session.flush()
    return _conversation_view(conversation)


async def log_inbound(
    session: AsyncSession,
    conversation_id: int,
    channel_message_id: str,
    message: LoggedMessage,
    *,
    now: dt.datetime,
) -> bool:
    """Log a client's message once; False when that channel message id was logged before (a redelivery).

    The unique constraint on (conversation, direction, channel message id) decides between two concurrent
    deliveries, and the losing insert does nothing rather than fail, so the caller's transaction stays usable.
    """
    _check_message_id(channel_message_id)
    return await _insert_inbound(session, conversation_id, channel_message_id, message, now)


async def log_outbound(
    session: AsyncSession,
    conversation_id: int,
    messages: Sequence[LoggedMessage],
    *,
    now: dt.datetime,
    sender: str = "bot",
    status: str | None = None,
    channel_message_ids: Sequence[str | None] = (),
) -> None:
    """Log what the bot (or a manager, or the system) sent, in one insert; `channel_message_ids` are the ids the
    channel gave each message, when it gives them (delivery statuses come back under those ids)."""
    if not messages:
        return
    rows = [
        _message_values(conversation_id, "out", sender,
                        channel_message_ids[index] if index < len(channel_message_ids) else None, message, now,
                        status=status)
        for index, message in enumerate(messages)
    ]
    await session.execute(_OUTBOUND_STATEMENT, rows)  # one executemany


def describe_content(content: Content) -> LoggedMessage:
    """An inbound content as the log keeps it (file bytes are not kept, only their name and size)."""
    if isinstance(content, Text):
        return LoggedMessage("text", content.text)
    if isinstance(content, ButtonPress):
        return LoggedMessage("button", None, {"payload": content.payload})
    if isinstance(content, FileUpload):
        return LoggedMessage("file", content.filename, {"content_type": content.content_type, "size": content.size})
    if isinstance(content, SharedContact):
        return LoggedMessage("contact", None, {"phone": content.phone, "own": content.user_id_matches})
    if isinstance(content, Location):
        return LoggedMessage("location", None, {"lat": content.lat, "lon": content.lon})
    raise TypeError(f"not an inbound content: {content!r}")


def describe_outbound(message: Outbound) -> LoggedMessage:
    """An outbound message as the log keeps it: the text a manager reads, buttons and payloads as JSON."""
    if isinstance(message, TextOut):
        return LoggedMessage("text", message.text)
    if isinstance(message, Buttons):
        return LoggedMessage("buttons", message.text, {"buttons": [[b.title, b.payload] for b in message.buttons]})
    if isinstance(message, ListOut):
        rows = [[r.title, r.payload, r.description] for r in message.rows]
        return LoggedMessage("list", message.text, {"button": message.button_title, "rows": rows})
    if isinstance(message, ProductCardOut):
        return LoggedMessage("card", f"{message.title}\n{message.body}",
                             {"buttons": [[b.title, b.payload] for b in message.buttons]})
    if isinstance(message, DocumentOut):
        return LoggedMessage("document", message.caption, {"filename": message.filename,
                                                           "content_type": message.content_type,
                                                           "size": len(message.data)})
    if isinstance(message, ImageOut):
        return LoggedMessage("image", message.caption, {"url": message.url})
    raise TypeError(f"not an outbound message: {message!r}")


# Handover -----------------------------------------------------------------------------------------


async def request_handover(
    session: AsyncSession, conversation_id: int, *, now: dt.datetime, reason: str | None = None
) -> HandoverTicket:
    """Ask for a human: the conversation waits (the bot falls silent), the company's account manager is
    assigned when there is one, and a `handover.requested` event goes to the outbox. Asking again while a
    handover is open changes nothing and answers the same ticket."""
    conversation = await session.scalar(
        select(Conversation).where(Conversation.id == conversation_id).execution_options(populate_existing=True)
    )
    if conversation is None:
        raise NotFound("no such conversation", conversation_id=conversation_id)
    open_handover = await session.scalar(
        select(Handover)
        .where(Handover.conversation_id == conversation_id, Handover.closed_at.is_(None))
        .order_by(Handover.id.desc())
        .limit(1)
    )
    if open_handover is not None and conversation.status in SILENT_STATUSES:
        return await _ticket(session, open_handover, now, created=False)
    manager = await _account_manager(session, conversation.contact_id)
    handover = Handover(
        conversation_id=conversation.id,
        status=ConversationStatus.WAITING,
        reason=(reason or "")[:MAX_REASON] or None,
        assignee_id=manager.id if manager else None,
        requested_at=now,
    )
    session.add(handover)
    conversation.status = ConversationStatus.WAITING
    conversation.assignee_id = handover.assignee_id
    await session.flush()
    await outbox.add_event(
        session,
        "handover.requested",
        {
            "handover_id": handover.id,
            "conversation_id": conversation.id,
            "channel": conversation.channel,
            "contact_id": conversation.contact_id,
            "assignee_id": handover.assignee_id,
            "reason": handover.reason,
            "requested_at": now.isoformat(),
        },
        now=now,
    )
    return await _ticket(session, handover, now, created=True)


async def conversation_status(session: AsyncSession, conversation_id: int) -> ConversationStatus:
    status = await session.scalar(select(Conversation.status).where(Conversation.id == conversation_id))
    if status is None:
        raise NotFound("no such conversation", conversation_id=conversation_id)
    return ConversationStatus(status)


async def bot_is_silent(session: AsyncSession, conversation_id: int) -> bool:
    """True while a manager has (or is about to take) the conversation."""
    return await conversation_status(session, conversation_id) in SILENT_STATUSES


async def hand_back(session: AsyncSession, conversation_id: int, *, now: dt.datetime) -> None:
    """The manager is done: the bot answers again and the open handover is closed."""
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound("no such conversation", conversation_id=conversation_id)
    conversation.status = ConversationStatus.BOT
    await session.execute(
        update(Handover)
        .where(Handover.conversation_id == conversation_id, Handover.closed_at.is_(None))
        .values(status=ConversationStatus.CLOSED, closed_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.flush()


def working_hours_at(now: dt.datetime) -> tuple[bool, dt.datetime | None]:
    """(open now, the next opening in UTC when closed)."""
    local = now.astimezone(WORK_TZ)
    if local.weekday() in WORK_DAYS and WORK_START <= local.time() < WORK_END:
        return True, None
    day = local.date() if local.time() < WORK_START else local.date() + dt.timedelta(days=1)
    while day.weekday() not in WORK_DAYS:
        day += dt.timedelta(days=1)
    return False, dt.datetime.combine(day, WORK_START, tzinfo=WORK_TZ).astimezone(dt.UTC)


# Helpers ------------------------------------------------------------------------------------------


def _check_key(channel: str, external_id: str) -> None:
    if not channel or len(channel) > MAX_CHANNEL:
        raise InvalidInput("a channel name is required (at most 20 characters)", channel=channel[:40])
    if not external_id or len(external_id) > MAX_EXTERNAL_ID:
        raise InvalidInput("an external user id is required (at most 100 characters)")


def _check_message_id(channel_message_id: str) -> None:
    if not channel_message_id or len(channel_message_id) > MAX_MESSAGE_ID:
        raise InvalidInput("a channel message id is required (at most 100 characters)")


def _hinted_locale(locale_hint: str | None) -> str | None:
    """The messenger's language ("pt_BR" -> "pt"): the identity's until the user picks one with /lang, which
    `set_locale` saves over it."""
    if not locale_hint:
        return None
    return locale_hint.strip().replace("_", "-").split("-", 1)[0].lower()[:8] or None


def _actor(
    identity: IdentityView, active_company_id: int | None, role: str | None, contact_locale: str | None
) -> Actor:
    """The identity's contact when it is active at an active company (`active_company_id`), else a guest."""
    if identity.contact_id is None or active_company_id is None:
        return Actor.guest(identity.locale or "en")
    return Actor(contact_id=identity.contact_id, company_id=active_company_id, role=str(role),
                 locale=identity.locale or contact_locale or "en")


class _ReturnedSubquery(ScalarSelect[Any]):
    """A scalar subquery in a RETURNING clause that keeps its columns' table names on SQLite too.

    SQLAlchemy writes SQLite's RETURNING columns bare (SQLite lets them name the target table only) and carries
    that into subqueries there, where a bare `id` is ambiguous or names the wrong table.
    """

    inherit_cache = True


@compiles(_ReturnedSubquery, "sqlite")
def _compile_returned_subquery(element: _ReturnedSubquery, compiler: SQLCompiler, **kw: Any) -> str:
    kw.pop("include_table", None)
    return compiler.visit_grouping(element, **kw)


@cache
def _arrival_statement() -> Update:
    """UPDATE the identity's last inbound time (and its locale, when it has none yet, to the messenger's),
    RETURNING the identity, its conversation, its contact's company when both are active, and the contact's
    role and locale: one round trip for all a known writer's message needs to read."""
    identity = table_of(ChannelIdentity).c
    conversations, contacts, companies = table_of(Conversation).c, table_of(Contact).c, table_of(Company).c

    def conversation(column: Any) -> _ReturnedSubquery:
        return _ReturnedSubquery(select(column).where(conversations.identity_id == identity.id))

    def contact(column: Any) -> _ReturnedSubquery:
        return _ReturnedSubquery(select(column).where(contacts.id == identity.contact_id))

    active_company = _ReturnedSubquery(
        select(contacts.company_id)
        .join(table_of(Company), companies.id == contacts.company_id)
        .where(contacts.id == identity.contact_id, contacts.is_active.is_(True), companies.is_active.is_(True))
    )
    return (
        update(table_of(ChannelIdentity))
        .where(identity.channel == bindparam("key_channel"), identity.external_id == bindparam("key_external_id"))
        .values(last_inbound_at=bindparam("now", type_=identity.last_inbound_at.type),
                locale=func.coalesce(identity.locale, bindparam("hint", type_=identity.locale.type)))
        .returning(
            identity.id, identity.contact_id, identity.display_name, identity.locale,
            conversation(conversations.id).label("conversation_id"),
            conversation(conversations.contact_id).label("conversation_contact_id"),
            conversation(conversations.status).label("status"),
            conversation(conversations.assignee_id).label("assignee_id"),
            active_company.label("company_id"),
            contact(contacts.role).label("role"),
            contact(contacts.locale).label("contact_locale"),
        )
    )


async def _insert_inbound(
    session: AsyncSession, conversation_id: int, channel_message_id: str, message: LoggedMessage, now: dt.datetime
) -> bool:
    """One INSERT .. ON CONFLICT DO NOTHING RETURNING: True when logged, False for a message logged before."""
    logged = await session.scalar(
        _inbound_statement(dialect_of(session)),
        _message_values(conversation_id, "in", "client", channel_message_id, message, now),
    )
    return logged is not None


# The statements every message runs are built once (and compiled once per dialect): building one per call
# cost several times its execution. They are Core statements on the tables, which skip the ORM's bulk path.
_MESSAGES = table_of(Message)
_MESSAGE_COLUMNS = ("conversation_id", "direction", "sender", "channel_message_id", "kind", "text", "payload",
                    "status", "created_at")


@cache
def _inbound_statement(dialect: str) -> Insert:
    messages = _MESSAGES.c
    return (
        conflict_insert(dialect)(_MESSAGES)
        .values({name: bindparam(name) for name in _MESSAGE_COLUMNS})
        .on_conflict_do_nothing(index_elements=[messages.conversation_id, messages.direction,
                                                messages.channel_message_id])
        .returning(messages.id)
    )


_OUTBOUND_STATEMENT = insert(_MESSAGES)


async def _identity_by_key(session: AsyncSession, channel: str, external_id: str) -> ChannelIdentity | None:
    return await session.scalar(
        select(ChannelIdentity).where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
    )


async def _conversation_of(session: AsyncSession, identity_id: int) -> Conversation | None:
    return await session.scalar(select(Conversation).where(Conversation.identity_id == identity_id))


async def _account_manager(session: AsyncSession, contact_id: int | None) -> StaffUser | None:
    if contact_id is None:
        return None
    return await session.scalar(
        select(StaffUser)
        .join(Company, Company.account_manager_id == StaffUser.id)
        .join(Contact, Contact.company_id == Company.id)
        .where(Contact.id == contact_id, StaffUser.is_active.is_(True))
    )


async def _ticket(session: AsyncSession, handover: Handover, now: dt.datetime, *, created: bool) -> HandoverTicket:
    name = None
    if handover.assignee_id is not None:
        name = await session.scalar(select(StaffUser.name).where(StaffUser.id == handover.assignee_id))
    open_now, next_opening = working_hours_at(now)
    return HandoverTicket(
        handover_id=handover.id,
        conversation_id=handover.conversation_id,
        assignee_id=handover.assignee_id,
        assignee_name=name,
        during_working_hours=open_now,
        answer_within_minutes=RESPONSE_MINUTES,
        next_opening=next_opening,
        created=created,
    )


def _message_values(
    conversation_id: int, direction: str, sender: str, channel_message_id: str | None, message: LoggedMessage,
    now: dt.datetime, *, status: str | None = None,
) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "direction": direction,
        "sender": sender,
        "channel_message_id": channel_message_id,
        "kind": message.kind,
        "text": message.text,
        "payload": dict(message.payload),
        "status": status,
        "created_at": now,
    }


def _identity_view(identity: ChannelIdentity) -> IdentityView:
    return IdentityView(identity.id, identity.channel, identity.external_id, identity.contact_id,
                        identity.display_name, identity.locale)


def _conversation_view(conversation: Conversation) -> ConversationView:
    return ConversationView(conversation.id, conversation.identity_id, conversation.contact_id,
                            conversation.channel, ConversationStatus(conversation.status), conversation.assignee_id)
