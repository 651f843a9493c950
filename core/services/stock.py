"""Stock: availability per warehouse, incoming goods, and atomic reservation and release."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Insert, Integer, Update, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import dialect_of, table_of
from core.errors import InsufficientStock, InvalidInput
from core.models import IncomingStock, StockLevel, StockReservation, Warehouse, utcnow


@dataclass(frozen=True, slots=True)
class WarehouseStock:
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    city: str
    available: int


@dataclass(frozen=True, slots=True)
class Incoming:
    warehouse_code: str
    quantity: int
    eta: dt.date


@dataclass(slots=True)
class ProductStock:
    product_id: int
    warehouses: list[WarehouseStock] = field(default_factory=list)
    incoming: list[Incoming] = field(default_factory=list)

    @property
    def available(self) -> int:
        return sum(w.available for w in self.warehouses)

    @property
    def next_eta(self) -> dt.date | None:
        return min((i.eta for i in self.incoming), default=None)


# Built once: every product card and delivery quote reads stock, and building a statement costs about as much
# as running it.
_BY_WAREHOUSE = (
    select(StockLevel.product_id, Warehouse.id, Warehouse.code, Warehouse.name, Warehouse.city,
           StockLevel.on_hand - StockLevel.reserved)
    .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
    .where(StockLevel.product_id.in_(bindparam("ids", expanding=True)))
    .order_by(StockLevel.product_id, Warehouse.code)
)
_INCOMING_OF = (
    select(IncomingStock.product_id, Warehouse.code, IncomingStock.quantity, IncomingStock.eta)
    .join(Warehouse, Warehouse.id == IncomingStock.warehouse_id)
    .where(IncomingStock.product_id.in_(bindparam("ids", expanding=True)), IncomingStock.eta >= bindparam("today"))
    .order_by(IncomingStock.eta)
)


async def availability(
    session: AsyncSession, product_ids: Iterable[int], *, incoming: bool = True
) -> dict[int, ProductStock]:
    """Available (on hand minus reserved) units per warehouse and (unless not wanted) incoming goods, for each
    product."""
    ids = sorted(set(product_ids))
    result = {pid: ProductStock(pid) for pid in ids}
    if not ids:
        return result
    levels = await session.execute(_BY_WAREHOUSE, {"ids": ids})
    for product_id, warehouse_id, code, name, city, available in levels:
        result[product_id].warehouses.append(WarehouseStock(warehouse_id, code, name, city, int(available)))
    if not incoming:
        return result
    coming = await session.execute(_INCOMING_OF, {"ids": ids, "today": dt.date.today()})
    for product_id, code, quantity, eta in coming:
        result[product_id].incoming.append(Incoming(code, quantity, eta))
    return result


async def reserve(
    session: AsyncSession,
    product_id: int,
    quantity: int,
    preferred_warehouse_id: int | None = None,
) -> list[tuple[int, int]]:
    """Hold `quantity` units, preferring one warehouse then the fullest; returns (warehouse id, units).

    Each hold is a conditional UPDATE (`on_hand - reserved >= units`), so concurrent reservations
    can never oversell: a competitor that got there first makes our UPDATE match no row, and we
    re-read and try what is left. Raises `InsufficientStock`; the caller's rollback undoes any
    partial holds.
    """
    if quantity <= 0:
        raise InvalidInput("quantity must be positive", quantity=quantity)
    # The usual case in one statement; else warehouse by warehouse, or a refusal.
    params = {"hold_product": product_id, "hold_quantity": quantity}
    if preferred_warehouse_id is None:
        whole = await session.scalar(_HOLD_IN_FULLEST, params)
    else:
        whole = await session.scalar(_HOLD_IN_PREFERRED, {**params, "hold_warehouse": preferred_warehouse_id})
    if whole is not None:
        return [(whole, quantity)]
    return await _reserve_split(session, product_id, quantity, preferred_warehouse_id)


async def _reserve_split(
    session: AsyncSession, product_id: int, quantity: int, preferred_warehouse_id: int | None
) -> list[tuple[int, int]]:
    """`reserve` warehouse by warehouse, taking what each holds."""
    needed = quantity
    allocations: list[tuple[int, int]] = []
    for warehouse_id in await _warehouses_by_preference(session, product_id, preferred_warehouse_id):
        for _attempt in range(3):
            free = await _free_units(session, product_id, warehouse_id)
            take = min(needed, free)
            if take <= 0:
                break
            held = await session.execute(
                update(StockLevel)
                .where(
                    StockLevel.product_id == product_id,
                    StockLevel.warehouse_id == warehouse_id,
                    StockLevel.on_hand - StockLevel.reserved >= take,
                )
                .values(reserved=StockLevel.reserved + take)
                .execution_options(synchronize_session=False)
            )
            if held.rowcount == 1:  # type: ignore[attr-defined]
                allocations.append((warehouse_id, take))
                needed -= take
                break
        if needed == 0:
            return allocations
    raise InsufficientStock(
        "not enough stock", product_id=product_id, requested=quantity, available=quantity - needed
    )


async def reserve_for_line(session: AsyncSession, order_line_id: int, product_id: int, quantity: int) -> None:
    """`reserve` for an order line, and its `StockReservation`s written.

    The stock row stays locked from the hold to the commit, and every checkout of the product queues on it:
    on PostgreSQL the usual case (one warehouse holds it all) holds and records in one statement, so that the
    commit follows the hold at once.
    """
    if quantity <= 0:
        raise InvalidInput("quantity must be positive", quantity=quantity)
    if dialect_of(session) == "postgresql":
        recorded = await session.scalar(
            _HOLD_AND_RECORD, {"line_id": order_line_id, "hold_product": product_id, "hold_quantity": quantity}
        )
        if recorded is not None:
            return
        allocations = await _reserve_split(session, product_id, quantity, None)
    else:
        allocations = await reserve(session, product_id, quantity)
    await session.execute(insert(_RESERVATIONS), [
        {"order_line_id": order_line_id, "product_id": product_id, "warehouse_id": warehouse, "quantity": units,
         "released_at": None, "consumed_at": None}
        for warehouse, units in allocations
    ])


# The holds every checkout runs are built once, as Core statements on the tables: building them per call cost
# more than running them, and the ORM's bulk UPDATE path adds nothing to a statement that loads no objects.
_LEVELS, _RESERVATIONS = table_of(StockLevel), table_of(StockReservation)


def _hold_whole(*, preferred: bool) -> Update:
    """All of `hold_quantity` of `hold_product` from the warehouse the loop in `reserve` would try first
    (`hold_warehouse`, else the fullest), when it holds them; returns the warehouse's id, or no row."""
    levels = _LEVELS.c
    free = levels.on_hand - levels.reserved
    product_id = bindparam("hold_product", type_=Integer)
    quantity = bindparam("hold_quantity", type_=Integer)
    first: Any = (
        bindparam("hold_warehouse", type_=Integer)
        if preferred
        else select(levels.warehouse_id)
        .where(levels.product_id == product_id, levels.on_hand > levels.reserved)
        .order_by(free.desc(), levels.warehouse_id)
        .limit(1)
        .scalar_subquery()
    )
    return (
        update(_LEVELS)
        .where(levels.product_id == product_id, levels.warehouse_id == first, free >= quantity)
        .values(reserved=levels.reserved + quantity)
        .returning(levels.warehouse_id)
    )


def _hold_and_record() -> Insert:
    """PostgreSQL: `_hold_whole` in the fullest warehouse and the line's (`line_id`) reservation of it, in one
    statement; returns the warehouse's id, or no row (nothing held, nothing recorded)."""
    held = _hold_whole(preferred=False).cte("held")
    return (
        insert(_RESERVATIONS)
        .from_select(
            ["order_line_id", "product_id", "warehouse_id", "quantity"],
            select(bindparam("line_id", type_=Integer), bindparam("hold_product", type_=Integer),
                   held.c.warehouse_id, bindparam("hold_quantity", type_=Integer)),
        )
        .returning(_RESERVATIONS.c.warehouse_id)
    )


_HOLD_IN_FULLEST = _hold_whole(preferred=False)
_HOLD_IN_PREFERRED = _hold_whole(preferred=True)
_HOLD_AND_RECORD = _hold_and_record()


async def _warehouses_by_preference(
    session: AsyncSession, product_id: int, preferred_warehouse_id: int | None
) -> list[int]:
    ids = list(await session.scalars(_WAREHOUSES_WITH_STOCK, {"hold_product": product_id}))
    if preferred_warehouse_id in ids:
        ids.remove(preferred_warehouse_id)
        ids.insert(0, preferred_warehouse_id)
    return ids


async def _free_units(session: AsyncSession, product_id: int, warehouse_id: int) -> int:
    free = await session.scalar(_FREE_UNITS, {"hold_product": product_id, "hold_warehouse": warehouse_id})
    return int(free or 0)


_WAREHOUSES_WITH_STOCK = (  # the fullest first
    select(_LEVELS.c.warehouse_id)
    .where(_LEVELS.c.product_id == bindparam("hold_product"), _LEVELS.c.on_hand > _LEVELS.c.reserved)
    .order_by((_LEVELS.c.on_hand - _LEVELS.c.reserved).desc(), _LEVELS.c.warehouse_id)
)
_FREE_UNITS = select(_LEVELS.c.on_hand - _LEVELS.c.reserved).where(
    _LEVELS.c.product_id == bindparam("hold_product"), _LEVELS.c.warehouse_id == bindparam("hold_warehouse")
)


async def release(session: AsyncSession, reservations: Sequence[StockReservation]) -> None:
    """Give held units back (an order was cancelled). Already released or consumed ones are skipped."""
    now = utcnow()
    for reservation in reservations:
        if reservation.released_at or reservation.consumed_at:
            continue
        await session.execute(
            update(StockLevel)
            .where(
                StockLevel.product_id == reservation.product_id,
                StockLevel.warehouse_id == reservation.warehouse_id,
                StockLevel.reserved >= reservation.quantity,
            )
            .values(reserved=StockLevel.reserved - reservation.quantity)
            .execution_options(synchronize_session=False)
        )
        reservation.released_at = now


async def consume(session: AsyncSession, reservations: Sequence[StockReservation]) -> None:
    """The goods left the warehouse: held units leave both reserved and on hand."""
    now = utcnow()
    for reservation in reservations:
        if reservation.released_at or reservation.consumed_at:
            continue
        await session.execute(
            update(StockLevel)
            .where(
                StockLevel.product_id == reservation.product_id,
                StockLevel.warehouse_id == reservation.warehouse_id,
                StockLevel.reserved >= reservation.quantity,
            )
            .values(
                reserved=StockLevel.reserved - reservation.quantity,
                on_hand=StockLevel.on_hand - reservation.quantity,
            )
            .execution_options(synchronize_session=False)
        )
        reservation.consumed_at = now
