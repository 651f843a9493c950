"""Money owed and paid (the ledger), loyalty points, and documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, IdMixin, TimestampMixin, utcnow


class LedgerKind(StrEnum):
    INVOICE = "invoice"
    PAYMENT = "payment"
    CREDIT_NOTE = "credit_note"


class LedgerEntry(IdMixin, TimestampMixin, Base):
    """An invoice raises what a company owes; a payment or credit note lowers it. Amounts are positive."""

    __tablename__ = "ledger_entries"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    kind: Mapped[LedgerKind] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(50))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    occurred_on: Mapped[dt.date] = mapped_column(Date, index=True)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    description: Mapped[str | None] = mapped_column(String(300))
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)


class LoyaltyKind(StrEnum):
    ACCRUAL = "accrual"
    REDEMPTION = "redemption"
    EXPIRY = "expiry"
    ADJUSTMENT = "adjustment"


class LoyaltyEntry(IdMixin, Base):
    """A change of a company's points: positive accruals, negative redemptions and expiries."""

    __tablename__ = "loyalty_entries"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    kind: Mapped[LoyaltyKind] = mapped_column(String(20))
    points: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None]
    note: Mapped[str | None] = mapped_column(String(300))


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    RECONCILIATION = "reconciliation"
    DELIVERY_NOTE = "delivery_note"
    MATERIAL = "material"


class Document(IdMixin, TimestampMixin, Base):
    """A file for a company (invoice, statement, delivery note) or, without a company, the shared library."""

    __tablename__ = "documents"

    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    ledger_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id", ondelete="SET NULL"))
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
