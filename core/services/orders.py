"""Orders: placing from the cart (idempotent), the status machine and approvals, listing, tracking, repeating.

State changes never send anything themselves. They return the `Notification`s to send, and the caller
sends them with `send()` after its commit succeeded: a rolled-back change must not have been announced,
and the service stays free of I/O. The same change is also written to the outbox in its transaction,
for the webhooks that must not be lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.domain.access import Actor
from core.domain.order_states import check_transition
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
    Company,
    Contact,
    ContactRole,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    OutboxEvent,
    PaymentMode,
    PaymentTerms,
    Product,
    Shipment,
    ShipmentEvent,
    StockReservation,
)
from core.ports import Clock, Notification, Notifier
from core.services import accounts, loyalty, pricing, stock
from core.services import cart as carts
from core.uow import UnitOfWork

S = OrderStatus
CLIENT_CANCELLABLE = frozenset({S.PLACED, S.AWAITING_APPROVAL, S.CONFIRMED})
APPROVER_ROLES = frozenset({ContactRole.APPROVER, ContactRole.ADMIN})
MAX_KEY = 100
MAX_NOTE = 500
MAX_COMMENT = 1000
MAX_PAGE = 50


@dataclass(frozen=True, slots=True)
class OrderLineView:
    product_id: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


@dataclass(frozen=True, slots=True)
class OrderSummary:
    id: int
    company_id: int
    contact_id: int | None
    status: OrderStatus
    payment_mode: PaymentMode
    currency: str
    subtotal: Decimal
    discount: Decimal
    points_redeemed: int
    delivery_cost: Decimal
    total: Decimal
    weight_kg: Decimal
    delivery_carrier: str | None
    delivery_service: str | None
    delivery_destination: str | None
    eta: dt.date | None
    channel: str | None
    comment: str | None
    created_at: dt.datetime
    approved_by_contact_id: int | None
    lines: tuple[OrderLineView, ...]


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    order: OrderSummary
    created: bool  # False: the idempotency key had been used, this is the order it made then
    notifications: tuple[Notification, ...]

    @property
    def awaits_approval(self) -> bool:
        return self.order.status == S.AWAITING_APPROVAL

    @property
    def needs_prepayment(self) -> bool:
        """An invoice to pay follows before the order ships."""
        return self.order.payment_mode == PaymentMode.PREPAYMENT


@dataclass(frozen=True, slots=True)
class StatusChange:
    order_id: int
    previous: OrderStatus
    status: OrderStatus
    eta: dt.date | None
    points_accrued: int
    notifications: tuple[Notification, ...]


@dataclass(frozen=True, slots=True)
class OrderListItem:
    id: int
    status: OrderStatus
    total: Decimal
    currency: str
    created_at: dt.datetime
    eta: dt.date | None
    line_count: int


@dataclass(frozen=True, slots=True)
class OrderPage:
    items: tuple[OrderListItem, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class Stage:
    status: OrderStatus
    at: dt.datetime
    note: str | None
    eta: dt.date | None


@dataclass(frozen=True, slots=True)
class ShipmentStage:
    stage: str
    at: dt.datetime
    location: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class ShipmentView:
    id: int
    carrier: str
    tracking_number: str | None
    stage: str
    eta: dt.date | None
    stages: tuple[ShipmentStage, ...]


@dataclass(frozen=True, slots=True)
class OrderTracking:
    order: OrderSummary
    stages: tuple[Stage, ...]
    shipments: tuple[ShipmentView, ...]
    eta: dt.date | None  # the latest word: a shipment's ETA, else the order's


@dataclass(frozen=True, slots=True)
class SkippedLine:
    sku: str
    name: str
    quantity: int
    reason: str  # discontinued | no_price | cart_full | quantity_rule | ...


@dataclass(frozen=True, slots=True)
class AdjustedLine:
    sku: str
    ordered: int
    quantity: int  # rounded to today's pack size or minimum


@dataclass(frozen=True, slots=True)
class RepeatResult:
    source_order_id: int
    added: tuple[carts.CartLineChange, ...]
    adjusted: tuple[AdjustedLine, ...]
    skipped: tuple[SkippedLine, ...]


# --- placing ---------------------------------------------------------------------------------------


async def place_order(
    uow: UnitOfWork,
    actor: Actor,
    idempotency_key: str,
    settings: Settings,
    clock: Clock,
    channel: str | None = None,
    comment: str | None = None,
) -> PlacedOrder:
    """Turn the contact's cart into an order; the same key always answers with the same order.

    One order per company at a time: the company's row is locked first, which makes a double tap wait
    and then find the order its twin made, and keeps two orders from both spending the same credit or
    points. Everything the order writes happens inside a savepoint, so a refusal (stock, rules,
    expired quote) leaves nothing behind, and a duplicate key that slipped past the lock still ends
    in the existing order, not an error.
    """
    session = uow.session
    key = idempotency_key.strip()
    if not 0 < len(key) <= MAX_KEY:
        raise InvalidInput("an idempotency key of 1 to 100 characters is required")
    if channel is not None and not 0 < len(channel) <= 20:
        raise InvalidInput("unknown channel", channel=channel)
    comment = comment.strip() if comment else None
    if comment and len(comment) > MAX_COMMENT:
        raise InvalidInput("the comment is too long", length=len(comment), maximum=MAX_COMMENT)
    contact, _ = await carts.contact_and_company(session, actor)
    company = await accounts.lock_company(session, contact.company_id)
    replay = await _order_by_key(session, company.id, key)
    if replay is not None:
        return PlacedOrder(await _summary(session, replay), created=False, notifications=())
    cart = await carts.find(session, contact.id)
    if cart is None or cart.company_id != company.id:
        raise InvalidInput("the cart is empty")
    try:
        async with session.begin_nested():
            summary, notifications = await _place(
                session, company, contact, cart, key, settings, clock.now(), channel, comment
            )
    except IntegrityError:
        replay = await _order_by_key(session, company.id, key)
        if replay is None:
            raise
        return PlacedOrder(await _summary(session, replay), created=False, notifications=())
    return PlacedOrder(summary, created=True, notifications=notifications)


async def _place(
    session: AsyncSession,
    company: Company,
    contact: Contact,
    cart: Cart,
    key: str,
    settings: Settings,
    now: dt.datetime,
    channel: str | None,
    comment: str | None,
) -> tuple[OrderSummary, tuple[Notification, ...]]:
    """Write the order; stock is reserved last, so its row locks are held only until the commit that follows.

    Every order for a product in demand queues on that product's stock row: the shorter the lock, the more
    checkouts a second. Lines the stock read before any write cannot cover are refused at once, without
    queueing for the lock (the conditional UPDATE in `stock.reserve` stays what guarantees no oversell).
    """
    rows = await carts.cart_products(session, cart.id)
    if not rows:
        raise InvalidInput("the cart is empty")
    view = await carts.priced(session, cart, company, settings, now)
    _priced_lines(view)  # refuse early, before any write
    for shown in view.lines:
        if shown.available < shown.quantity:
            raise InsufficientStock(f"not enough stock of {shown.sku}", sku=shown.sku, name=shown.name,
                                    product_id=shown.product_id, requested=shown.quantity, available=shown.available)
    for line, product in rows:
        pricing.check_quantity(product, line.quantity, settings)
    delivery = view.delivery
    if cart.delivery_quote_id is not None and delivery is None:
        raise InvalidInput("the chosen delivery is no longer offered; choose delivery again")
    if delivery is not None and delivery.expired:
        raise InvalidInput("the delivery quote has expired; choose delivery again", quote_id=delivery.quote_id)
    if delivery is not None and delivery.outweighed:
        raise InvalidInput("the cart changed since delivery was quoted; choose delivery again")

    on_credit = company.payment_terms == PaymentTerms.CREDIT and view.total <= await accounts.available_credit(
        session, company
    )
    needs_approval = company.approval_threshold is not None and view.total > company.approval_threshold
    status = S.AWAITING_APPROVAL if needs_approval else S.CONFIRMED
    order = Order(
        company_id=company.id,
        contact_id=contact.id,
        status=status,
        payment_mode=PaymentMode.CREDIT if on_credit else PaymentMode.PREPAYMENT,
        currency=view.currency,
        subtotal=view.subtotal,
        discount=view.loyalty_discount,
        delivery_cost=view.delivery_cost,
        total=view.total,
        points_redeemed=view.points_applied,
        weight_kg=view.weight_kg,
        delivery_carrier=delivery.carrier if delivery else None,
        delivery_service=delivery.service if delivery else None,
        delivery_destination=delivery.destination if delivery else None,
        eta=now.date() + dt.timedelta(days=delivery.eta_max_days) if delivery else None,
        idempotency_key=key,
        channel=channel,
        comment=comment or cart.comment,
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    await session.flush()  # a duplicate key raises here, before anything else is written

    lines = [
        OrderLine(
            order_id=order.id,
            product_id=line.product_id,
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            unit_price=unit_price,
            line_total=line_total,
        )
        for line, unit_price, line_total in _priced_lines(view)
    ]
    session.add_all(lines)
    actor_label = f"contact:{contact.id}"
    session.add(OrderEvent(order_id=order.id, status=S.PLACED, at=now, actor=actor_label))
    session.add(OrderEvent(order_id=order.id, status=status, at=now, actor=actor_label, eta=order.eta))
    await session.flush()
    if view.points_applied > 0:
        await loyalty.redeem_for_order(session, company.id, order.id, view.points_applied, now)
    await carts.empty(session, cart)
    session.add(OutboxEvent(topic="order.created", payload=_created_payload(order, lines), created_at=now))
    notifications = await _approval_requests(session, order, contact) if needs_approval else ()
    summary = _summary_of(order, lines)
    await session.flush()  # all but the reservations is written before the stock rows are locked
    await _reserve(session, lines)
    await session.flush()
    return summary, notifications


def _priced_lines(view: carts.CartView) -> list[tuple[carts.CartLineView, Decimal, Decimal]]:
    """The cart's lines with their prices, or a refusal naming the lines that cannot be ordered."""
    inactive = [line.sku for line in view.lines if line.warning == "inactive"]
    if inactive:
        raise InvalidInput("some products are no longer sold; remove them", skus=inactive)
    priced = [
        (line, line.unit_price, line.line_total)
        for line in view.lines
        if line.unit_price is not None and line.line_total is not None
    ]
    if len(priced) < len(view.lines):
        unpriced = [line.sku for line in view.lines if line.unit_price is None]
        raise InvalidInput("some products have no price for you; remove them", skus=unpriced)
    return priced


async def _reserve(session: AsyncSession, lines: Sequence[OrderLine]) -> None:
    """Hold stock for every line; lines go in product order so two orders never lock in opposite orders."""
    for line in sorted(lines, key=lambda line: line.product_id):
        try:
            held = await stock.reserve(session, line.product_id, line.quantity)
        except InsufficientStock as short:
            raise InsufficientStock(
                f"not enough stock of {line.sku}", sku=line.sku, name=line.name, **short.details
            ) from short
        session.add_all(
            StockReservation(order_line_id=line.id, product_id=line.product_id, warehouse_id=warehouse, quantity=units)
            for warehouse, units in held
        )


async def _approval_requests(
    session: AsyncSession, order: Order, placed_by: Contact
) -> tuple[Notification, ...]:
    approvers = await session.scalars(
        select(Contact.id)
        .where(
            Contact.company_id == order.company_id,
            Contact.role.in_(APPROVER_ROLES),
            Contact.is_active.is_(True),
        )
        .order_by(Contact.id)
    )
    data: dict[str, object] = {
        "order_id": order.id,
        "total": str(order.total),
        "currency": order.currency,
        "placed_by": placed_by.name,
    }
    return tuple(Notification(contact_id, "approval_request", dict(data)) for contact_id in approvers)


def _created_payload(order: Order, lines: Sequence[OrderLine]) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "company_id": order.company_id,
        "contact_id": order.contact_id,
        "status": str(order.status),
        "payment_mode": str(order.payment_mode),
        "currency": order.currency,
        "subtotal": str(order.subtotal),
        "discount": str(order.discount),
        "delivery_cost": str(order.delivery_cost),
        "total": str(order.total),
        "delivery_carrier": order.delivery_carrier,
        "eta": order.eta.isoformat() if order.eta else None,
        "channel": order.channel,
        "lines": [
            {"sku": line.sku, "quantity": line.quantity, "unit_price": str(line.unit_price),
             "line_total": str(line.line_total)}
            for line in lines
        ],
    }


async def _order_by_key(session: AsyncSession, company_id: int, key: str) -> Order | None:
    return await session.scalar(
        select(Order)
        .where(Order.company_id == company_id, Order.idempotency_key == key)
        .execution_options(populate_existing=True)
    )


# --- the status machine ----------------------------------------------------------------------------


async def change_status(
    uow: UnitOfWork,
    order_id: int,
    target: OrderStatus | str,
    *,
    actor_label: str,
    settings: Settings,
    clock: Clock,
    note: str | None = None,
    eta: dt.date | None = None,
    approver: Actor | None = None,
) -> StatusChange:
    """Move an order to `target` (staff, integrations; approvals pass the approving contact).

    Cancelling releases the held stock and returns spent points; shipping consumes the stock (so does
    delivery of a pickup order, which skips shipping); delivery accrues points once. The status moves
    with a conditional UPDATE, so two racing changes cannot both apply.
    """
    session = uow.session
    try:
        target = OrderStatus(target)
    except ValueError:
        raise InvalidInput("unknown order status", status=str(target)) from None
    if not 0 < len(actor_label) <= 100:
        raise InvalidInput("an actor label of 1 to 100 characters is required")
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidInput("the note is too long", length=len(note), maximum=MAX_NOTE)
    order = await session.scalar(
        select(Order).where(Order.id == order_id).execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound("no such order", order_id=order_id)
    if approver is not None:
        await _check_approver(session, approver, order)
    previous = OrderStatus(order.status)
    check_transition(previous, target)

    now = clock.now()
    values: dict[str, Any] = {"status": target, "updated_at": now}
    if eta is not None:
        values["eta"] = eta
    if approver is not None and target == S.CONFIRMED:
        values["approved_by_contact_id"] = approver.contact_id
    moved = await session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status == previous)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise IllegalTransition(
            "the order changed meanwhile; look again", current=previous.value, target=target.value
        )
    await session.refresh(order)

    accrued = 0
    if target == S.CANCELLED:
        await stock.release(session, await _reservations(session, order.id))
        await loyalty.reverse_redemption(session, order, now)
    elif target in (S.SHIPPED, S.DELIVERED):
        await stock.consume(session, await _reservations(session, order.id))
    if target == S.DELIVERED:
        company = await session.get(Company, order.company_id)
        assert company is not None  # orders.company_id is a RESTRICT foreign key
        accrued = await loyalty.accrue_for_order(
            session, order, company.loyalty_tier, now, settings.loyalty_points_ttl_days
        )

    session.add(OrderEvent(order_id=order.id, status=target, at=now, note=note, actor=actor_label, eta=eta))
    session.add(
        OutboxEvent(
            topic="order.status_changed",
            payload={
                "order_id": order.id,
                "company_id": order.company_id,
                "from": previous.value,
                "to": target.value,
                "at": now.isoformat(),
                "actor": actor_label,
                "note": note,
                "eta": order.eta.isoformat() if order.eta else None,
            },
            created_at=now,
        )
    )
    await session.flush()
    notifications: tuple[Notification, ...] = ()
    if order.contact_id is not None:
        data: dict[str, object] = {
            "order_id": order.id,
            "status": target.value,
            "previous": previous.value,
            "eta": order.eta.isoformat() if order.eta else None,
            "note": note,
            "points_accrued": accrued,
        }
        notifications = (Notification(order.contact_id, "order_status", data),)
    return StatusChange(order.id, previous, target, order.eta, accrued, notifications)


async def approve(
    uow: UnitOfWork, approver: Actor, order_id: int, settings: Settings, clock: Clock, note: str | None = None
) -> StatusChange:
    """An approver (or admin) of the ordering company confirms an order that awaits approval."""
    return await _decide(uow, approver, order_id, S.CONFIRMED, settings, clock, note)


async def reject(
    uow: UnitOfWork, approver: Actor, order_id: int, settings: Settings, clock: Clock, note: str | None = None
) -> StatusChange:
    """An approver (or admin) of the ordering company turns down an order that awaits approval."""
    return await _decide(uow, approver, order_id, S.CANCELLED, settings, clock, note or "rejected by approver")


async def _decide(
    uow: UnitOfWork,
    approver: Actor,
    order_id: int,
    target: OrderStatus,
    settings: Settings,
    clock: Clock,
    note: str | None,
) -> StatusChange:
    contact_id, _ = approver.require_contact()
    order = await _own_order(uow.session, approver, order_id)
    if order.status != S.AWAITING_APPROVAL:
        raise IllegalTransition(
            "this order does not await approval", current=str(order.status), target=target.value
        )
    return await change_status(
        uow, order.id, target, actor_label=f"contact:{contact_id}", settings=settings, clock=clock,
        note=note, approver=approver,
    )


async def _check_approver(session: AsyncSession, approver: Actor, order: Order) -> None:
    contact_id, company_id = approver.require_contact()
    contact = await session.get(Contact, contact_id)
    if contact is None or not contact.is_active or contact.company_id != company_id:
        raise AccessDenied("unknown approver")
    if contact.company_id != order.company_id:
        raise AccessDenied("not your company's order")
    if contact.role not in APPROVER_ROLES:
        raise AccessDenied("only an approver may decide on this order", role=str(contact.role))


async def cancel_order(
    uow: UnitOfWork, actor: Actor, order_id: int, settings: Settings, clock: Clock, reason: str | None = None
) -> StatusChange:
    """A client cancels one of its company's orders, while it is not yet being prepared."""
    contact_id, _ = actor.require_contact()
    order = await _own_order(uow.session, actor, order_id)
    if order.status not in CLIENT_CANCELLABLE:
        raise IllegalTransition(
            "the order is already being prepared; ask your manager to cancel it",
            current=str(order.status),
            target=S.CANCELLED.value,
        )
    return await change_status(
        uow, order.id, S.CANCELLED, actor_label=f"contact:{contact_id}", settings=settings, clock=clock,
        note=reason,
    )


async def send(notifier: Notifier, notifications: Iterable[Notification]) -> None:
    """Send what a committed change returned. Call it after the commit, never before."""
    for notification in notifications:
        await notifier.notify(notification)


async def _reservations(session: AsyncSession, order_id: int) -> list[StockReservation]:
    rows = await session.scalars(
        select(StockReservation)
        .join(OrderLine, OrderLine.id == StockReservation.order_line_id)
        .where(OrderLine.order_id == order_id)
        .order_by(StockReservation.product_id, StockReservation.id)
    )
    return list(rows)


# --- reading ---------------------------------------------------------------------------------------


async def get_order(session: AsyncSession, actor: Actor, order_id: int) -> OrderSummary:
    return await _summary(session, await _own_order(session, actor, order_id))


async def list_orders(
    session: AsyncSession,
    actor: Actor,
    *,
    status: OrderStatus | str | None = None,
    limit: int = 10,
    offset: int = 0,
) -> OrderPage:
    """The company's orders, newest first, optionally of one status."""
    company_id = (await accounts.company_of(session, actor)).id
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InvalidInput("limit must be between 1 and 50 and offset not negative", limit=limit, offset=offset)
    conditions = [Order.company_id == company_id]
    if status is not None:
        try:
            conditions.append(Order.status == OrderStatus(status))
        except ValueError:
            raise InvalidInput("unknown order status", status=str(status)) from None
    total = await session.scalar(select(func.count()).select_from(Order).where(*conditions)) or 0
    line_count = (
        select(func.count()).select_from(OrderLine).where(OrderLine.order_id == Order.id).scalar_subquery()
    )
    rows = await session.execute(
        select(Order, line_count)
        .where(*conditions)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
        .offset(offset)
    )
    items = tuple(
        OrderListItem(o.id, OrderStatus(o.status), o.total, o.currency, o.created_at, o.eta, int(count))
        for o, count in rows
    )
    return OrderPage(items, int(total), limit, offset)


async def track_order(session: AsyncSession, actor: Actor, order_id: int) -> OrderTracking:
    """Where an order is: its stage history, its shipments with their stages, the latest ETA."""
    order = await _own_order(session, actor, order_id)
    events = await session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.at, OrderEvent.id)
    )
    stages = tuple(Stage(OrderStatus(e.status), e.at, e.note, e.eta) for e in events)
    shipments = list(
        await session.scalars(select(Shipment).where(Shipment.order_id == order.id).order_by(Shipment.id))
    )
    shipment_events: dict[int, list[ShipmentStage]] = {}
    if shipments:
        rows = await session.scalars(
            select(ShipmentEvent)
            .where(ShipmentEvent.shipment_id.in_([s.id for s in shipments]))
            .order_by(ShipmentEvent.at, ShipmentEvent.id)
        )
        for event in rows:
            shipment_events.setdefault(event.shipment_id, []).append(
                ShipmentStage(event.stage, event.at, event.location, event.note)
            )
    views = tuple(
        ShipmentView(s.id, s.carrier, s.tracking_number, s.stage, s.eta, tuple(shipment_events.get(s.id, ())))
        for s in shipments
    )
    shipment_etas = [s.eta for s in shipments if s.eta is not None]
    return OrderTracking(
        order=await _summary(session, order),
        stages=stages,
        shipments=views,
        eta=max(shipment_etas) if shipment_etas else order.eta,
    )


async def repeat_order(
    session: AsyncSession, actor: Actor, settings: Settings, order_id: int | None = None
) -> RepeatResult:
    """Copy a past order (or the company's last one not cancelled) into the cart at today's prices.

    Products no longer sold are skipped and reported; quantities that today's pack size or minimum
    would refuse are rounded up and reported.
    """
    actor.require_contact()
    if order_id is not None:
        source = await _own_order(session, actor, order_id)
    else:
        found = await session.scalar(
            select(Order)
            .where(Order.company_id == (await accounts.company_of(session, actor)).id, Order.status != S.CANCELLED)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(1)
        )
        if found is None:
            raise NotFound("there is no previous order to repeat")
        source = found
    rows = await session.execute(
        select(OrderLine, Product)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.order_id == source.id)
        .order_by(OrderLine.id)
    )
    wanted: list[tuple[Product, int]] = []
    adjusted: list[AdjustedLine] = []
    skipped: list[SkippedLine] = []
    for line, product in rows:
        if not product.is_active:
            skipped.append(SkippedLine(line.sku, product.display_name(actor.locale), line.quantity, "discontinued"))
            continue
        quantity = line.quantity
        try:
            pricing.check_quantity(product, quantity, settings)
        except QuantityRuleViolation:
            quantity = pricing.round_to_pack(product, quantity)
            if quantity > settings.max_line_quantity:
                skipped.append(SkippedLine(line.sku, product.display_name(actor.locale), line.quantity,
                                           "quantity_rule"))
                continue
            adjusted.append(AdjustedLine(product.sku, line.quantity, quantity))
        wanted.append((product, quantity))
    added: tuple[carts.CartLineChange, ...] = ()
    if wanted:
        result = await carts.add_products(session, actor, settings, wanted, all_or_nothing=False)
        added = result.added
        for problem in result.problems:
            product, quantity = wanted[problem.index]
            skipped.append(SkippedLine(product.sku, product.display_name(actor.locale), quantity, problem.code))
    return RepeatResult(source.id, added, tuple(adjusted), tuple(skipped))


async def _own_order(session: AsyncSession, actor: Actor, order_id: int) -> Order:
    """One of the actor's company's orders; anyone else's is simply not found."""
    company = await accounts.company_of(session, actor)
    order = await session.scalar(
        select(Order)
        .where(Order.id == order_id, Order.company_id == company.id)
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound("no such order", order_id=order_id)
    return order


async def _summary(session: AsyncSession, order: Order) -> OrderSummary:
    lines = await session.scalars(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id))
    return _summary_of(order, list(lines))


def _summary_of(order: Order, lines: Sequence[OrderLine]) -> OrderSummary:
    """An order and its lines (in line id order) as the client sees them."""
    return OrderSummary(
        id=order.id,
        company_id=order.company_id,
        contact_id=order.contact_id,
        status=OrderStatus(order.status),
        payment_mode=PaymentMode(order.payment_mode),
        currency=order.currency,
        subtotal=order.subtotal,
        discount=order.discount,
        points_redeemed=order.points_redeemed,
        delivery_cost=order.delivery_cost,
        total=order.total,
        weight_kg=order.weight_kg,
        delivery_carrier=order.delivery_carrier,
        delivery_service=order.delivery_service,
        delivery_destination=order.delivery_destination,
        eta=order.eta,
        channel=order.channel,
        comment=order.comment,
        created_at=order.created_at,
        approved_by_contact_id=order.approved_by_contact_id,
        lines=tuple(
            OrderLineView(line.product_id, line.sku, line.name, line.quantity, line.unit_price, line.line_total)
            for line in sorted(lines, key=lambda line: line.id)
        ),
    )
