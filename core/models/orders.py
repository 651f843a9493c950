"""Carts, orders with their lines, reservations, stage history, shipments and delivery quotes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, IdMixin, Measure, TimestampMixin, utcnow


class OrderStatus(StrEnum):
    PLACED = "placed"
    AWAITING_APPROVAL = "awaiting_approval"
    CONFIRMED = "confirmed"
    IN_PRODUCTION = "in_production"
    READY = "ready"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class PaymentMode(StrEnum):
    CREDIT = "credit"
    PREPAYMENT = "prepayment"


class Cart(IdMixin, TimestampMixin, Base):
    """One cart per contact, so it follows the purchaser from one messenger to another."""

    __tablename__ = "carts"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    delivery_quote_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_quotes.id", ondelete="SET NULL"))
    points_to_redeem: Mapped[int] = mapped_column(Integer, default=0)
    comment: Mapped[str | None] = mapped_column(String(1000))

    lines: Mapped[list[CartLine]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="CartLine.id"
    )


class CartLine(IdMixin, Base):
    __tablename__ = "cart_lines"
    __table_args__ = (
        UniqueConstraint("cart_id", "product_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)


class Order(IdMixin, TimestampMixin, Base):
    """A placed order; its id is the number the client sees."""

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("company_id", "idempotency_key"),)

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="RESTRICT"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    status: Mapped[OrderStatus] = mapped_column(String(24), default=OrderStatus.PLACED, index=True)
    payment_mode: Mapped[PaymentMode] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal]
    discount: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    delivery_cost: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    total: Mapped[Decimal]
    points_redeemed: Mapped[int] = mapped_column(Integer, default=0)
    weight_kg: Mapped[Decimal] = mapped_column(Measure(), default=Decimal("0"))
    delivery_carrier: Mapped[str | None] = mapped_column(String(50))
    delivery_service: Mapped[str | None] = mapped_column(String(100))
    delivery_destination: Mapped[str | None] = mapped_column(String(300))
    eta: Mapped[dt.date | None] = mapped_column(Date)
    idempotency_key: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(String(1000))
    source_order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    approved_by_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)

    lines: Mapped[list[OrderLine]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="OrderEvent.id"
    )


class OrderLine(IdMixin, Base):
    __tablename__ = "order_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal]
    line_total: Mapped[Decimal]


class StockReservation(IdMixin, Base):
    """Units of an order line held in one warehouse; released on cancel, consumed on shipment."""

    __tablename__ = "stock_reservations"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id", ondelete="RESTRICT"))
    quantity: Mapped[int] = mapped_column(Integer)
    released_at: Mapped[dt.datetime | None]
    consumed_at: Mapped[dt.datetime | None]


class OrderEvent(IdMixin, Base):
    """One step in an order's history."""

    __tablename__ = "order_events"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    status: Mapped[OrderStatus] = mapped_column(String(24))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(String(500))
    actor: Mapped[str | None] = mapped_column(String(100))
    eta: Mapped[dt.date | None] = mapped_column(Date)


class Shipment(IdMixin, TimestampMixin, Base):
    __tablename__ = "shipments"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    carrier: Mapped[str] = mapped_column(String(50))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    stage: Mapped[str] = mapped_column(String(40), default="created")
    eta: Mapped[dt.date | None] = mapped_column(Date)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)

    events: Mapped[list[ShipmentEvent]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ShipmentEvent.id"
    )


class ShipmentEvent(IdMixin, Base):
    __tablename__ = "shipment_events"

    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    location: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)


class DeliveryQuote(IdMixin, TimestampMixin, Base):
    """A delivery option offered to a company, kept so the client can choose it by id."""

    __tablename__ = "delivery_quotes"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    carrier: Mapped[str] = mapped_column(String(50))
    service: Mapped[str] = mapped_column(String(100))
    price: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    eta_min_days: Mapped[int] = mapped_column(Integer)
    eta_max_days: Mapped[int] = mapped_column(Integer)
    destination: Mapped[str] = mapped_column(String(300))
    valid_until: Mapped[dt.datetime]
    weight_kg: Mapped[Decimal] = mapped_column(Measure(), default=Decimal("0"))
