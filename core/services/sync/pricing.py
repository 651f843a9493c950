"""Price sync: price lists (per tier, or one company's own) and their prices with quantity breaks."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Company, Price, PriceList, Product
from core.services.sync.common import (
    BatchResult,
    Code,
    Currency,
    Key,
    Name,
    Positive,
    SyncRow,
    chunks,
    diff,
    ids_by,
    load_by,
    start,
    write,
)

Amount = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Tier = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[^\x00]+$")]


class PriceListRow(SyncRow):
    """A tier's list (`tier`) or one company's own list (`company_external_id`): exactly one of them."""

    code: Code
    name: Name
    currency: Currency = "RUB"
    tier: Tier | None = None
    company_external_id: Key | None = None

    @model_validator(mode="after")
    def _tier_xor_company(self) -> PriceListRow:
        if (self.tier is None) == (self.company_external_id is None):
            raise ValueError("give either tier or company_external_id, not both and not neither")
        return self


class PriceRow(SyncRow):
    """The unit price of a product in a list from `min_qty` units (1: the base price; more: a break)."""

    price_list_code: Code
    product_external_id: Key
    min_qty: Positive = 1
    amount: Amount


async def upsert_price_lists(session: AsyncSession, rows: Sequence[PriceListRow]) -> BatchResult:
    batch = start(rows, key=lambda r: r.code)
    existing = await load_by(session, PriceList, PriceList.code, (r.code for r in rows))
    companies = await ids_by(session, Company.external_id, Company.id, (r.company_external_id for r in rows))
    tier_owner = await load_by(session, PriceList, PriceList.tier, (r.tier for r in rows))
    company_owner = await load_by(session, PriceList, PriceList.company_id, companies.values())
    seen_tiers: dict[str, int] = {}
    seen_companies: dict[int, int] = {}
    for index, row in enumerate(rows):
        if not batch.ok(index):
            continue
        company_id = None
        if row.company_external_id is not None:
            company_id = companies.get(row.company_external_id)
            if company_id is None:
                batch.reject(index, row.code, f"unknown company {row.company_external_id}")
                continue
            owner = company_owner.get(company_id)
            if (owner is not None and owner.code != row.code) or company_id in seen_companies:
                batch.reject(index, row.code, f"company {row.company_external_id} already has a price list")
                continue
            seen_companies[company_id] = index
        if row.tier is not None:
            owner = tier_owner.get(row.tier)
            if (owner is not None and owner.code != row.code) or row.tier in seen_tiers:
                batch.reject(index, row.code, f"tier {row.tier} already has a price list")
                continue
            seen_tiers[row.tier] = index
        wanted = {"code": row.code, "name": row.name, "currency": row.currency, "tier": row.tier,
                  "company_id": company_id}
        current = existing.get(row.code)
        if current is None:
            batch.inserts.append(wanted)
        elif diff(current, wanted):
            batch.updates.append({"id": current.id, **wanted})
        else:
            batch.unchanged += 1
    await write(session, PriceList, batch)
    return batch.result()


async def upsert_prices(session: AsyncSession, rows: Sequence[PriceRow]) -> BatchResult:
    batch = start(rows, key=lambda r: (r.price_list_code, r.product_external_id, r.min_qty))
    lists = await ids_by(session, PriceList.code, PriceList.id, (r.price_list_code for r in rows))
    products = await ids_by(session, Product.external_id, Product.id, (r.product_external_id for r in rows))
    existing: dict[tuple[int, int, int], Price] = {}
    for part in chunks(sorted(set(products.values()))):
        for price in await session.scalars(select(Price).where(Price.product_id.in_(part))):
            existing[(price.price_list_id, price.product_id, price.min_qty)] = price
    for index, row in enumerate(rows):
        if not batch.ok(index):
            continue
        label = f"{row.price_list_code}/{row.product_external_id}/{row.min_qty}"
        list_id = lists.get(row.price_list_code)
        product_id = products.get(row.product_external_id)
        if list_id is None:
            batch.reject(index, label, f"unknown price list {row.price_list_code}")
        if product_id is None:
            batch.reject(index, label, f"unknown product {row.product_external_id}")
        if list_id is None or product_id is None:
            continue
        wanted: dict[str, Any] = {"price_list_id": list_id, "product_id": product_id, "min_qty": row.min_qty,
                                  "amount": row.amount}
        current = existing.get((list_id, product_id, row.min_qty))
        if current is None:
            batch.inserts.append(wanted)
        elif diff(current, wanted):
            batch.updates.append({"id": current.id, **wanted})
        else:
            batch.unchanged += 1
    await write(session, Price, batch)
    return batch.result()
