"""An order's invoice for its purchaser: the accounting system's own file when it sent one (a `Document` of kind
invoice for the order), else what the ledger's invoice entry says, for the conversation to lay out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.access import Actor
from core.models import Company, Document, DocumentKind, LedgerEntry, LedgerKind
from core.services import orders


@dataclass(frozen=True, slots=True)
class StoredFile:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class OrderInvoice:
    """The invoice of one of the actor's company's orders. `file` is the accounting system's document when there
    is one; the other fields come from the ledger's invoice entry (or, lacking one, the file's own record)."""

    order: orders.OrderSummary
    number: str
    issued_on: dt.date
    due_on: dt.date | None
    amount: Decimal
    currency: str
    company_name: str
    company_tax_id: str | None
    file: StoredFile | None


# Built once: the ledger's first invoice for the order, and the invoice file sent (or sent again) last for it.
_ENTRY = (
    select(LedgerEntry)
    .where(LedgerEntry.order_id == bindparam("order_id"), LedgerEntry.kind == LedgerKind.INVOICE)
    .order_by(LedgerEntry.occurred_on, LedgerEntry.id)
    .limit(1)
)
_FILE = (
    select(Document)
    .where(Document.order_id == bindparam("order_id"), Document.company_id == bindparam("company_id"),
           Document.kind == DocumentKind.INVOICE)
    .order_by(Document.updated_at.desc(), Document.id.desc())
    .limit(1)
)


async def invoice_of(session: AsyncSession, actor: Actor, order_id: int) -> OrderInvoice | None:
    """The invoice of order `order_id`, None while none is issued (credit orders are invoiced when they ship,
    prepaid ones when confirmed). Another company's order, like a missing one, is `NotFound`."""
    order = await orders.get_order(session, actor, order_id)
    entry = await session.scalar(_ENTRY, {"order_id": order.id})
    stored = await session.scalar(_FILE, {"order_id": order.id, "company_id": order.company_id})
    if entry is None and stored is None:
        return None
    company = await session.get(Company, order.company_id)
    assert company is not None  # the order's own company: the foreign key holds it
    file = None if stored is None else StoredFile(stored.filename, stored.content_type, stored.content)
    if entry is None:
        assert stored is not None
        return OrderInvoice(order, stored.title, stored.created_at.date(), None, order.total, order.currency,
                            company.name, company.tax_id, file)
    return OrderInvoice(order, entry.number, entry.occurred_on, entry.due_on, entry.amount, entry.currency,
                        company.name, company.tax_id, file)
