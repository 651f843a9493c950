"""Prices: a company's own list, else its tier's, else the base list; quantity breaks; quantity rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.domain.money import to_money
from core.errors import QuantityRuleViolation
from core.models import Company, Price, PriceList, Product

BASE_TIER = "base"


@dataclass(frozen=True, slots=True)
class PriceBreak:
    min_qty: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ProductPrice:
    """The unit prices a company pays for one product: breaks ascending by quantity."""

    product_id: int
    currency: str
    price_list: str
    breaks: tuple[PriceBreak, ...]

    def unit_price(self, quantity: int) -> Decimal:
        """The price of the largest break that `quantity` reaches (the first one below every break)."""
        chosen = self.breaks[0]
        for price_break in self.breaks:
            if quantity >= price_break.min_qty:
                chosen = price_break
        return chosen.amount

    def line_total(self, quantity: int) -> Decimal:
        return to_money(self.unit_price(quantity) * quantity)


async def prices_for(
    session: AsyncSession, company: Company, product_ids: Iterable[int]
) -> dict[int, ProductPrice]:
    """The effective price of each product for `company`; products without any price are absent."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    lists = (
        await session.scalars(
            select(PriceList).where(
                or_(
                    PriceList.company_id == company.id,
                    PriceList.tier == company.price_tier,
                    PriceList.tier == BASE_TIER,
                )
            )
        )
    ).all()
    # Most specific first: the company's own list, then its tier, then the base list.
    ranked = sorted(
        lists, key=lambda pl: 0 if pl.company_id == company.id else 1 if pl.tier == company.price_tier else 2
    )
    if not ranked:
        return {}
    rows = await session.execute(
        select(Price.product_id, Price.price_list_id, Price.min_qty, Price.amount)
        .where(Price.product_id.in_(ids), Price.price_list_id.in_([pl.id for pl in ranked]))
        .order_by(Price.product_id, Price.min_qty)
    )
    by_product: dict[int, dict[int, list[PriceBreak]]] = {}
    for product_id, list_id, min_qty, amount in rows:
        by_product.setdefault(product_id, {}).setdefault(list_id, []).append(PriceBreak(min_qty, amount))
    result: dict[int, ProductPrice] = {}
    for product_id, per_list in by_product.items():
        for price_list in ranked:
            if price_list.id in per_list:
                result[product_id] = ProductPrice(
                    product_id, price_list.currency, price_list.code, tuple(per_list[price_list.id])
                )
                break
    return result


def check_quantity(product: Product, quantity: int, settings: Settings) -> None:
    """Refuse quantities that break the product's pack size or minimum, or that are absurd."""
    if quantity <= 0:
        raise QuantityRuleViolation("quantity must be positive", sku=product.sku, quantity=quantity)
    if quantity > settings.max_line_quantity:
        raise QuantityRuleViolation(
            "quantity is too large", sku=product.sku, quantity=quantity, maximum=settings.max_line_quantity
        )
    if quantity < product.min_order_qty:
        raise QuantityRuleViolation(
            "below the minimum order quantity",
            sku=product.sku,
            quantity=quantity,
            minimum=product.min_order_qty,
        )
    if quantity % product.pack_size:
        raise QuantityRuleViolation(
            "not a whole number of packs",
            sku=product.sku,
            quantity=quantity,
            pack_size=product.pack_size,
            suggested=round_to_pack(product, quantity),
        )


def round_to_pack(product: Product, quantity: int) -> int:
    """The smallest allowed quantity at or above `quantity`."""
    packs = -(-max(quantity, product.min_order_qty) // product.pack_size)
    return packs * product.pack_size
