"""A company's account: balance from the ledger, overdue debt, available credit, payments, statements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    String,
    and_,
    bindparam,
    exists,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import dialect_of
from core.domain.access import Actor
from core.domain.money import to_money
from core.domain.order_states import OPEN_STATUSES
from core.errors import AccessDenied, InvalidInput, NotFound
from core.models import Company, Contact, LedgerEntry, LedgerKind, Order, PaymentMode, PaymentTerms, utcnow

ZERO = Decimal("0.00")
_OPEN_ORDER = "open_order"  # marks an open order's total among ledger amounts


@dataclass(frozen=True, slots=True)
class AccountSummary:
    company_id: int
    company_name: str
    currency: str
    payment_terms: str
    payment_days: int
    credit_limit: Decimal
    balance: Decimal  # what the company owes; negative when it has paid in advance
    overdue: Decimal
    overdue_days: int  # of the oldest overdue invoice; 0 when nothing is overdue
    oldest_overdue_due_on: dt.date | None
    open_orders_on_credit: Decimal  # placed on credit, not invoiced yet
    available_credit: Decimal  # never below zero; zero for prepayment terms


@dataclass(frozen=True, slots=True)
class LedgerLine:
    id: int
    kind: str
    number: str
    amount: Decimal
    currency: str
    occurred_on: dt.date
    due_on: dt.date | None
    order_id: int | None
    description: str | None


@dataclass(frozen=True, slots=True)
class StatementLine:
    occurred_on: dt.date
    kind: str
    number: str
    description: str | None
    debit: Decimal  # raised what is owed (an invoice)
    credit: Decimal  # lowered it (a payment or a credit note)
    balance: Decimal  # running balance after this line


@dataclass(frozen=True, slots=True)
class Statement:
    """A reconciliation statement: opening balance, every entry of the period, closing balance."""

    company_id: int
    company_name: str
    tax_id: str
    currency: str
    start: dt.date
    end: dt.date
    opening_balance: Decimal
    lines: tuple[StatementLine, ...]
    total_debit: Decimal
    total_credit: Decimal
    closing_balance: Decimal


async def lock_company(session: AsyncSession, company_id: int) -> Company:
    """Hold the company's row until the transaction ends, serialising credit and points decisions.

    PostgreSQL takes a row lock (NO KEY UPDATE, so rows that merely reference the company are not
    blocked). SQLite has no row locks, and its driver only opens the transaction at the first write,
    so a write that changes nothing takes the database's write lock instead; reads after it see
    everything committed before.
    """
    if dialect_of(session) == "sqlite":
        await session.execute(
            update(Company)
            .where(Company.id == company_id)
            .values(updated_at=Company.updated_at)
            .execution_options(synchronize_session=False)
        )
    company = await session.scalar(
        select(Company)
        .where(Company.id == company_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if company is None:
        raise NotFound("no such company", company_id=company_id)
    return company


async def hold_company(session: AsyncSession, company_id: int) -> None:
    """Take the lock `lock_company` takes, without loading the row (the caller reads it after)."""
    if dialect_of(session) == "sqlite":
        held = await session.execute(
            update(Company)
            .where(Company.id == company_id)
            .values(updated_at=Company.updated_at)
            .execution_options(synchronize_session=False)
        )
        found = held.rowcount == 1  # type: ignore[attr-defined]
    else:
        found = await session.scalar(
            select(Company.id).where(Company.id == company_id).with_for_update(key_share=True)
        ) is not None
    if not found:
        raise NotFound("no such company", company_id=company_id)


# Built once, as the statements below: nearly every turn reads the actor's company, and building a statement costs
# about as much as running it.
_CONTACT_AND_COMPANY = (
    select(Contact.company_id, Contact.is_active, Company)
    .join(Company, Company.id == Contact.company_id)
    .where(Contact.id == bindparam("contact_id"))
)


async def company_of(session: AsyncSession, actor: Actor) -> Company:
    """The actor's company. A guest is refused, and so is an actor whose contact is not of that company."""
    company_id = actor.require_company()
    if actor.contact_id is not None:
        # The contact's checks and its company in one round trip.
        row = (await session.execute(_CONTACT_AND_COMPANY, {"contact_id": actor.contact_id})).first()
        if row is None or row[0] != company_id or not row[1]:
            raise AccessDenied("not your company's data")
        return row[2]
    company = await session.get(Company, company_id)
    if company is None:
        raise NotFound("no such company", company_id=company_id)
    return company


_MEMBER_NAMES = (
    select(Contact.name, Company.name)
    .join(Company, Company.id == Contact.company_id)
    .where(Contact.id == bindparam("contact_id"))
)


async def member_names(session: AsyncSession, actor: Actor) -> tuple[str, str] | None:
    """The actor's contact name and company name; None for a guest, or a contact that is gone."""
    if actor.contact_id is None:
        return None
    row = (await session.execute(_MEMBER_NAMES, {"contact_id": actor.contact_id})).first()
    return None if row is None else (row[0], row[1])


async def account_summary(session: AsyncSession, actor: Actor, *, today: dt.date | None = None) -> AccountSummary:
    """Balance, overdue debt and credit of the actor's company."""
    return (await account_overview(session, actor, today=today, payments=0))[0]


async def account_overview(
    session: AsyncSession, actor: Actor, *, today: dt.date | None = None, payments: int = 5
) -> tuple[AccountSummary, tuple[LedgerLine, ...]]:
    """The account summary and the `payments` most recent payments (newest first), from one read of the ledger."""
    if not 0 <= payments <= 100:
        raise InvalidInput("payments must be between 0 and 100", payments=payments)
    company = await company_of(session, actor)
    today = today or utcnow().date()
    entries = await _entries(session, company.id)
    recent = sorted((e for e in entries if e.kind == LedgerKind.PAYMENT), key=lambda e: (e.occurred_on, e.id),
                    reverse=True)[:payments]
    return _summary(company, entries, await open_orders_on_credit(session, company.id), today), tuple(
        _line(entry) for entry in recent
    )


def _summary(
    company: Company, entries: Sequence[LedgerEntry], open_on_credit: Decimal, today: dt.date
) -> AccountSummary:
    balance = _signed_total(entries)
    overdue, oldest_due = overdue_fifo(entries, company.payment_days, today)
    return AccountSummary(
        company_id=company.id,
        company_name=company.name,
        currency=company.currency,
        payment_terms=str(company.payment_terms),
        payment_days=company.payment_days,
        credit_limit=to_money(company.credit_limit),
        balance=balance,
        overdue=overdue,
        overdue_days=(today - oldest_due).days if oldest_due else 0,
        oldest_overdue_due_on=oldest_due,
        open_orders_on_credit=open_on_credit,
        available_credit=_available(company, balance, open_on_credit),
    )


async def available_credit(session: AsyncSession, company: Company) -> Decimal:
    """Credit limit less what is owed and less open credit orders not invoiced yet; zero at least."""
    if company.payment_terms != PaymentTerms.CREDIT:
        return ZERO
    balance, open_on_credit = await _owed(session, company.id, PaymentMode.CREDIT)
    return _available(company, balance, open_on_credit)


async def advance_left(session: AsyncSession, company: Company) -> Decimal:
    """On prepayment terms, what the company has paid ahead and not yet spent: payments over invoices, less its
    open orders not invoiced yet; zero at least, and zero on credit terms."""
    if company.payment_terms != PaymentTerms.PREPAYMENT:
        return ZERO
    balance, open_prepaid = await _owed(session, company.id, PaymentMode.PREPAYMENT)
    return max(ZERO, to_money(-balance - open_prepaid))


async def _owed(session: AsyncSession, company_id: int, mode: PaymentMode) -> tuple[Decimal, Decimal]:
    """What the company owes by its ledger, and the totals of its open orders paid by `mode` and not invoiced
    yet: one round trip, summed here (see below)."""
    balance = open_total = ZERO
    for kind, amount in await session.execute(_OWED[mode], {"owed_company_id": company_id}):
        if kind == _OPEN_ORDER:
            open_total += amount
        else:
            balance += amount if kind == LedgerKind.INVOICE else -amount
    return to_money(balance), to_money(open_total)


def _available(company: Company, balance: Decimal, open_on_credit: Decimal) -> Decimal:
    if company.payment_terms != PaymentTerms.CREDIT:
        return ZERO
    return max(ZERO, to_money(company.credit_limit - balance - open_on_credit))


def _open_uninvoiced(company_id: ColumnElement[int], mode: PaymentMode) -> ColumnElement[bool]:
    invoiced = exists().where(LedgerEntry.order_id == Order.id, LedgerEntry.kind == LedgerKind.INVOICE)
    return and_(
        Order.company_id == company_id,
        Order.status.in_(OPEN_STATUSES),
        Order.payment_mode == mode,
        ~invoiced,
    )


# Built once: every checkout and balance reads them.
_OPEN_ON_CREDIT = select(Order.total).where(_open_uninvoiced(bindparam("owed_company_id"), PaymentMode.CREDIT))
_OWED: dict[PaymentMode, CompoundSelect[str, Decimal]] = {
    mode: union_all(
        select(LedgerEntry.kind, LedgerEntry.amount).where(LedgerEntry.company_id == bindparam("owed_company_id")),
        select(literal(_OPEN_ORDER, String), Order.total).where(_open_uninvoiced(bindparam("owed_company_id"), mode)),
    )
    for mode in PaymentMode
}
_ENTRIES = (
    select(LedgerEntry)
    .where(LedgerEntry.company_id == bindparam("company_id"))
    .order_by(LedgerEntry.occurred_on, LedgerEntry.id)
)


async def open_orders_on_credit(session: AsyncSession, company_id: int) -> Decimal:
    """Totals of open orders placed on credit that no invoice covers yet: owed soon, not in the ledger."""
    totals = await session.scalars(_OPEN_ON_CREDIT, {"owed_company_id": company_id})
    # Summed here, not in SQL: SQLite would add the amounts as floats.
    return to_money(sum(totals, ZERO))


async def last_payments(session: AsyncSession, actor: Actor, *, limit: int = 5) -> tuple[LedgerLine, ...]:
    """The company's most recent payments, newest first."""
    company = await company_of(session, actor)
    if not 1 <= limit <= 100:
        raise InvalidInput("limit must be between 1 and 100", limit=limit)
    rows = await session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.company_id == company.id, LedgerEntry.kind == LedgerKind.PAYMENT)
        .order_by(LedgerEntry.occurred_on.desc(), LedgerEntry.id.desc())
        .limit(limit)
    )
    return tuple(_line(entry) for entry in rows)


async def statement(session: AsyncSession, actor: Actor, start: dt.date, end: dt.date) -> Statement:
    """The reconciliation statement of the actor's company for `start`..`end`, both days included."""
    company = await company_of(session, actor)
    if start > end:
        raise InvalidInput("the period starts after it ends", start=start.isoformat(), end=end.isoformat())
    entries = [e for e in await _entries(session, company.id) if e.occurred_on <= end]
    opening = _signed_total([e for e in entries if e.occurred_on < start])
    running = opening
    lines: list[StatementLine] = []
    total_debit = total_credit = ZERO
    for entry in (e for e in entries if e.occurred_on >= start):
        debit = entry.amount if entry.kind == LedgerKind.INVOICE else ZERO
        credit = ZERO if entry.kind == LedgerKind.INVOICE else entry.amount
        running = to_money(running + debit - credit)
        total_debit += debit
        total_credit += credit
        lines.append(
            StatementLine(entry.occurred_on, str(entry.kind), entry.number, entry.description, debit, credit, running)
        )
    return Statement(
        company_id=company.id,
        company_name=company.name,
        tax_id=company.tax_id,
        currency=company.currency,
        start=start,
        end=end,
        opening_balance=opening,
        lines=tuple(lines),
        total_debit=to_money(total_debit),
        total_credit=to_money(total_credit),
        closing_balance=running,
    )


def overdue_fifo(
    entries: Sequence[LedgerEntry], payment_days: int, today: dt.date
) -> tuple[Decimal, dt.date | None]:
    """Overdue amount and the due date of the oldest overdue invoice.

    Payments and credit notes settle the oldest invoices first; whatever remains unpaid of an invoice
    due before `today` is overdue. An invoice without a due date is due after the company's payment days.
    """
    settled = sum((e.amount for e in entries if e.kind != LedgerKind.INVOICE), ZERO)
    invoices = sorted((e for e in entries if e.kind == LedgerKind.INVOICE), key=lambda e: (e.occurred_on, e.id))
    overdue = ZERO
    oldest: dt.date | None = None
    for invoice in invoices:
        covered = min(settled, invoice.amount)
        settled -= covered
        unpaid = invoice.amount - covered
        due = invoice.due_on or invoice.occurred_on + dt.timedelta(days=payment_days)
        if unpaid > 0 and due < today:
            overdue += unpaid
            oldest = due if oldest is None else min(oldest, due)
    return to_money(overdue), oldest


async def overdue_of(session: AsyncSession, company: Company, today: dt.date) -> Decimal:
    """What the company owes past due today (`overdue_fifo`)."""
    return overdue_fifo(await _entries(session, company.id), company.payment_days, today)[0]


async def _entries(session: AsyncSession, company_id: int) -> list[LedgerEntry]:
    return list(await session.scalars(_ENTRIES, {"company_id": company_id}))


def _signed_total(entries: Sequence[LedgerEntry]) -> Decimal:
    return to_money(sum((e.amount if e.kind == LedgerKind.INVOICE else -e.amount for e in entries), ZERO))


def _line(entry: LedgerEntry) -> LedgerLine:
    return LedgerLine(
        id=entry.id,
        kind=str(entry.kind),
        number=entry.number,
        amount=entry.amount,
        currency=entry.currency,
        occurred_on=entry.occurred_on,
        due_on=entry.due_on,
        order_id=entry.order_id,
        description=entry.description,
    )
