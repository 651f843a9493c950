"""Orders: idempotent placing under concurrency, stock, credit, approval, the status machine, scoping."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.bootstrap import Core
from core.domain.access import Actor
from core.errors import (
    AccessDenied,
    IllegalTransition,
    InsufficientStock,
    InvalidInput,
    NotFound,
    QuantityRuleViolation,
)
from core.models import (
    Cart,
    CartLine,
    Company,
    Contact,
    ContactRole,
    LedgerKind,
    LoyaltyEntry,
    Order,
    OrderEvent,
    OrderStatus,
    OutboxEvent,
    PaymentMode,
    PaymentTerms,
    Price,
    Product,
    Shipment,
    ShipmentEvent,
    StockLevel,
    StockReservation,
    Warehouse,
)
from core.ports import RecordingNotifier
from core.services import cart, orders
from tests.factories import Build

S = OrderStatus


@dataclass
class Shop:
    actor: Actor
    company: Company
    contact: Contact
    warehouse: Warehouse
    product: Product


async def _shop(core: Core, *, on_hand: int = 100, price: str = "100.00", **company: object) -> Shop:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, made, contact = await build.actor(**company)
        warehouse = await build.warehouse()
        product = await build.product(price=price, stock={warehouse: on_hand})
        await uow.commit()
    return Shop(actor, made, contact, warehouse, product)


async def _fill(core: Core, actor: Actor, *lines: tuple[Product, int]) -> None:
    async with core.uow() as uow:
        for product, quantity in lines:
            await cart.add_item(uow.session, actor, core.settings, product_id=product.id, quantity=quantity)
        await uow.commit()


async def _place(core: Core, actor: Actor, key: str = "tap-1") -> orders.PlacedOrder:
    async with core.uow() as uow:
        placed = await orders.place_order(uow, actor, key, core.settings, core.clock, channel="telegram")
        await uow.commit()
    return placed


async def _move(core: Core, order_id: int, *targets: S) -> orders.StatusChange:
    change = None
    for target in targets:
        async with core.uow() as uow:
            change = await orders.change_status(
                uow, order_id, target, actor_label="staff:1", settings=core.settings, clock=core.clock
            )
            await uow.commit()
    assert change is not None
    return change


async def _level(core: Core, product: Product) -> tuple[int, int]:
    async with core.uow() as uow:
        level = await uow.session.scalar(select(StockLevel).where(StockLevel.product_id == product.id))
    assert level is not None
    return level.on_hand, level.reserved


async def _count(core: Core, model: type[object]) -> int:
    async with core.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


# --- placing ---------------------------------------------------------------------------------------


async def test_placing_reserves_stock_records_history_and_outbox_and_empties_the_cart(core: Core) -> None:
    shop = await _shop(core, on_hand=10)
    await _fill(core, shop.actor, (shop.product, 4))
    placed = await _place(core, shop.actor)
    order = placed.order
    assert placed.created and order.status == S.CONFIRMED and order.payment_mode == PaymentMode.CREDIT
    assert (order.subtotal, order.total, order.currency) == (Decimal("400.00"), Decimal("400.00"), "RUB")
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines] == [
        (shop.product.sku, 4, Decimal("100.00"))
    ]
    assert await _level(core, shop.product) == (10, 4)
    async with core.uow() as uow:
        reservations = list(await uow.session.scalars(select(StockReservation)))
        events = list(await uow.session.scalars(select(OrderEvent).order_by(OrderEvent.id)))
        outbox = list(await uow.session.scalars(select(OutboxEvent)))
        lines = await uow.session.scalar(select(func.count()).select_from(CartLine))
    assert [(r.warehouse_id, r.quantity) for r in reservations] == [(shop.warehouse.id, 4)]
    assert [e.status for e in events] == [S.PLACED, S.CONFIRMED]
    assert [o.topic for o in outbox] == ["order.created"]
    assert outbox[0].payload["order_id"] == order.id and outbox[0].payload["total"] == "400.00"
    assert lines == 0


async def test_second_tap_on_confirm_creates_no_second_order(core: Core) -> None:
    shop = await _shop(core, on_hand=10)
    await _fill(core, shop.actor, (shop.product, 4))
    first = await _place(core, shop.actor, "confirm-42")
    second = await _place(core, shop.actor, "confirm-42")
    assert first.created and not second.created
    assert second.order.id == first.order.id and second.order.lines == first.order.lines
    assert await _count(core, Order) == 1
    assert await _level(core, shop.product) == (10, 4)


async def test_twenty_concurrent_taps_with_one_key_make_one_order(core: Core) -> None:
    shop = await _shop(core, on_hand=10)
    await _fill(core, shop.actor, (shop.product, 3))
    results = await asyncio.gather(*(_place(core, shop.actor, "same-key") for _ in range(20)))
    assert len({r.order.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert await _count(core, Order) == 1
    assert await _level(core, shop.product) == (10, 3)


async def test_two_contacts_racing_with_one_key_get_the_same_order(core: Core) -> None:
    shop = await _shop(core, on_hand=10)
    async with core.uow() as uow:
        colleague = await Build(uow.session).contact(shop.company)
        await uow.commit()
    other = Actor(colleague.id, shop.company.id)
    await _fill(core, shop.actor, (shop.product, 2))
    await _fill(core, other, (shop.product, 2))
    results = await asyncio.gather(*(_place(core, actor, "shared") for actor in (shop.actor, other) * 5))
    assert len({r.order.id for r in results}) == 1
    assert await _count(core, Order) == 1
    assert await _level(core, shop.product) == (10, 2)


async def test_a_duplicate_key_slipping_past_the_check_ends_in_the_existing_order(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await _shop(core, on_hand=10)
    await _fill(core, shop.actor, (shop.product, 2))
    first = await _place(core, shop.actor, "k")
    await _fill(core, shop.actor, (shop.product, 3))
    glance, load = cart.glance, cart.load
    looked: list[str] = []

    async def blind_glance(session: AsyncSession, actor: Actor, order_key: str) -> cart.CartGlance:
        # As if another writer committed the key between our checks and our insert.
        looked.append(order_key)
        return dataclasses.replace(await glance(session, actor, order_key), order_id=None)

    async def blind_load(session: AsyncSession, actor: Actor, **options: Any) -> cart.CartContents:
        contents = await load(session, actor, **options)
        if options.get("order_key") is not None:
            looked.append(options["order_key"])
            contents.order_id = None
        return contents

    monkeypatch.setattr(orders.carts, "glance", blind_glance)
    monkeypatch.setattr(orders.carts, "load", blind_load)
    again = await _place(core, shop.actor, "k")
    assert looked == ["k", "k"] and not again.created and again.order.id == first.order.id
    assert await _count(core, Order) == 1
    assert await _count(core, StockReservation) == 1
    assert await _level(core, shop.product) == (10, 2)
    assert await _count(core, CartLine) == 1  # the replay wrote nothing


async def test_companies_racing_for_the_last_units_never_oversell(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        warehouse = await build.warehouse()
        product = await build.product(stock={warehouse: 5})
        actors = [(await build.actor())[0] for _ in range(6)]
        await uow.commit()
    for actor in actors:
        await _fill(core, actor, (product, 2))

    async def attempt(actor: Actor) -> bool:
        try:
            await _place(core, actor, "buy")
        except InsufficientStock:
            return False
        return True

    won = await asyncio.gather(*(attempt(actor) for actor in actors))
    assert sum(won) == 2
    assert await _level(core, product) == (5, 4)
    assert await _count(core, Order) == 2


async def test_a_refused_order_leaves_nothing_behind(core: Core) -> None:
    shop = await _shop(core, on_hand=10)
    async with core.uow() as uow:
        build = Build(uow.session)
        scarce = await build.product(stock={shop.warehouse: 1})
        await build.loyalty(shop.company, 100)
        await uow.commit()
    await _fill(core, shop.actor, (shop.product, 5), (scarce, 3))
    async with core.uow() as uow:
        await cart.set_points(uow.session, shop.actor, 50)
        await uow.commit()
    with pytest.raises(InsufficientStock) as refused:
        await _place(core, shop.actor)
    assert refused.value.details["sku"] == scarce.sku
    assert await _count(core, Order) == 0
    assert await _count(core, StockReservation) == 0
    assert await _count(core, OutboxEvent) == 0
    assert await _count(core, LoyaltyEntry) == 1
    assert await _level(core, shop.product) == (10, 0)
    assert await _count(core, CartLine) == 2


async def test_stock_taken_between_the_check_and_the_reservation_still_refuses_and_leaves_nothing(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await _shop(core, on_hand=10)
    async with core.uow() as uow:
        await Build(uow.session).loyalty(shop.company, 100)
        await uow.commit()
    await _fill(core, shop.actor, (shop.product, 5))
    async with core.uow() as uow:
        await cart.set_points(uow.session, shop.actor, 50)
        await uow.commit()

    async def taken_meanwhile(*_args: object, **_kwargs: object) -> None:
        # What a competitor's commit between our stock read and our UPDATE looks like: no row matches.
        raise InsufficientStock("not enough stock", product_id=shop.product.id, requested=5, available=0)

    monkeypatch.setattr(orders.stock, "reserve_for_line", taken_meanwhile)
    with pytest.raises(InsufficientStock) as refused:
        await _place(core, shop.actor)
    assert refused.value.details["sku"] == shop.product.sku
    assert (await _count(core, Order), await _count(core, StockReservation), await _count(core, OutboxEvent)) == (
        0, 0, 0)
    assert await _count(core, LoyaltyEntry) == 1
    assert await _count(core, CartLine) == 1


async def test_an_empty_cart_is_refused(core: Core) -> None:
    shop = await _shop(core)
    with pytest.raises(InvalidInput):
        await _place(core, shop.actor)
    await _fill(core, shop.actor, (shop.product, 1))
    async with core.uow() as uow:
        await cart.clear(uow.session, shop.actor)
        await uow.commit()
    with pytest.raises(InvalidInput):
        await _place(core, shop.actor)
    with pytest.raises(InvalidInput):
        await _place(core, shop.actor, "   ")


async def test_quantities_are_checked_again_when_placing(core: Core) -> None:
    shop = await _shop(core)
    await _fill(core, shop.actor, (shop.product, 5))
    async with core.uow() as uow:
        product = await uow.session.get(Product, shop.product.id)
        assert product is not None
        product.pack_size = 4  # the supplier changed the pack after the line was added
        await uow.commit()
    with pytest.raises(QuantityRuleViolation):
        await _place(core, shop.actor)
    assert await _count(core, Order) == 0


async def test_delivery_comes_from_the_chosen_quote_and_an_expired_one_is_refused(core: Core) -> None:
    shop = await _shop(core)
    await _fill(core, shop.actor, (shop.product, 2))
    async with core.uow() as uow:
        quote = await Build(uow.session).delivery_quote(shop.company, price="350.00", eta_days=(2, 4))
        await cart.choose_delivery(uow.session, shop.actor, quote.id)
        await uow.commit()
    placed = await _place(core, shop.actor)
    assert (placed.order.delivery_cost, placed.order.total) == (Decimal("350.00"), Decimal("550.00"))
    assert placed.order.delivery_carrier == "courier"
    assert placed.order.eta == dt.datetime.now(dt.UTC).date() + dt.timedelta(days=4)

    await _fill(core, shop.actor, (shop.product, 2))
    async with core.uow() as uow:
        stale = await Build(uow.session).delivery_quote(shop.company, valid_minutes=1)
        await cart.choose_delivery(uow.session, shop.actor, stale.id)
        stale.valid_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        await uow.commit()
    with pytest.raises(InvalidInput):
        await _place(core, shop.actor, "tap-2")


async def test_a_cart_grown_heavier_than_its_delivery_quote_must_be_quoted_again(core: Core) -> None:
    shop = await _shop(core)  # each unit weighs 1 kg
    await _fill(core, shop.actor, (shop.product, 2))
    async with core.uow() as uow:
        quote = await Build(uow.session).delivery_quote(shop.company, weight_kg="2")
        await cart.choose_delivery(uow.session, shop.actor, quote.id)
        await uow.commit()
    await _fill(core, shop.actor, (shop.product, 1))
    async with core.uow() as uow:
        view = await cart.view(uow.session, shop.actor, core.settings)
    assert view.delivery is not None and view.delivery.outweighed
    assert view.delivery_cost == 0 and view.total == view.subtotal  # a price that no longer holds is in no total
    with pytest.raises(InvalidInput):
        await _place(core, shop.actor)
    assert await _count(core, Order) == 0


async def test_an_order_beyond_available_credit_is_placed_for_prepayment(core: Core) -> None:
    shop = await _shop(core, credit_limit=Decimal("1000"))
    async with core.uow() as uow:
        await Build(uow.session).ledger(shop.company, LedgerKind.INVOICE, "700.00", due_in_days=14)
        await uow.commit()
    await _fill(core, shop.actor, (shop.product, 2))
    within = await _place(core, shop.actor, "first")
    assert within.order.payment_mode == PaymentMode.CREDIT and not within.needs_prepayment
    await _fill(core, shop.actor, (shop.product, 2))  # 200 more: only 100 of credit is left
    beyond = await _place(core, shop.actor, "second")
    assert beyond.order.payment_mode == PaymentMode.PREPAYMENT and beyond.needs_prepayment
    assert beyond.order.status == S.CONFIRMED


async def test_a_prepayment_company_always_prepays(core: Core) -> None:
    shop = await _shop(core, payment_terms=PaymentTerms.PREPAYMENT)
    await _fill(core, shop.actor, (shop.product, 1))
    assert (await _place(core, shop.actor)).order.payment_mode == PaymentMode.PREPAYMENT


async def test_points_in_the_cart_become_a_capped_discount_and_a_redemption(core: Core) -> None:
    shop = await _shop(core)
    async with core.uow() as uow:
        await Build(uow.session).loyalty(shop.company, 1000)
        await uow.commit()
    await _fill(core, shop.actor, (shop.product, 10))
    async with core.uow() as uow:
        await cart.set_points(uow.session, shop.actor, 1000)
        await uow.commit()
    order = (await _place(core, shop.actor)).order
    assert (order.subtotal, order.discount, order.total) == (Decimal("1000.00"), Decimal("300.00"), Decimal("700.00"))
    assert order.points_redeemed == 300
    async with core.uow() as uow:
        redemption = await uow.session.scalar(select(LoyaltyEntry).where(LoyaltyEntry.order_id == order.id))
        points_left = await uow.session.scalar(select(Cart.points_to_redeem))
    assert redemption is not None and redemption.points == -300
    assert points_left == 0


# --- approval --------------------------------------------------------------------------------------


async def test_orders_above_the_threshold_await_an_approver_of_the_same_company(
    core: Core, notifier: RecordingNotifier
) -> None:
    shop = await _shop(core, approval_threshold=Decimal("500"))
    async with core.uow() as uow:
        build = Build(uow.session)
        boss = await build.contact(shop.company, role=ContactRole.APPROVER)
        peer = await build.contact(shop.company)
        outsider_actor, _, _ = await build.actor()
        outsider_boss = await build.contact(
            await uow.session.get_one(Company, outsider_actor.company_id), role=ContactRole.APPROVER
        )
        await uow.commit()
    await _fill(core, shop.actor, (shop.product, 6))
    placed = await _place(core, shop.actor)
    assert placed.awaits_approval
    assert [(n.contact_id, n.kind) for n in placed.notifications] == [(boss.id, "approval_request")]

    async def decide(approver: Actor) -> orders.StatusChange:
        async with core.uow() as uow:
            change = await orders.approve(uow, approver, placed.order.id, core.settings, core.clock)
            await uow.commit()
        return change

    with pytest.raises((AccessDenied, NotFound)):
        await decide(Actor(outsider_boss.id, outsider_boss.company_id, role="approver"))
    with pytest.raises(AccessDenied):
        await decide(Actor(peer.id, shop.company.id, role="approver"))  # the role is read from the database
    change = await decide(Actor(boss.id, shop.company.id, role="approver"))
    await orders.send(notifier, change.notifications)
    async with core.uow() as uow:
        order = await orders.get_order(uow.session, shop.actor, placed.order.id)
        events = list(await uow.session.scalars(select(OrderEvent.status).order_by(OrderEvent.id)))
    assert order.status == S.CONFIRMED and order.approved_by_contact_id == boss.id
    assert events == [S.PLACED, S.AWAITING_APPROVAL, S.CONFIRMED]
    assert [(n.contact_id, n.kind, n.data["status"]) for n in notifier.sent] == [
        (shop.contact.id, "order_status", "confirmed")
    ]
    with pytest.raises(IllegalTransition):
        await decide(Actor(boss.id, shop.company.id, role="approver"))


async def test_a_rejected_order_is_cancelled_and_its_stock_released(core: Core) -> None:
    shop = await _shop(core, on_hand=10, approval_threshold=Decimal("100"))
    async with core.uow() as uow:
        admin = await Build(uow.session).contact(shop.company, role=ContactRole.ADMIN)
        await uow.commit()
    await _fill(core, shop.actor, (shop.product, 3))
    placed = await _place(core, shop.actor)
    async with core.uow() as uow:
        change = await orders.reject(uow, Actor(admin.id, shop.company.id), placed.order.id, core.settings, core.clock)
        await uow.commit()
    assert change.status == S.CANCELLED
    assert await _level(core, shop.product) == (10, 0)


# --- the status machine ----------------------------------------------------------------------------


async def test_an_illegal_transition_is_refused_and_changes_nothing(core: Core) -> None:
    shop = await _shop(core, on_hand=10)
    await _fill(core, shop.actor, (shop.product, 2))
    order_id = (await _place(core, shop.actor)).order.id
    events, outbox = await _count(core, OrderEvent), await _count(core, OutboxEvent)
    with pytest.raises(IllegalTransition):
        await _move(core, order_id, S.DELIVERED)
    with pytest.raises(InvalidInput):
        await _move(core, order_id, "teleported")  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        await _move(core, 999_999, S.CANCELLED)
    async with core.uow() as uow:
        order = await uow.session.get_one(Order, order_id)
    assert order.status == S.CONFIRMED
    assert (await _count(core, OrderEvent), await _count(core, OutboxEvent)) == (events, outbox)
    assert await _level(core, shop.product) == (10, 2)


async def test_cancelling_releases_the_stock(core: Core) -> None:
    shop = await _shop(core, on_hand=10)
    await _fill(core, shop.actor, (shop.product, 6))
    order_id = (await _place(core, shop.actor)).order.id
    assert await _level(core, shop.product) == (10, 6)
    change = await _move(core, order_id, S.CANCELLED)
    assert (change.previous, change.status) == (S.CONFIRMED, S.CANCELLED)
    assert await _level(core, shop.product) == (10, 0)
    async with core.uow() as uow:
        reservation = await uow.session.scalar(select(StockReservation))
    assert reservation is not None and reservation.released_at is not None


async def test_shipping_consumes_the_stock_and_every_step_is_told_to_the_client(
    core: Core, notifier: RecordingNotifier
) -> None:
    shop = await _shop(core, on_hand=10)
    await _fill(core, shop.actor, (shop.product, 4))
    order_id = (await _place(core, shop.actor)).order.id
    for target in (S.IN_PRODUCTION, S.READY, S.SHIPPED):
        async with core.uow() as uow:
            change = await orders.change_status(
                uow, order_id, target, actor_label="1c", settings=core.settings, clock=core.clock,
                eta=dt.date(2030, 1, 2) if target == S.SHIPPED else None,
            )
            await uow.commit()
        await orders.send(notifier, change.notifications)
    assert await _level(core, shop.product) == (6, 0)
    assert [n.data["status"] for n in notifier.sent] == ["in_production", "ready", "shipped"]
    assert {n.contact_id for n in notifier.sent} == {shop.contact.id}
    assert notifier.sent[-1].data["eta"] == "2030-01-02"
    async with core.uow() as uow:
        topics = list(await uow.session.scalars(select(OutboxEvent.topic).order_by(OutboxEvent.id)))
    assert topics == ["order.created"] + ["order.status_changed"] * 3


async def test_a_pickup_order_delivered_from_ready_consumes_its_stock(core: Core) -> None:
    shop = await _shop(core, on_hand=10)
    await _fill(core, shop.actor, (shop.product, 4))
    order_id = (await _place(core, shop.actor)).order.id
    await _move(core, order_id, S.READY, S.DELIVERED)
    assert await _level(core, shop.product) == (6, 0)


async def test_a_client_cancels_only_before_production(core: Core) -> None:
    shop = await _shop(core, on_hand=10)
    await _fill(core, shop.actor, (shop.product, 1))
    early = (await _place(core, shop.actor, "early")).order.id
    await _fill(core, shop.actor, (shop.product, 1))
    late = (await _place(core, shop.actor, "late")).order.id
    await _move(core, late, S.IN_PRODUCTION)
    async with core.uow() as uow:
        change = await orders.cancel_order(uow, shop.actor, early, core.settings, core.clock, reason="mistake")
        await uow.commit()
    assert change.status == S.CANCELLED
    with pytest.raises(IllegalTransition):
        async with core.uow() as uow:
            await orders.cancel_order(uow, shop.actor, late, core.settings, core.clock)
    assert await _level(core, shop.product) == (10, 1)


# --- reading, tracking, repeating, scoping ---------------------------------------------------------


async def test_orders_are_listed_newest_first_filtered_and_paged(core: Core) -> None:
    shop = await _shop(core, on_hand=100)
    ids = []
    for n in range(5):
        await _fill(core, shop.actor, (shop.product, 1))
        ids.append((await _place(core, shop.actor, f"tap-{n}")).order.id)
    await _move(core, ids[1], S.CANCELLED)
    async with core.uow() as uow:
        page = await orders.list_orders(uow.session, shop.actor, limit=2, offset=1)
        cancelled = await orders.list_orders(uow.session, shop.actor, status="cancelled")
        with pytest.raises(InvalidInput):
            await orders.list_orders(uow.session, shop.actor, limit=0)
    assert page.total == 5 and [item.id for item in page.items] == [ids[3], ids[2]]
    assert page.items[0].line_count == 1
    assert [item.id for item in cancelled.items] == [ids[1]] and cancelled.total == 1


async def test_tracking_shows_stages_shipments_and_the_latest_eta(core: Core) -> None:
    shop = await _shop(core, on_hand=10)
    await _fill(core, shop.actor, (shop.product, 1))
    order_id = (await _place(core, shop.actor)).order.id
    await _move(core, order_id, S.READY, S.SHIPPED)
    async with core.uow() as uow:
        shipment = Shipment(order_id=order_id, carrier="cdek", tracking_number="TR1", stage="in_transit",
                            eta=dt.date(2031, 5, 6))
        uow.session.add(shipment)
        await uow.session.flush()
        uow.session.add_all([
            ShipmentEvent(shipment_id=shipment.id, stage="accepted", location="Moscow"),
            ShipmentEvent(shipment_id=shipment.id, stage="in_transit", location="Tver"),
        ])
        await uow.commit()
    async with core.uow() as uow:
        tracking = await orders.track_order(uow.session, shop.actor, order_id)
    assert [stage.status for stage in tracking.stages] == [S.PLACED, S.CONFIRMED, S.READY, S.SHIPPED]
    assert [s.stage for s in tracking.shipments[0].stages] == ["accepted", "in_transit"]
    assert tracking.shipments[0].tracking_number == "TR1"
    assert tracking.eta == dt.date(2031, 5, 6)


async def test_repeating_copies_lines_at_current_prices_and_skips_discontinued(core: Core) -> None:
    shop = await _shop(core, on_hand=100)
    async with core.uow() as uow:
        build = Build(uow.session)
        doomed = await build.product(stock={shop.warehouse: 10}, sku="DOOMED")
        repacked = await build.product(stock={shop.warehouse: 50}, sku="REPACK")
        await uow.commit()
    await _fill(core, shop.actor, (shop.product, 3), (doomed, 2), (repacked, 5))
    order_id = (await _place(core, shop.actor)).order.id
    async with core.uow() as uow:
        (await uow.session.get_one(Product, doomed.id)).is_active = False
        (await uow.session.get_one(Product, repacked.id)).pack_size = 4
        price = await uow.session.scalar(select(Price).where(Price.product_id == shop.product.id))
        assert price is not None
        price.amount = Decimal("120.00")
        await uow.commit()
    async with core.uow() as uow:
        repeated = await orders.repeat_order(uow.session, shop.actor, core.settings)
        await uow.commit()
    assert repeated.source_order_id == order_id
    assert [(s.sku, s.reason) for s in repeated.skipped] == [("DOOMED", "discontinued")]
    assert [(a.sku, a.ordered, a.quantity) for a in repeated.adjusted] == [("REPACK", 5, 8)]
    async with core.uow() as uow:
        view = await cart.view(uow.session, shop.actor, core.settings)
    assert {(line.sku, line.quantity) for line in view.lines} == {(shop.product.sku, 3), ("REPACK", 8)}
    assert next(line for line in view.lines if line.sku == shop.product.sku).unit_price == Decimal("120.00")


async def test_another_company_cannot_read_track_cancel_or_repeat_an_order(core: Core) -> None:
    shop = await _shop(core, on_hand=10)
    await _fill(core, shop.actor, (shop.product, 2))
    order_id = (await _place(core, shop.actor)).order.id
    async with core.uow() as uow:
        stranger, _, _ = await Build(uow.session).actor()
        await uow.commit()
    async with core.uow() as uow:
        session = uow.session
        with pytest.raises(NotFound):
            await orders.get_order(session, stranger, order_id)
        with pytest.raises(NotFound):
            await orders.track_order(session, stranger, order_id)
        with pytest.raises(NotFound):
            await orders.cancel_order(uow, stranger, order_id, core.settings, core.clock)
        with pytest.raises(NotFound):
            await orders.repeat_order(session, stranger, core.settings, order_id)
        with pytest.raises(NotFound):
            await orders.repeat_order(session, stranger, core.settings)  # their own history is empty
        assert (await orders.list_orders(session, stranger)).total == 0
    async with core.uow() as uow:
        order = await uow.session.get_one(Order, order_id)
    assert order.status == S.CONFIRMED
    assert await _count(core, CartLine) == 0


async def test_guests_are_refused_everywhere(core: Core) -> None:
    shop = await _shop(core)
    await _fill(core, shop.actor, (shop.product, 1))
    order_id = (await _place(core, shop.actor)).order.id
    guest = Actor.guest()
    async with core.uow() as uow:
        with pytest.raises(AccessDenied):
            await orders.place_order(uow, guest, "g", core.settings, core.clock)
        with pytest.raises(AccessDenied):
            await orders.list_orders(uow.session, guest)
        with pytest.raises(AccessDenied):
            await orders.track_order(uow.session, guest, order_id)
        with pytest.raises(AccessDenied):
            await orders.cancel_order(uow, guest, order_id, core.settings, core.clock)
        with pytest.raises(AccessDenied):
            await orders.repeat_order(uow.session, guest, core.settings)
        with pytest.raises(AccessDenied):
            await orders.approve(uow, guest, order_id, core.settings, core.clock)
