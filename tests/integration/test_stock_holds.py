"""Holding stock for an order line: the units and their reservation rows written together, never oversold."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from core.bootstrap import Core
from core.errors import InsufficientStock
from core.models import OrderLine, Product, StockLevel, StockReservation, Warehouse
from core.services import stock
from tests.factories import Build


async def _line(core: Core, levels: dict[str, int]) -> tuple[int, Product, dict[str, Warehouse]]:
    """An order line for a product stocked in warehouses named by `levels`."""
    async with core.uow() as uow:
        build = Build(uow.session)
        _, company, contact = await build.actor()
        warehouses = {name: await build.warehouse() for name in levels}
        product = await build.product(stock={warehouses[name]: units for name, units in levels.items()})
        order = await build.order(company, contact, lines=[(product, 1, "10.00")])
        line_id = await uow.session.scalar(select(OrderLine.id).where(OrderLine.order_id == order.id))
        await uow.commit()
    assert line_id is not None
    return line_id, product, warehouses


async def _held(core: Core) -> tuple[list[tuple[int, int, int]], dict[int, int]]:
    async with core.uow() as uow:
        rows = await uow.session.execute(
            select(StockReservation.order_line_id, StockReservation.warehouse_id, StockReservation.quantity)
            .order_by(StockReservation.warehouse_id)
        )
        levels = await uow.session.execute(select(StockLevel.warehouse_id, StockLevel.reserved))
        held = [(line, warehouse, units) for line, warehouse, units in rows]
        return held, {warehouse: reserved for warehouse, reserved in levels}


async def test_a_line_is_held_whole_in_the_fullest_warehouse_and_recorded(core: Core) -> None:
    line_id, product, warehouses = await _line(core, {"north": 4, "south": 9})
    async with core.uow() as uow:
        await stock.reserve_for_line(uow.session, line_id, product.id, 6)
        await uow.commit()
    reservations, reserved = await _held(core)
    south = warehouses["south"].id
    assert reservations == [(line_id, south, 6)]
    assert reserved == {warehouses["north"].id: 0, south: 6}


async def test_a_line_no_warehouse_holds_alone_is_split_and_every_part_recorded(core: Core) -> None:
    line_id, product, warehouses = await _line(core, {"north": 4, "south": 5})
    async with core.uow() as uow:
        await stock.reserve_for_line(uow.session, line_id, product.id, 8)
        await uow.commit()
    reservations, reserved = await _held(core)
    north, south = warehouses["north"].id, warehouses["south"].id
    assert sorted(reservations) == sorted([(line_id, south, 5), (line_id, north, 3)])
    assert reserved == {north: 3, south: 5}


async def test_a_line_the_stock_cannot_cover_is_refused_and_holds_nothing(core: Core) -> None:
    line_id, product, _ = await _line(core, {"north": 4, "south": 5})
    async with core.uow() as uow:
        with pytest.raises(InsufficientStock) as refused:
            await stock.reserve_for_line(uow.session, line_id, product.id, 10)
    assert refused.value.details["requested"] == 10
    reservations, reserved = await _held(core)
    assert reservations == [] and set(reserved.values()) == {0}


async def test_a_hundred_concurrent_holds_of_one_unit_take_exactly_the_thirty_in_stock(core: Core) -> None:
    line_id, product, _ = await _line(core, {"only": 30})

    async def hold_one() -> bool:
        async with core.uow() as uow:
            try:
                await stock.reserve_for_line(uow.session, line_id, product.id, 1)
            except InsufficientStock:
                return False
            await uow.commit()
            return True

    results = await asyncio.gather(*(hold_one() for _ in range(100)))
    assert sum(results) == 30
    async with core.uow() as uow:
        recorded = await uow.session.scalar(select(func.sum(StockReservation.quantity)))
    _, reserved = await _held(core)
    assert recorded == 30 and list(reserved.values()) == [30]
