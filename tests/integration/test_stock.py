"""Stock: availability, atomic reservation under concurrency, release and consumption."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from core.bootstrap import Core
from core.errors import InsufficientStock
from core.models import StockLevel, StockReservation
from core.services import stock
from tests.factories import Build


async def test_availability_sums_warehouses_and_lists_incoming(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        north, south = await build.warehouse(code="N"), await build.warehouse(code="S")
        product = await build.product(stock={north: 7, south: 5})
        await build.incoming(product, north, 40, days=3)
        await uow.commit()
    async with core.uow() as uow:
        found = (await stock.availability(uow.session, [product.id]))[product.id]
    assert found.available == 12
    assert [w.warehouse_code for w in found.warehouses] == ["N", "S"]
    assert found.incoming[0].quantity == 40 and found.next_eta is not None


async def test_reservation_spans_warehouses_and_never_exceeds_on_hand(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        north, south = await build.warehouse(), await build.warehouse()
        product = await build.product(stock={north: 3, south: 4})
        await uow.commit()
    async with core.uow() as uow:
        held = await stock.reserve(uow.session, product.id, 6, preferred_warehouse_id=north.id)
        await uow.commit()
    assert held[0] == (north.id, 3) and sum(units for _, units in held) == 6
    async with core.uow() as uow:
        with pytest.raises(InsufficientStock) as refused:
            await stock.reserve(uow.session, product.id, 2)
    assert refused.value.details["available"] == 1


async def test_release_and_consume_move_units_back_or_out(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        warehouse = await build.warehouse()
        product = await build.product(stock={warehouse: 10})
        await stock.reserve(uow.session, product.id, 4)
        released = StockReservation(order_line_id=None, product_id=product.id, warehouse_id=warehouse.id, quantity=4)
        await stock.release(uow.session, [released])
        await stock.release(uow.session, [released])  # a second release must not give units twice
        await stock.reserve(uow.session, product.id, 3)
        shipped = StockReservation(order_line_id=None, product_id=product.id, warehouse_id=warehouse.id, quantity=3)
        await stock.consume(uow.session, [shipped])
        level = await uow.session.scalar(select(StockLevel).where(StockLevel.product_id == product.id))
        assert level is not None
        await uow.session.refresh(level)
        assert (level.on_hand, level.reserved) == (7, 0)


async def test_two_hundred_concurrent_reservations_sell_exactly_fifty(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        warehouse = await build.warehouse()
        product = await build.product(stock={warehouse: 50})
        await uow.commit()

    async def buy_one() -> bool:
        async with core.uow() as uow:
            try:
                await stock.reserve(uow.session, product.id, 1)
            except InsufficientStock:
                return False
            await uow.commit()
            return True

    results = await asyncio.gather(*(buy_one() for _ in range(200)))
    async with core.uow() as uow:
        level = await uow.session.scalar(select(StockLevel).where(StockLevel.product_id == product.id))
    assert sum(results) == 50
    assert level is not None and level.reserved == 50 and level.on_hand == 50
