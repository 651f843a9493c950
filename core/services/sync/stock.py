"""Stock sync: units on hand per product and warehouse, and incoming deliveries with their ETA."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import IncomingStock, Product, StockLevel, Warehouse
from core.services.sync.common import (
    BatchResult,
    Count,
    Key,
    KeyedRow,
    SyncRow,
    chunks,
    diff,
    ids_by,
    load_by,
    start,
    write,
)


class StockRow(SyncRow):
    product_external_id: Key
    warehouse_external_id: Key
    on_hand: Count


class IncomingRow(KeyedRow):
    """A delivery on its way; quantity 0 means it arrived or was called off, and removes it."""

    product_external_id: Key
    warehouse_external_id: Key
    quantity: Count
    eta: dt.date


async def upsert_stock(session: AsyncSession, rows: Sequence[StockRow]) -> BatchResult:
    """Set on-hand units. A level below what open orders hold is refused: those units are promised."""
    batch = start(rows, key=lambda r: (r.product_external_id, r.warehouse_external_id))
    products = await ids_by(session, Product.external_id, Product.id, (r.product_external_id for r in rows))
    warehouses = await ids_by(session, Warehouse.external_id, Warehouse.id, (r.warehouse_external_id for r in rows))
    existing: dict[tuple[int, int], StockLevel] = {}
    for part in chunks(sorted(set(products.values()))):
        for level in await session.scalars(select(StockLevel).where(StockLevel.product_id.in_(part))):
            existing[(level.product_id, level.warehouse_id)] = level
    for index, row in enumerate(rows):
        if not batch.ok(index):
            continue
        label = f"{row.product_external_id}/{row.warehouse_external_id}"
        product_id = products.get(row.product_external_id)
        warehouse_id = warehouses.get(row.warehouse_external_id)
        if product_id is None:
            batch.reject(index, label, f"unknown product {row.product_external_id}")
        if warehouse_id is None:
            batch.reject(index, label, f"unknown warehouse {row.warehouse_external_id}")
        if product_id is None or warehouse_id is None:
            continue
        wanted: dict[str, Any] = {"product_id": product_id, "warehouse_id": warehouse_id, "on_hand": row.on_hand}
        current = existing.get((product_id, warehouse_id))
        if current is None:
            batch.inserts.append(wanted)
        elif current.reserved > row.on_hand:
            batch.reject(index, label, f"on_hand {row.on_hand} is below the {current.reserved} units open orders hold")
        elif diff(current, wanted):
            batch.updates.append(wanted)
        else:
            batch.unchanged += 1
    await write(session, StockLevel, batch)
    return batch.result()


async def upsert_incoming(session: AsyncSession, rows: Sequence[IncomingRow]) -> BatchResult:
    batch = start(rows, key=lambda r: r.external_id)
    products = await ids_by(session, Product.external_id, Product.id, (r.product_external_id for r in rows))
    warehouses = await ids_by(session, Warehouse.external_id, Warehouse.id, (r.warehouse_external_id for r in rows))
    existing = await load_by(session, IncomingStock, IncomingStock.external_id, (r.external_id for r in rows))
    removed: list[int] = []
    for index, row in enumerate(rows):
        if not batch.ok(index):
            continue
        product_id = products.get(row.product_external_id)
        warehouse_id = warehouses.get(row.warehouse_external_id)
        if product_id is None:
            batch.reject(index, row.external_id, f"unknown product {row.product_external_id}")
        if warehouse_id is None:
            batch.reject(index, row.external_id, f"unknown warehouse {row.warehouse_external_id}")
        if product_id is None or warehouse_id is None:
            continue
        current = existing.get(row.external_id)
        if row.quantity == 0:
            if current is None:
                batch.unchanged += 1
            else:
                removed.append(current.id)
            continue
        wanted: dict[str, Any] = {"external_id": row.external_id, "product_id": product_id,
                                  "warehouse_id": warehouse_id, "quantity": row.quantity, "eta": row.eta}
        if current is None:
            batch.inserts.append(wanted)
        elif diff(current, wanted):
            batch.updates.append({"id": current.id, **wanted})
        else:
            batch.unchanged += 1
    await write(session, IncomingStock, batch)
    if removed:
        await session.execute(delete(IncomingStock).where(IncomingStock.id.in_(removed)))
    result = batch.result()
    return BatchResult(result.received, result.created, result.updated + len(removed), result.unchanged,
                       result.rejected)
