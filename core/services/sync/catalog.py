"""Catalogue sync: categories (with parents), products (with synonyms, units, packs, minimums, weights),
and warehouses. A batch that changes products or categories bumps the catalogue version, so every
replica's search index sees it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, StringConstraints
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Category, Product, Warehouse
from core.search.live import bump_catalog_version
from core.services.sync.common import (
    Batch,
    BatchResult,
    Key,
    KeyedRow,
    LongName,
    Name,
    Positive,
    Short,
    Url,
    diff,
    ids_by,
    load_by,
    plan,
    refuse_repeats,
    refuse_taken,
    start,
    write,
)

Measure = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=3)]
Synonym = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]


class CategoryRow(KeyedRow):
    name: Name
    name_ru: Name | None = None
    parent_external_id: Key | None = None


class ProductRow(KeyedRow):
    sku: Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True, pattern=r"^[^\x00]+$")]
    name: LongName
    name_ru: LongName | None = None
    description: Annotated[str, StringConstraints(max_length=5000, pattern=r"^[^\x00]*$")] | None = None
    synonyms: Annotated[list[Synonym], Field(max_length=50)] = Field(default_factory=list)
    unit: Annotated[str, StringConstraints(min_length=1, max_length=16, strip_whitespace=True)] = "pcs"
    pack_size: Positive = 1
    min_order_qty: Positive = 1
    weight_kg: Measure = Decimal("0")
    volume_m3: Measure = Decimal("0")
    category_external_id: Key | None = None
    barcode: Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z-]+$")] | None = None
    image_url: Url | None = None
    is_active: bool = True


class WarehouseRow(KeyedRow):
    code: Short
    name: Name
    city: Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
    address: LongName
    allows_pickup: bool = True
    pickup_hours: Annotated[str, StringConstraints(max_length=100)] | None = None


async def upsert_products(session: AsyncSession, rows: Sequence[ProductRow]) -> BatchResult:
    batch = start(rows, key=lambda r: r.external_id)
    refuse_repeats(batch, rows, "sku")
    existing = await load_by(session, Product, Product.external_id, (r.external_id for r in rows))
    refuse_taken(batch, rows, await load_by(session, Product, Product.sku, (r.sku for r in rows)), "sku", "sku")
    categories = await ids_by(
        session, Category.external_id, Category.id, (r.category_external_id for r in rows)
    )

    def build(index: int, row: ProductRow) -> dict[str, Any] | None:
        category_id = None
        if row.category_external_id is not None:
            category_id = categories.get(row.category_external_id)
            if category_id is None:
                batch.reject(index, row.external_id, f"unknown category {row.category_external_id}")
                return None
        fields = row.model_dump(exclude={"category_external_id"})
        fields["synonyms"] = list(row.synonyms)
        fields["category_id"] = category_id
        return fields

    plan(batch, rows, existing, build, key=lambda r: r.external_id)
    await write(session, Product, batch)
    if batch.inserts or batch.updates:
        await bump_catalog_version(session)
    return batch.result()


async def upsert_warehouses(session: AsyncSession, rows: Sequence[WarehouseRow]) -> BatchResult:
    batch = start(rows, key=lambda r: r.external_id)
    refuse_repeats(batch, rows, "code")
    existing = await load_by(session, Warehouse, Warehouse.external_id, (r.external_id for r in rows))
    owners = await load_by(session, Warehouse, Warehouse.code, (r.code for r in rows))
    refuse_taken(batch, rows, owners, "code", "warehouse code")
    plan(batch, rows, existing, lambda _i, row: row.model_dump(), key=lambda r: r.external_id)
    await write(session, Warehouse, batch)
    return batch.result()


async def upsert_categories(session: AsyncSession, rows: Sequence[CategoryRow]) -> BatchResult:
    """Parents may be earlier, later or elsewhere in the batch, or already known; cycles are refused."""
    batch = start(rows, key=lambda r: r.external_id)
    known: dict[str, tuple[int, int | None]] = {
        str(external_id): (ident, parent_id)
        for ident, external_id, parent_id in await session.execute(
            select(Category.id, Category.external_id, Category.parent_id).where(Category.external_id.is_not(None))
        )
    }
    by_id = {ident: external_id for external_id, (ident, _parent) in known.items()}
    parents: dict[str, str | None] = {ext: by_id.get(parent) if parent else None for ext, (_i, parent) in known.items()}
    for index, row in enumerate(rows):
        if batch.ok(index):
            parents[row.external_id] = row.parent_external_id
    _refuse_bad_parents(batch, rows, parents, set(known))

    existing = await load_by(session, Category, Category.external_id, (r.external_id for r in rows))
    valid = [(i, r) for i, r in enumerate(rows) if batch.ok(i)]
    new = [r for _i, r in valid if r.external_id not in existing]
    if new:
        await session.execute(
            insert(Category), [{"external_id": r.external_id, "name": r.name, "name_ru": r.name_ru} for r in new]
        )
    ids = await ids_by(session, Category.external_id, Category.id, (r.external_id for _i, r in valid))
    ids.update(await ids_by(session, Category.external_id, Category.id, (r.parent_external_id for _i, r in valid)))
    updates: list[dict[str, Any]] = []
    updated = unchanged = 0
    for _index, row in valid:
        wanted = {
            "name": row.name,
            "name_ru": row.name_ru,
            "parent_id": ids[row.parent_external_id] if row.parent_external_id else None,
        }
        current = existing.get(row.external_id)
        if current is None:
            if wanted["parent_id"] is not None:
                updates.append({"id": ids[row.external_id], **wanted})
        elif diff(current, wanted):
            updates.append({"id": current.id, **wanted})
            updated += 1
        else:
            unchanged += 1
    if updates:
        await session.execute(update(Category), updates)
    if new or updated:
        await bump_catalog_version(session)
    result = batch.result()
    return BatchResult(result.received, len(new), updated, unchanged, result.rejected)


def _refuse_bad_parents(
    batch: Batch, rows: Sequence[CategoryRow], parents: dict[str, str | None], known: set[str]
) -> None:
    # Refusing a row can orphan rows that name it as parent, so repeat until nothing changes.
    while True:
        refused = False
        in_batch = {r.external_id for i, r in enumerate(rows) if batch.ok(i)}
        for index, row in enumerate(rows):
            parent = row.parent_external_id
            if not batch.ok(index) or parent is None:
                continue
            if parent not in in_batch and parent not in known:
                batch.reject(index, row.external_id, f"unknown parent category {parent}")
                parents.pop(row.external_id, None)
                refused = True
            elif _in_cycle(row.external_id, parents):
                batch.reject(index, row.external_id, "the parent chain would loop back to this category")
                parents.pop(row.external_id, None)
                refused = True
        if not refused:
            return


def _in_cycle(start_id: str, parents: Mapping[str, str | None]) -> bool:
    seen = {start_id}
    current = parents.get(start_id)
    while current is not None:
        if current in seen:
            return True
        seen.add(current)
        current = parents.get(current)
    return False
