"""Order sync in core: several stages of one order in one batch, and per-consumer export cursors."""

from __future__ import annotations

from sqlalchemy import select

from core.bootstrap import Core
from core.models import OrderEvent, OrderStatus
from core.services.sync.orders import StatusUpdateRow, acknowledge, apply_status_updates, export_orders
from tests.factories import Build


async def test_one_batch_may_move_an_order_through_several_stages_in_order(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        _actor, company, contact = await build.actor()
        order = await build.order(company, contact, status=OrderStatus.CONFIRMED)
        await uow.commit()
    rows = [StatusUpdateRow(order_id=order.id, status=s)
            for s in (OrderStatus.IN_PRODUCTION, OrderStatus.READY, OrderStatus.DELIVERED)]
    async with core.uow() as uow:
        applied = await apply_status_updates(uow, rows, actor_label="accounting", settings=core.settings,
                                             clock=core.clock)
        await uow.commit()
    assert applied.result.updated == 3 and not applied.result.rejected
    assert [n.data["status"] for n in applied.notifications] == ["in_production", "ready", "delivered"]
    async with core.uow() as uow:
        history = list(await uow.session.scalars(
            select(OrderEvent.status).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)))
    assert history == ["confirmed", "in_production", "ready", "delivered"]
    async with core.uow() as uow:  # replaying an earlier stage after later ones is a no-op, not an error
        replay = await apply_status_updates(uow, rows[:1], actor_label="accounting", settings=core.settings,
                                            clock=core.clock)
    assert (replay.result.unchanged, replay.result.rejected) == (1, ())


async def test_each_consumer_keeps_its_own_acknowledged_position(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        company = await build.company()
        await build.order(company)
        await build.order(company)
        await uow.commit()
    async with core.uow() as uow:
        page = await export_orders(uow.session, consumer="accounting")
        await acknowledge(uow.session, consumer="accounting", cursor=page.cursor, now=core.clock.now())
        await uow.commit()
    async with core.uow() as uow:
        assert (await export_orders(uow.session, consumer="accounting")).items == ()
        assert len((await export_orders(uow.session, consumer="crm")).items) == 2
        empty = await export_orders(uow.session, consumer="accounting")
    assert empty.cursor == page.cursor and not empty.has_more
