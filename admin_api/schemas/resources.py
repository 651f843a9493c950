"""Outgoing views of companies, contacts, balances, orders, conversations, demand and invites."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from admin_api.schemas.common import Out
from core.models import OrderStatus, PaymentMode


class CompanyOut(Out):
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
    tags: list[str]
    account_manager_external_id: str | None
    is_active: bool


class BalanceOut(Out):
    company_id: int
    currency: str
    credit_limit: Decimal
    balance: Decimal = Field(description="What the company owes; negative when it paid in advance")
    overdue: Decimal
    overdue_days: int
    open_orders_on_credit: Decimal
    available_credit: Decimal


class ContactOut(Out):
    id: int
    external_id: str | None
    company_id: int
    name: str
    role: str
    email: str | None
    phone: str | None
    locale: str
    is_active: bool


class OrderLineOut(Out):
    product_id: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


class OrderOut(Out):
    id: int
    company_id: int
    contact_id: int | None
    status: OrderStatus
    payment_mode: PaymentMode
    currency: str
    subtotal: Decimal
    discount: Decimal
    points_redeemed: int
    delivery_cost: Decimal
    total: Decimal
    weight_kg: Decimal
    delivery_carrier: str | None
    delivery_service: str | None
    delivery_destination: str | None
    eta: dt.date | None
    channel: str | None
    comment: str | None
    created_at: dt.datetime
    approved_by_contact_id: int | None
    lines: list[OrderLineOut]


class OrderExportOut(Out):
    items: list[OrderOut]
    cursor: str = Field(description="Pass as `after` for the next page; acknowledge it once stored")
    has_more: bool


class AckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cursor: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_=-]+$")


class AckOut(BaseModel):
    acknowledged: str


class StatusUpdatesOut(BaseModel):
    received: int
    updated: int
    unchanged: int
    rejected: list[dict[str, object]]


class MessageOut(Out):
    id: int
    direction: str
    sender: str
    kind: str
    text: str | None
    created_at: dt.datetime


class ConversationOut(Out):
    id: int
    channel: str
    contact_id: int | None
    status: str
    assignee_id: int | None
    last_message_at: dt.datetime | None


class ConversationDetailOut(ConversationOut):
    transcript: list[MessageOut]


class DemandSignalOut(Out):
    id: int
    kind: str
    company_id: int | None
    contact_id: int | None
    product_id: int | None
    query: str | None
    quantity: int | None
    created_at: dt.datetime


class InviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contact_external_id: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00]+$")
    ttl_hours: int = Field(default=168, ge=1, le=2160)


class InviteOut(Out):
    id: int
    contact_id: int
    token: str = Field(description="Shown once: the code to type, or the start parameter of the deep link")
    expires_at: dt.datetime
    telegram_link: str | None
