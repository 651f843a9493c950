"""Catalogue, warehouses, stock and prices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.domain.names import localized
from core.models.base import Base, IdMixin, Measure, TimestampMixin


class Category(IdMixin, Base):
    __tablename__ = "categories"

    name: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str | None] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)

    def display_name(self, locale: str) -> str:
        return localized(self.name, self.name_ru, locale)


class Product(IdMixin, TimestampMixin, Base):
    __tablename__ = "products"

    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    synonyms: Mapped[list[str]] = mapped_column(default=list)
    unit: Mapped[str] = mapped_column(String(16), default="pcs")
    pack_size: Mapped[int] = mapped_column(Integer, default=1)
    min_order_qty: Mapped[int] = mapped_column(Integer, default=1)
    weight_kg: Mapped[Decimal] = mapped_column(Measure(), default=Decimal("0"))
    volume_m3: Mapped[Decimal] = mapped_column(Measure(), default=Decimal("0"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"), index=True)
    barcode: Mapped[str | None] = mapped_column(String(32), index=True)
    image_url: Mapped[str | None] = mapped_column(String(500))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)

    __table_args__ = (
        CheckConstraint("pack_size > 0", name="pack_size_positive"),
        CheckConstraint("min_order_qty > 0", name="min_order_qty_positive"),
    )

    category: Mapped[Category | None] = relationship(lazy="raise")

    def display_name(self, locale: str) -> str:
        return localized(self.name, self.name_ru, locale)


class Warehouse(IdMixin, Base):
    __tablename__ = "warehouses"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(300))
    allows_pickup: Mapped[bool] = mapped_column(Boolean, default=True)
    pickup_hours: Mapped[str | None] = mapped_column(String(100))
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)


class StockLevel(Base):
    """On hand and reserved units of one product in one warehouse; reserved never exceeds on hand."""

    __tablename__ = "stock_levels"
    __table_args__ = (
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    )

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id", ondelete="CASCADE"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)


class IncomingStock(IdMixin, Base):
    """Units on their way to a warehouse, expected on a date."""

    __tablename__ = "incoming_stock"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    eta: Mapped[dt.date] = mapped_column(Date)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)


class PriceList(IdMixin, Base):
    """Prices for a tier (company_id empty) or for one company (tier empty)."""

    __tablename__ = "price_lists"
    __table_args__ = (
        CheckConstraint("(tier IS NULL) <> (company_id IS NULL)", name="tier_xor_company"),
    )

    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    tier: Mapped[str | None] = mapped_column(String(40), unique=True)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), unique=True
    )


class Price(IdMixin, Base):
    """A unit price that applies from `min_qty` units (a quantity break)."""

    __tablename__ = "prices"
    __table_args__ = (
        UniqueConstraint("price_list_id", "product_id", "min_qty"),
        CheckConstraint("min_qty >= 1", name="min_qty_positive"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        Index("ix_prices_product_list", "product_id", "price_list_id"),
    )

    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    min_qty: Mapped[int] = mapped_column(Integer, default=1)
    amount: Mapped[Decimal]
