"""Small builders for test data: each adds rows to a session and returns them, flushed, ids set."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.access import Actor
from core.models import (
    Category,
    Company,
    Contact,
    ContactRole,
    DeliveryQuote,
    IncomingStock,
    LedgerEntry,
    LedgerKind,
    LoyaltyEntry,
    LoyaltyKind,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentMode,
    PaymentTerms,
    Price,
    PriceList,
    Product,
    StockLevel,
    Warehouse,
)

_seq = itertools.count(1)
T = TypeVar("T")


class Build:
    """`build = Build(session)`; `company = await build.company()`; commit is the test's business."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _add(self, row: T) -> T:
        self.session.add(row)
        await self.session.flush()
        return row

    async def company(self, **overrides: object) -> Company:
        n = next(_seq)
        fields: dict[str, object] = {
            "name": f"Company {n}",
            "tax_id": f"77{n:08d}",
            "price_tier": "base",
            "payment_terms": PaymentTerms.CREDIT,
            "payment_days": 14,
            "credit_limit": Decimal("100000"),
            "currency": "RUB",
            "city": "Moscow",
            "region": "Moscow",
        }
        fields.update(overrides)
        return await self._add(Company(**fields))

    async def contact(self, company: Company, **overrides: object) -> Contact:
        n = next(_seq)
        fields: dict[str, object] = {
            "company_id": company.id,
            "name": f"Buyer {n}",
            "email": f"buyer{n}@example.test",
            "phone": f"+7900{n:07d}",
            "role": ContactRole.BUYER,
        }
        fields.update(overrides)
        return await self._add(Contact(**fields))

    async def actor(self, **company_overrides: object) -> tuple[Actor, Company, Contact]:
        company = await self.company(**company_overrides)
        contact = await self.contact(company)
        return Actor(contact_id=contact.id, company_id=company.id, role=contact.role), company, contact

    async def warehouse(self, **overrides: object) -> Warehouse:
        n = next(_seq)
        fields: dict[str, object] = {
            "code": f"WH{n}",
            "name": f"Warehouse {n}",
            "city": "Moscow",
            "address": f"{n} Warehouse Street",
        }
        fields.update(overrides)
        return await self._add(Warehouse(**fields))

    async def category(self, name: str = "Paper", name_ru: str = "Бумага") -> Category:
        return await self._add(Category(name=name, name_ru=name_ru))

    async def product(
        self,
        *,
        price: Decimal | str | None = "100.00",
        stock: dict[Warehouse, int] | None = None,
        **overrides: object,
    ) -> Product:
        """A product with a base-list price and, optionally, stock per warehouse."""
        n = next(_seq)
        fields: dict[str, object] = {
            "sku": f"SKU-{n}",
            "name": f"Product {n}",
            "unit": "pcs",
            "pack_size": 1,
            "min_order_qty": 1,
            "weight_kg": Decimal("1.000"),
        }
        fields.update(overrides)
        product = await self._add(Product(**fields))
        if price is not None:
            await self.price(product, Decimal(price))
        for warehouse, on_hand in (stock or {}).items():
            await self._add(StockLevel(product_id=product.id, warehouse_id=warehouse.id, on_hand=on_hand))
        return product

    async def price_list(
        self, *, tier: str | None = "base", company: Company | None = None, currency: str = "RUB"
    ) -> PriceList:
        code = f"company-{company.id}" if company else f"tier-{tier}"
        existing = await self.session.scalar(
            select(PriceList).where(PriceList.code == code)
        )
        if existing:
            return existing
        return await self._add(
            PriceList(
                code=code,
                name=code,
                currency=currency,
                tier=None if company else tier,
                company_id=company.id if company else None,
            )
        )

    async def price(
        self,
        product: Product,
        amount: Decimal,
        *,
        min_qty: int = 1,
        tier: str | None = "base",
        company: Company | None = None,
    ) -> Price:
        price_list = await self.price_list(tier=tier, company=company)
        return await self._add(
            Price(price_list_id=price_list.id, product_id=product.id, min_qty=min_qty, amount=amount)
        )

    async def incoming(self, product: Product, warehouse: Warehouse, quantity: int, days: int) -> IncomingStock:
        eta = dt.date.today() + dt.timedelta(days=days)
        return await self._add(
            IncomingStock(product_id=product.id, warehouse_id=warehouse.id, quantity=quantity, eta=eta)
        )

    async def ledger(
        self,
        company: Company,
        kind: LedgerKind,
        amount: Decimal | str,
        *,
        days_ago: int = 0,
        due_in_days: int | None = None,
    ) -> LedgerEntry:
        occurred = dt.date.today() - dt.timedelta(days=days_ago)
        return await self._add(
            LedgerEntry(
                company_id=company.id,
                kind=kind,
                number=f"{kind.value[:3].upper()}-{next(_seq)}",
                amount=Decimal(amount),
                currency=company.currency,
                occurred_on=occurred,
                due_on=occurred + dt.timedelta(days=due_in_days) if due_in_days is not None else None,
            )
        )

    async def delivery_quote(
        self,
        company: Company,
        *,
        price: Decimal | str = "500.00",
        valid_minutes: int = 60,
        weight_kg: Decimal | str = "0",
        eta_days: tuple[int, int] = (1, 3),
        carrier: str = "courier",
    ) -> DeliveryQuote:
        return await self._add(
            DeliveryQuote(
                company_id=company.id,
                carrier=carrier,
                service="standard",
                price=Decimal(price),
                currency=company.currency,
                eta_min_days=eta_days[0],
                eta_max_days=eta_days[1],
                destination=company.city or "Moscow",
                valid_until=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=valid_minutes),
                weight_kg=Decimal(weight_kg),
            )
        )

    async def loyalty(
        self,
        company: Company,
        points: int,
        *,
        kind: LoyaltyKind = LoyaltyKind.ACCRUAL,
        at: dt.datetime | None = None,
        ttl_days: int | None = 365,
    ) -> LoyaltyEntry:
        """A points movement; accruals expire `ttl_days` after `at` (now by default)."""
        at = at or dt.datetime.now(dt.UTC)
        expires = at + dt.timedelta(days=ttl_days) if kind == LoyaltyKind.ACCRUAL and ttl_days is not None else None
        return await self._add(
            LoyaltyEntry(company_id=company.id, kind=kind, points=points, occurred_at=at, expires_at=expires)
        )

    async def order(
        self,
        company: Company,
        contact: Contact | None = None,
        *,
        lines: list[tuple[Product, int, Decimal | str]] | None = None,
        status: OrderStatus = OrderStatus.PLACED,
        **overrides: object,
    ) -> Order:
        """An order as placing one leaves it (without reservations): lines of (product, quantity, unit price)."""
        n = next(_seq)
        priced = [(p, q, Decimal(u)) for p, q, u in lines or []]
        subtotal = sum((q * u for _p, q, u in priced), Decimal("0"))
        fields: dict[str, object] = {
            "company_id": company.id,
            "contact_id": contact.id if contact else None,
            "status": status,
            "payment_mode": PaymentMode.CREDIT,
            "currency": company.currency,
            "subtotal": subtotal,
            "total": subtotal,
            "idempotency_key": f"order-{n}",
        }
        fields.update(overrides)
        order = await self._add(Order(**fields))
        for product, quantity, unit in priced:
            self.session.add(
                OrderLine(order_id=order.id, product_id=product.id, sku=product.sku, name=product.name,
                          quantity=quantity, unit_price=unit, line_total=quantity * unit)
            )
        self.session.add(OrderEvent(order_id=order.id, status=status, actor="test"))
        await self.session.flush()
        return order
