"""Customer accounts: companies, their people, addresses, staff managers, invites and leads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, IdMixin, TimestampMixin


class PaymentTerms(StrEnum):
    PREPAYMENT = "prepayment"
    CREDIT = "credit"


class ContactRole(StrEnum):
    BUYER = "buyer"
    APPROVER = "approver"
    ADMIN = "admin"


class StaffRole(StrEnum):
    MANAGER = "manager"
    MARKETER = "marketer"
    ADMIN = "admin"


class StaffUser(IdMixin, TimestampMixin, Base):
    """A person on the supplier's side: account manager, marketer or admin."""

    __tablename__ = "staff_users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[StaffRole] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(32))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)  # Telegram ids pass 2**31
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)


class Company(IdMixin, TimestampMixin, Base):
    """A customer account of the supplier."""

    __tablename__ = "companies"

    name: Mapped[str] = mapped_column(String(300))
    tax_id: Mapped[str] = mapped_column(String(20), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    price_tier: Mapped[str] = mapped_column(String(40), default="base")
    payment_terms: Mapped[PaymentTerms] = mapped_column(String(20), default=PaymentTerms.PREPAYMENT)
    payment_days: Mapped[int] = mapped_column(Integer, default=0)
    credit_limit: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    approval_threshold: Mapped[Decimal | None]  # orders above need an approver; None: never
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    loyalty_tier: Mapped[str] = mapped_column(String(20), default="bronze")
    region: Mapped[str | None] = mapped_column(String(100), index=True)
    city: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[list[str]] = mapped_column(default=list)
    account_manager_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    account_manager: Mapped[StaffUser | None] = relationship(lazy="raise")
    contacts: Mapped[list[Contact]] = relationship(back_populates="company", lazy="raise")
    addresses: Mapped[list[CompanyAddress]] = relationship(lazy="raise", order_by="CompanyAddress.id")


class CompanyAddress(IdMixin, Base):
    """A saved delivery address of a company."""

    __tablename__ = "company_addresses"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    line: Mapped[str] = mapped_column(String(300))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class Contact(IdMixin, TimestampMixin, Base):
    """A person at a customer company; their messenger identities point here."""

    __tablename__ = "contacts"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[ContactRole] = mapped_column(String(20), default=ContactRole.BUYER)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)  # E.164 digits with '+'
    locale: Mapped[str] = mapped_column(String(8), default="en")
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    company: Mapped[Company] = relationship(back_populates="contacts", lazy="raise")


class ChannelIdentity(IdMixin, TimestampMixin, Base):
    """Who someone is on one channel; unlinked (no contact) means a guest."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(100))
    # A second stable id some channels give besides `external_id` (WhatsApp's business-scoped user id).
    scoped_user_id: Mapped[str | None] = mapped_column(String(100), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str | None] = mapped_column(String(8))
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    last_inbound_at: Mapped[dt.datetime | None]

    contact: Mapped[Contact | None] = relationship(lazy="raise")


class InviteToken(IdMixin, TimestampMixin, Base):
    """A single-use, expiring invitation that links a messenger identity to a contact."""

    __tablename__ = "invite_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    used_by_identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel_identities.id", ondelete="SET NULL")
    )


class Lead(IdMixin, TimestampMixin, Base):
    """A guest who asked for access: a prospective customer."""

    __tablename__ = "leads"

    tax_id: Mapped[str] = mapped_column(String(20), index=True)
    company_name: Mapped[str | None] = mapped_column(String(300))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("channel_identities.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="new")
