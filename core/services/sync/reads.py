"""What staff and integrations read back: companies, contacts, conversations with their transcripts,
orders, and demand signals (backorder requests, searches that found nothing). Pages are newest or
first-synced first and carry their total."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound
from core.models import Company, Contact, Conversation, DemandSignal, Message, Order, OrderStatus, StaffUser
from core.services.orders import OrderSummary
from core.services.sync.orders import load_lines, order_summary

T = TypeVar("T")
MAX_PAGE = 500
MAX_TRANSCRIPT = 1000


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class CompanyView:
    id: int
    external_id: str | None
    name: str
    tax_id: str
    price_tier: str
    payment_terms: str
    payment_days: int
    credit_limit: Decimal
    approval_threshold: Decimal | None
    currency: str
    loyalty_tier: str
    region: str | None
    city: str | None
    tags: tuple[str, ...]
    account_manager_external_id: str | None
    is_active: bool


@dataclass(frozen=True, slots=True)
class ContactView:
    id: int
    external_id: str | None
    company_id: int
    name: str
    role: str
    email: str | None
    phone: str | None
    locale: str
    is_active: bool


@dataclass(frozen=True, slots=True)
class MessageView:
    id: int
    direction: str
    sender: str
    kind: str
    text: str | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ConversationView:
    id: int
    channel: str
    contact_id: int | None
    status: str
    assignee_id: int | None
    last_message_at: dt.datetime | None
    transcript: tuple[MessageView, ...] = ()


@dataclass(frozen=True, slots=True)
class DemandView:
    id: int
    kind: str
    company_id: int | None
    contact_id: int | None
    product_id: int | None
    query: str | None
    quantity: int | None
    created_at: dt.datetime


def _check(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE} and offset not negative")


async def _page(session: AsyncSession, query: Select[Any], limit: int, offset: int) -> tuple[list[Any], int]:
    _check(limit, offset)
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return list(await session.scalars(query.limit(limit).offset(offset))), int(total)


async def _company_id(session: AsyncSession, external_id: str) -> int:
    found = await session.scalar(select(Company.id).where(Company.external_id == external_id))
    if found is None:
        raise NotFound("no such company", external_id=external_id)
    return found


async def companies(
    session: AsyncSession, *, limit: int, offset: int, region: str | None = None
) -> Page[CompanyView]:
    query = select(Company).order_by(Company.id)
    if region is not None:
        query = query.where(Company.region == region)
    rows, total = await _page(session, query, limit, offset)
    managers: dict[int, str | None] = {
        ident: external_id
        for ident, external_id in await session.execute(
            select(StaffUser.id, StaffUser.external_id).where(StaffUser.id.in_({r.account_manager_id for r in rows}))
        )
    }
    return Page(tuple(_company(r, managers.get(r.account_manager_id or 0)) for r in rows), total, limit, offset)


async def company(session: AsyncSession, external_id: str) -> CompanyView:
    row = await session.scalar(select(Company).where(Company.external_id == external_id))
    if row is None:
        raise NotFound("no such company", external_id=external_id)
    manager = None
    if row.account_manager_id is not None:
        manager = await session.scalar(select(StaffUser.external_id).where(StaffUser.id == row.account_manager_id))
    return _company(row, manager)


def _company(row: Company, manager: str | None) -> CompanyView:
    return CompanyView(
        row.id, row.external_id, row.name, row.tax_id, row.price_tier, str(row.payment_terms), row.payment_days,
        row.credit_limit, row.approval_threshold, row.currency, row.loyalty_tier, row.region, row.city,
        tuple(row.tags), manager, row.is_active,
    )


async def contacts(
    session: AsyncSession, *, limit: int, offset: int, company_external_id: str | None = None
) -> Page[ContactView]:
    query = select(Contact).order_by(Contact.id)
    if company_external_id is not None:
        query = query.where(Contact.company_id == await _company_id(session, company_external_id))
    rows, total = await _page(session, query, limit, offset)
    return Page(tuple(_contact(r) for r in rows), total, limit, offset)


async def contact(session: AsyncSession, external_id: str) -> ContactView:
    row = await session.scalar(select(Contact).where(Contact.external_id == external_id))
    if row is None:
        raise NotFound("no such contact", external_id=external_id)
    return _contact(row)


def _contact(row: Contact) -> ContactView:
    return ContactView(row.id, row.external_id, row.company_id, row.name, str(row.role), row.email, row.phone,
                       row.locale, row.is_active)


async def conversations(
    session: AsyncSession, *, limit: int, offset: int, status: str | None = None
) -> Page[ConversationView]:
    query = select(Conversation).order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
    if status is not None:
        query = query.where(Conversation.status == status)
    rows, total = await _page(session, query, limit, offset)
    return Page(tuple(_conversation(r, ()) for r in rows), total, limit, offset)


async def conversation(session: AsyncSession, conversation_id: int, *, last: int = 200) -> ConversationView:
    """A conversation with its last `last` messages, oldest first."""
    if not 1 <= last <= MAX_TRANSCRIPT:
        raise InvalidInput(f"last must be between 1 and {MAX_TRANSCRIPT}")
    row = await session.get(Conversation, conversation_id)
    if row is None:
        raise NotFound("no such conversation", conversation_id=conversation_id)
    messages = list(await session.scalars(
        select(Message).where(Message.conversation_id == row.id).order_by(Message.id.desc()).limit(last)
    ))
    transcript = tuple(
        MessageView(m.id, m.direction, m.sender, m.kind, m.text, m.created_at) for m in reversed(messages)
    )
    return _conversation(row, transcript)


def _conversation(row: Conversation, transcript: tuple[MessageView, ...]) -> ConversationView:
    return ConversationView(row.id, row.channel, row.contact_id, str(row.status), row.assignee_id,
                            row.last_message_at, transcript)


async def orders(
    session: AsyncSession, *, limit: int, offset: int, status: OrderStatus | None = None,
    company_external_id: str | None = None,
) -> Page[OrderSummary]:
    query = select(Order).order_by(Order.id.desc())
    if status is not None:
        query = query.where(Order.status == status)
    if company_external_id is not None:
        query = query.where(Order.company_id == await _company_id(session, company_external_id))
    rows, total = await _page(session, query, limit, offset)
    lines = await load_lines(session, [r.id for r in rows])
    return Page(tuple(order_summary(r, lines.get(r.id, [])) for r in rows), total, limit, offset)


async def order(session: AsyncSession, order_id: int) -> OrderSummary:
    row = await session.get(Order, order_id)
    if row is None:
        raise NotFound("no such order", order_id=order_id)
    return order_summary(row, (await load_lines(session, [row.id])).get(row.id, []))


async def demand_signals(
    session: AsyncSession, *, limit: int, offset: int, kind: str | None = None, since: dt.datetime | None = None
) -> Page[DemandView]:
    query = select(DemandSignal).order_by(DemandSignal.id.desc())
    if kind is not None:
        query = query.where(DemandSignal.kind == kind)
    if since is not None:
        query = query.where(DemandSignal.created_at >= since)
    rows, total = await _page(session, query, limit, offset)
    return Page(tuple(_demand(r) for r in rows), total, limit, offset)


def _demand(r: DemandSignal) -> DemandView:
    return DemandView(r.id, r.kind, r.company_id, r.contact_id, r.product_id, r.query, r.quantity, r.created_at)

