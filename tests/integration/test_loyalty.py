"""Loyalty: accrual once on delivery by tier, capped redemption, FIFO expiry, balance and history, scoped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.bootstrap import Core
from core.domain.access import Actor
from core.errors import AccessDenied
from core.models import LoyaltyEntry, LoyaltyKind, Order, OrderStatus, utcnow
from core.services import cart, loyalty, orders
from tests.factories import Build

S = OrderStatus
DAY = dt.timedelta(days=1)


async def _delivered_order(core: Core, tier: str, quantity: int, points: int = 0) -> tuple[Actor, int]:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor(loyalty_tier=tier)
        warehouse = await build.warehouse()
        product = await build.product(price="100.00", stock={warehouse: 100})
        if points:
            await build.loyalty(company, points)
        await cart.add_item(uow.session, actor, core.settings, product_id=product.id, quantity=quantity)
        if points:
            await cart.set_points(uow.session, actor, points)
        placed = await orders.place_order(uow, actor, "k", core.settings, core.clock)
        await uow.commit()
    for target in (S.READY, S.SHIPPED, S.DELIVERED):
        async with core.uow() as uow:
            await orders.change_status(
                uow, placed.order.id, target, actor_label="1c", settings=core.settings, clock=core.clock
            )
            await uow.commit()
    return actor, placed.order.id


async def _entries(core: Core, company_id: int) -> list[tuple[str, int]]:
    async with core.uow() as uow:
        rows = await uow.session.execute(
            select(LoyaltyEntry.kind, LoyaltyEntry.points)
            .where(LoyaltyEntry.company_id == company_id)
            .order_by(LoyaltyEntry.id)
        )
        return [(str(kind), points) for kind, points in rows]


async def test_a_delivered_order_accrues_points_by_tier_once(core: Core) -> None:
    actor, order_id = await _delivered_order(core, "gold", quantity=25)
    assert actor.company_id is not None
    assert await _entries(core, actor.company_id) == [("accrual", 75)]  # 3 % of 2500
    async with core.uow() as uow:
        order = await uow.session.get_one(Order, order_id)
        again = await loyalty.accrue_for_order(uow.session, order, "gold", utcnow(), 365)
        await uow.commit()
        accrual = await uow.session.scalar(select(LoyaltyEntry).where(LoyaltyEntry.order_id == order_id))
    assert again == 0
    assert await _entries(core, actor.company_id) == [("accrual", 75)]
    assert accrual is not None and accrual.expires_at is not None
    assert accrual.expires_at - accrual.occurred_at == dt.timedelta(days=core.settings.loyalty_points_ttl_days)
    async with core.uow() as uow:
        balance = await loyalty.balance(uow.session, actor)
    assert (balance.points, balance.value, balance.accrual_percent) == (75, Decimal("75.00"), Decimal("3.00"))


async def test_points_accrue_on_the_total_paid_after_the_discount(core: Core) -> None:
    actor, _ = await _delivered_order(core, "silver", quantity=10, points=500)
    assert actor.company_id is not None
    # Subtotal 1000, 30 % cap: 300 points spent, 700 paid, 2 % of it earned.
    assert await _entries(core, actor.company_id) == [("accrual", 500), ("redemption", -300), ("accrual", 14)]
    async with core.uow() as uow:
        assert (await loyalty.balance(uow.session, actor)).points == 214


async def test_cancelling_returns_spent_points_to_their_lots(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor()
        warehouse = await build.warehouse()
        product = await build.product(stock={warehouse: 10})
        await build.loyalty(company, 200)
        await cart.add_item(uow.session, actor, core.settings, product_id=product.id, quantity=5)
        await cart.set_points(uow.session, actor, 100)
        placed = await orders.place_order(uow, actor, "k", core.settings, core.clock)
        await uow.commit()
    async with core.uow() as uow:
        assert (await loyalty.balance(uow.session, actor)).points == 100
        await orders.cancel_order(uow, actor, placed.order.id, core.settings, core.clock)
        await uow.commit()
    async with core.uow() as uow:
        balance = await loyalty.balance(uow.session, actor)
    assert balance.points == 200
    assert (balance.next_expiry_points, balance.next_expiry_at is not None) == (200, True)


async def test_expiry_writes_off_what_redemptions_left_of_lapsed_lots_oldest_first(core: Core) -> None:
    now = utcnow()
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor()
        await build.loyalty(company, 100, at=now - 400 * DAY, ttl_days=365)  # lapsed 35 days ago
        await build.loyalty(company, 80, at=now - 380 * DAY, ttl_days=365)  # lapsed 15 days ago
        await build.loyalty(company, 50, at=now - 10 * DAY, ttl_days=365)
        await build.loyalty(company, -130, kind=LoyaltyKind.REDEMPTION, at=now - 200 * DAY)
        await uow.commit()
    async with core.uow() as uow:
        before = await loyalty.balance(uow.session, actor, now=now)
    # The 130 spent came from the oldest lot (100) and 30 of the next: 50 of it lapse, 50 fresh remain.
    assert before.points == 50
    async with core.uow() as uow:
        written_off = await loyalty.expire_points(uow.session, now)
        await uow.commit()
    async with core.uow() as uow:
        again = await loyalty.expire_points(uow.session, now)
        await uow.commit()
    assert (written_off, again) == (50, 0)
    assert await _entries(core, company.id) == [
        ("accrual", 100), ("accrual", 80), ("accrual", 50), ("redemption", -130), ("expiry", -50)
    ]
    async with core.uow() as uow:
        after = await loyalty.balance(uow.session, actor, now=now)
    assert after.points == 50 and after.next_expiry_points == 50


async def test_lapsed_points_cannot_be_spent_even_before_the_expiry_job_runs(core: Core) -> None:
    now = utcnow()
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor()
        warehouse = await build.warehouse()
        product = await build.product(stock={warehouse: 100})
        await build.loyalty(company, 100, at=now - 400 * DAY, ttl_days=365)
        await build.loyalty(company, 40, at=now - DAY)
        await cart.add_item(uow.session, actor, core.settings, product_id=product.id, quantity=10)
        await cart.set_points(uow.session, actor, 40)
        placed = await orders.place_order(uow, actor, "k", core.settings, core.clock)
        await uow.commit()
    assert placed.order.points_redeemed == 40
    # The lapsed lot was written off before the redemption, so the redemption used the fresh one.
    assert await _entries(core, company.id) == [
        ("accrual", 100), ("accrual", 40), ("expiry", -100), ("redemption", -40)
    ]
    async with core.uow() as uow:
        assert (await loyalty.balance(uow.session, actor)).points == 0
        assert await loyalty.expire_points(uow.session, utcnow()) == 0


async def test_history_is_newest_first_and_each_company_sees_only_its_own(core: Core) -> None:
    now = utcnow()
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, contact = await build.actor()
        other_actor, other, _ = await build.actor()
        await build.loyalty(company, 10, at=now - 2 * DAY)
        await build.loyalty(company, -4, kind=LoyaltyKind.REDEMPTION, at=now - DAY)
        await build.loyalty(other, 999)
        await uow.commit()
    async with core.uow() as uow:
        mine = await loyalty.history(uow.session, actor)
        balance = await loyalty.balance(uow.session, actor)
        theirs = await loyalty.balance(uow.session, other_actor)
        for stranger in (Actor.guest(), Actor(contact.id, other.id)):
            with pytest.raises(AccessDenied):
                await loyalty.balance(uow.session, stranger)
            with pytest.raises(AccessDenied):
                await loyalty.history(uow.session, stranger)
    assert [(item.kind, item.points) for item in mine] == [("redemption", -4), ("accrual", 10)]
    assert (balance.points, theirs.points) == (6, 999)
