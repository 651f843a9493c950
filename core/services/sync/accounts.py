"""Account sync: companies (with their account manager), contacts, staff managers, and the ledger
(invoices, payments, credit notes), plus each company's balance as the ledger makes it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.access import Actor
from core.errors import NotFound
from core.models import (
    Company,
    Contact,
    ContactRole,
    LedgerEntry,
    LedgerKind,
    Order,
    PaymentTerms,
    StaffRole,
    StaffUser,
)
from core.services.accounts import AccountSummary, account_summary
from core.services.sync.common import (
    MAX_INT,
    Batch,
    BatchResult,
    Code,
    Currency,
    Key,
    KeyedRow,
    LongName,
    Name,
    Positive,
    chunks,
    ids_by,
    load_by,
    plan,
    refuse_repeats,
    refuse_taken,
    start,
    write,
)

Amount = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
PositiveAmount = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
Email = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s\x00]+@[^@\s\x00]+$", to_lower=True)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+[1-9][0-9]{6,14}$")]
Place = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True, pattern=r"^[^\x00]+$")]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=50, strip_whitespace=True, pattern=r"^[^\x00]+$")]
Label = Annotated[str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True, pattern=r"^[^\x00]+$")]


class CompanyRow(KeyedRow):
    name: LongName
    tax_id: Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z-]+$")]
    price_tier: Label = "base"
    payment_terms: PaymentTerms = PaymentTerms.PREPAYMENT
    payment_days: Annotated[int, Field(ge=0, le=3650)] = 0
    credit_limit: Amount = Decimal("0")
    approval_threshold: Amount | None = None
    currency: Currency = "RUB"
    loyalty_tier: Annotated[str, StringConstraints(min_length=1, max_length=20)] = "bronze"
    region: Place | None = None
    city: Place | None = None
    tags: Annotated[list[Tag], Field(max_length=50)] = Field(default_factory=list)
    account_manager_external_id: Key | None = None
    is_active: bool = True


class ContactRow(KeyedRow):
    company_external_id: Key
    name: Name
    role: ContactRole = ContactRole.BUYER
    email: Email | None = None
    phone: Phone | None = None
    locale: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")] = "en"
    is_active: bool = True


class ManagerRow(KeyedRow):
    email: Email
    name: Name
    role: StaffRole = StaffRole.MANAGER
    phone: Phone | None = None
    telegram_user_id: Annotated[int, Field(gt=0, le=MAX_INT)] | None = None
    is_active: bool = True


class LedgerRow(KeyedRow):
    """An invoice raises what the company owes; a payment or a credit note lowers it."""

    company_external_id: Key
    kind: LedgerKind
    number: Code
    amount: PositiveAmount
    currency: Currency = "RUB"
    occurred_on: dt.date
    due_on: dt.date | None = None
    order_id: Positive | None = None  # b2bot's order number, as the order export gave it
    description: Annotated[str, StringConstraints(max_length=300, pattern=r"^[^\x00]*$")] | None = None


async def upsert_companies(session: AsyncSession, rows: Sequence[CompanyRow]) -> BatchResult:
    batch = start(rows, key=lambda r: r.external_id)
    refuse_repeats(batch, rows, "tax_id")
    refuse_taken(batch, rows, await load_by(session, Company, Company.tax_id, (r.tax_id for r in rows)),
                 "tax_id", "tax id")
    existing = await load_by(session, Company, Company.external_id, (r.external_id for r in rows))
    managers = await ids_by(session, StaffUser.external_id, StaffUser.id, (r.account_manager_external_id for r in rows))

    def build(index: int, row: CompanyRow) -> dict[str, Any] | None:
        manager_id = None
        if row.account_manager_external_id is not None:
            manager_id = managers.get(row.account_manager_external_id)
            if manager_id is None:
                batch.reject(index, row.external_id, f"unknown account manager {row.account_manager_external_id}")
                return None
        fields = row.model_dump(exclude={"account_manager_external_id"})
        fields["tags"] = list(row.tags)
        fields["account_manager_id"] = manager_id
        return fields

    plan(batch, rows, existing, build, key=lambda r: r.external_id)
    await write(session, Company, batch)
    return batch.result()


async def upsert_contacts(session: AsyncSession, rows: Sequence[ContactRow]) -> BatchResult:
    batch = start(rows, key=lambda r: r.external_id)
    _repeats_among(batch, rows, "email")
    _repeats_among(batch, rows, "phone")
    refuse_taken(batch, rows, await load_by(session, Contact, Contact.email, (r.email for r in rows)),
                 "email", "email")
    refuse_taken(batch, rows, await load_by(session, Contact, Contact.phone, (r.phone for r in rows)),
                 "phone", "phone")
    existing = await load_by(session, Contact, Contact.external_id, (r.external_id for r in rows))
    companies = await ids_by(session, Company.external_id, Company.id, (r.company_external_id for r in rows))

    def build(index: int, row: ContactRow) -> dict[str, Any] | None:
        company_id = companies.get(row.company_external_id)
        if company_id is None:
            batch.reject(index, row.external_id, f"unknown company {row.company_external_id}")
            return None
        fields = row.model_dump(exclude={"company_external_id"})
        fields["company_id"] = company_id
        return fields

    plan(batch, rows, existing, build, key=lambda r: r.external_id)
    await write(session, Contact, batch)
    return batch.result()


def _repeats_among(batch: Batch, rows: Sequence[KeyedRow], field: str) -> None:
    """Like `refuse_repeats`, but rows without the value (None) never clash."""
    seen: dict[Any, list[int]] = {}
    for index, row in enumerate(rows):
        if getattr(row, field) is not None:
            seen.setdefault(getattr(row, field), []).append(index)
    for value, indexes in seen.items():
        if len(indexes) > 1:
            for index in indexes:
                batch.reject(index, rows[index].external_id, f"duplicate {field} {value} in this batch")


async def upsert_managers(session: AsyncSession, rows: Sequence[ManagerRow]) -> BatchResult:
    batch = start(rows, key=lambda r: r.external_id)
    refuse_repeats(batch, rows, "email")
    _repeats_among(batch, rows, "telegram_user_id")
    refuse_taken(batch, rows, await load_by(session, StaffUser, StaffUser.email, (r.email for r in rows)),
                 "email", "email")
    refuse_taken(
        batch, rows,
        await load_by(session, StaffUser, StaffUser.telegram_user_id, (r.telegram_user_id for r in rows)),
        "telegram_user_id", "telegram user id",
    )
    existing = await load_by(session, StaffUser, StaffUser.external_id, (r.external_id for r in rows))
    plan(batch, rows, existing, lambda _i, row: row.model_dump(), key=lambda r: r.external_id)
    await write(session, StaffUser, batch)
    return batch.result()


async def upsert_ledger(session: AsyncSession, rows: Sequence[LedgerRow]) -> BatchResult:
    batch = start(rows, key=lambda r: r.external_id)
    existing = await load_by(session, LedgerEntry, LedgerEntry.external_id, (r.external_id for r in rows))
    companies = await ids_by(session, Company.external_id, Company.id, (r.company_external_id for r in rows))
    order_companies: dict[int, int] = {}
    for part in chunks(sorted({r.order_id for r in rows if r.order_id is not None})):
        for order_id, company_id in await session.execute(select(Order.id, Order.company_id).where(Order.id.in_(part))):
            order_companies[order_id] = company_id

    def build(index: int, row: LedgerRow) -> dict[str, Any] | None:
        company_id = companies.get(row.company_external_id)
        if company_id is None:
            batch.reject(index, row.external_id, f"unknown company {row.company_external_id}")
            return None
        if row.order_id is not None and order_companies.get(row.order_id) != company_id:
            batch.reject(index, row.external_id, f"order {row.order_id} is not an order of this company")
            return None
        if row.due_on is not None and row.due_on < row.occurred_on:
            batch.reject(index, row.external_id, "due_on is before occurred_on")
            return None
        fields = row.model_dump(exclude={"company_external_id"})
        fields["company_id"] = company_id
        return fields

    plan(batch, rows, existing, build, key=lambda r: r.external_id)
    await write(session, LedgerEntry, batch)
    return batch.result()


async def company_balance(session: AsyncSession, company_external_id: str, today: dt.date) -> AccountSummary:
    """Balance, overdue debt and available credit of one company, as a manager sees them."""
    company_id = await session.scalar(select(Company.id).where(Company.external_id == company_external_id))
    if company_id is None:
        raise NotFound("no such company", external_id=company_external_id)
    return await account_summary(session, Actor(contact_id=None, company_id=company_id, role="staff"), today=today)
