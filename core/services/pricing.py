"""Prices: a company's own list, else its tier's, else the base list; quantity breaks; quantity rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Executable, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.db import table_of
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


def _prices_query(*, active_only: bool) -> Executable:
    """Prices of products (`ids`) in every list that may apply to a company (`company_id`), with its tier.
    A Core statement on the tables: its rows are plain values, and the ORM's per-execution work is skipped."""
    price, price_list, company = table_of(Price).c, table_of(PriceList).c, table_of(Company).c
    applies = or_(price_list.company_id == company.id, price_list.tier == company.price_tier,
                  price_list.tier == BASE_TIER)
    if active_only:
        applies = and_(applies, company.is_active.is_(True))
    return (
        select(price.product_id, price.min_qty, price.amount, price_list.id, price_list.code, price_list.currency,
               price_list.company_id, price_list.tier, company.price_tier)
        .join_from(table_of(Price), table_of(PriceList), price_list.id == price.price_list_id)
        .join(table_of(Company), company.id == bindparam("company_id"))
        .where(price.product_id.in_(bindparam("ids", expanding=True)), applies)
        .order_by(price.product_id, price.min_qty)
    )


# Built once: prices are read on every search, card and cart, and building the statement cost more than running it.
_PRICES_FOR_COMPANY = _prices_query(active_only=False)
_PRICES_FOR_ACTIVE_COMPANY = _prices_query(active_only=True)


async def prices_for(
    session: AsyncSession, company: Company | int, product_ids: Iterable[int]
) -> dict[int, ProductPrice]:
    """The effective price of each product for `company`; products without any price are absent.

    `company` may be given by id: then it is read in the same query, and an inactive company gets no prices.
    One round trip either way: the lists that may apply come joined to their prices.
    """
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    if isinstance(company, Company):
        company_id = company.id
        statement = _PRICES_FOR_COMPANY
    else:
        company_id = company
        statement = _PRICES_FOR_ACTIVE_COMPANY
    rows = await session.execute(statement, {"company_id": company_id, "ids": ids})
    # Per product, the most specific list wins: the company's own, then its tier's, then the base list.
    best: dict[int, tuple[int, int, str, str, list[PriceBreak]]] = {}
    for product_id, min_qty, amount, list_id, code, currency, list_company_id, list_tier, company_tier in rows:
        rank = 0 if list_company_id == company_id else 1 if list_tier == company_tier else 2
        held = best.get(product_id)
        if held is None or rank < held[0]:
            best[product_id] = (rank, list_id, code, currency, [PriceBreak(min_qty, amount)])
        elif held[1] == list_id:
            held[4].append(PriceBreak(min_qty, amount))
    return {product_id: ProductPrice(product_id, currency, code, tuple(breaks))
            for product_id, (_rank, _list_id, code, currency, breaks) in best.items()}


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
