"""Orders: placing from the cart (idempotent), the status machine and approvals, listing, tracking, repeating.

State changes never send anything themselves. They return the `Notification`s to send, and the caller
sends them with `send()` after its commit succeeded: a rolled-back change must not have been announced,
and the service stays free of I/O. The same change is also written to the outbox in its transaction,
for the webhooks that must not be lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Insert,
    Select,
    and_,
    bindparam,
    cast,
    column,
    delete,
    exists,
    func,
    insert,
    literal,
    null,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.db import conflict_insert, dialect_of, table_of
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
    CartLine,
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
from core.services import accounts, loyalty, outbox, pricing, stock
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
    advance: Decimal = Decimal(0)  # prepayment: what the company had paid ahead when it was placed (see preview)

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


class CartChanged(InvalidInput):
    """The cart no longer totals what the client confirmed; nothing was placed. Show it again to confirm."""


@dataclass(frozen=True, slots=True)
class CheckoutPreview:
    """What placing the cart now would make: its priced view, how it would be paid, whether it needs approval."""

    cart: carts.CartView
    available_credit: Decimal  # zero for prepayment terms
    on_credit: bool
    needs_approval: bool
    advance: Decimal = Decimal(0)  # prepayment terms: paid ahead and not yet spent, which goes towards the order
    credit_terms: bool = False  # the company buys on credit (an order over the available credit is prepaid)
    overdue: Decimal = Decimal(0)  # owed past due (the summary says so; placing the order does not depend on it)


async def preview(
    session: AsyncSession, actor: Actor, settings: Settings, now: dt.datetime
) -> CheckoutPreview:
    """The checkout summary's figures, decided by the same rules `place_order` applies."""
    contents = await carts.load(session, actor)
    view = await carts.priced(session, contents, settings, now, locale=actor.locale)
    terms = await _terms(session, contents.company, view)
    return replace(terms, overdue=await accounts.overdue_of(session, contents.company, now.date()))


async def _terms(session: AsyncSession, company: Company, view: carts.CartView) -> CheckoutPreview:
    # Each is zero, with no query, on the other terms.
    credit = await accounts.available_credit(session, company)
    advance = await accounts.advance_left(session, company)
    on_credit = company.payment_terms == PaymentTerms.CREDIT and view.total <= credit
    needs_approval = company.approval_threshold is not None and view.total > company.approval_threshold
    return CheckoutPreview(view, credit, on_credit, needs_approval, advance,
                           credit_terms=company.payment_terms == PaymentTerms.CREDIT)


async def place_order(
    uow: UnitOfWork,
    actor: Actor,
    idempotency_key: str,
    settings: Settings,
    clock: Clock,
    channel: str | None = None,
    comment: str | None = None,
    *,
    expected_total: Decimal | None = None,
) -> PlacedOrder:
    """Turn the contact's cart into an order; the same key always answers with the same order.

    One order per company at a time: the company's row is locked first, which makes a double tap wait
    and then find the order its twin made, and keeps two orders from both spending the same credit or
    points. A refusal (stock, rules, expired quote, `CartChanged` when the cart no longer totals
    `expected_total`) raises, and the caller's unit of work, never committed after an error, keeps
    nothing of it. A duplicate key that slipped past the lock still ends in the existing order.

    What can be answered without the lock is answered before it: the key's order, an empty cart, lines
    no longer sold or that the stock cannot cover. Most checkouts of a product in demand end there, in one
    small statement that builds no ORM objects, so they neither queue behind the company's other orders nor
    hold a connection meanwhile.
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
    _, company_id = actor.require_contact()
    glance = await carts.glance(session, actor, key)
    if glance.order_id is not None:
        return await _replay(session, glance.order_id)
    _refuse_early(glance)
    if dialect_of(session) == "sqlite":
        await accounts.hold_company(session, company_id)
    # Read again under the lock (on PostgreSQL in the locking statement itself): what a twin that held
    # the lock before us wrote is seen here, or else meets its order's key on insert.
    contents = await carts.load(session, actor, fresh=True, order_key=key, lock_company=True)
    if contents.order_id is not None:
        return await _replay(session, contents.order_id)
    if contents.own_cart is None or not contents.lines:
        raise carts.EmptyCart("the cart is empty")
    placed = await _place(session, contents, key, settings, clock.now(), channel, comment, expected_total)
    if placed is None:  # the key's order was made meanwhile, past the lock
        replay = await _order_by_key(session, company_id, key)
        if replay is None:
            raise RuntimeError("an order's idempotency key conflicted, yet no order holds it")
        return await _replay(session, replay.id)
    return placed


def _refuse_early(glance: carts.CartGlance) -> None:
    """Refuse, before taking any lock, a cart that cannot be placed as it stands: empty, lines no longer sold,
    lines the stock cannot cover. Placing checks all of it again under the lock."""
    if not glance.lines:
        raise carts.EmptyCart("the cart is empty")
    inactive = [line.sku for line in glance.lines if not line.is_active]
    if inactive:
        raise InvalidInput("some products are no longer sold; remove them", skus=inactive)
    for line in glance.lines:
        if line.available < line.quantity:
            raise InsufficientStock(f"not enough stock of {line.sku}", sku=line.sku, name=line.name,
                                    product_id=line.product_id, requested=line.quantity, available=line.available)


async def _replay(session: AsyncSession, order_id: int) -> PlacedOrder:
    """The answer to a key already used: the order it made, created nothing now."""
    order = await session.scalar(_ORDER_BY_ID, {"order_id": order_id}, execution_options=_FRESH)
    assert order is not None  # read with its key a moment ago; orders are never deleted
    return PlacedOrder(await _summary(session, order), created=False, notifications=())


async def _place(
    session: AsyncSession,
    contents: carts.CartContents,
    key: str,
    settings: Settings,
    now: dt.datetime,
    channel: str | None,
    comment: str | None,
    expected_total: Decimal | None,
) -> PlacedOrder | None:
    """Write the order (None: its key is taken); stock is reserved last, so its row locks are held only
    until the commit that follows.

    Every order for a product in demand queues on that product's stock row: the shorter the lock, the more
    checkouts a second. Lines the stock read before any write cannot cover are refused at once, without
    queueing for the lock (the conditional UPDATE in `stock.reserve` stays what guarantees no oversell).
    Rows are written with Core statements built once (on PostgreSQL all in one): no ORM objects are built for
    what is only inserted.
    """
    company, contact, cart = contents.company, contents.contact, contents.own_cart
    assert cart is not None  # checked by the caller
    view = await carts.priced(session, contents, settings, now)
    if expected_total is not None and view.total != expected_total:
        raise CartChanged("the cart changed since its total was shown", total=str(view.total))
    priced = _priced_lines(view)  # refuse early, before any write
    for shown in view.lines:
        if shown.available < shown.quantity:
            raise InsufficientStock(f"not enough stock of {shown.sku}", sku=shown.sku, name=shown.name,
                                    product_id=shown.product_id, requested=shown.quantity, available=shown.available)
    for held in contents.lines:
        pricing.check_quantity(held.product, held.line.quantity, settings)
    delivery = view.delivery
    if cart.delivery_quote_id is not None and delivery is None:
        raise InvalidInput("the chosen delivery is no longer offered; choose delivery again")
    if delivery is not None and delivery.expired:
        raise InvalidInput("the delivery quote has expired; choose delivery again", quote_id=delivery.quote_id)
    if delivery is not None and delivery.outweighed:
        raise InvalidInput("the cart changed since delivery was quoted; choose delivery again")

    terms = await _terms(session, company, view)
    status = S.AWAITING_APPROVAL if terms.needs_approval else S.CONFIRMED
    values: dict[str, Any] = {
        "company_id": company.id,
        "contact_id": contact.id,
        "status": status,
        "payment_mode": PaymentMode.CREDIT if terms.on_credit else PaymentMode.PREPAYMENT,
        "currency": view.currency,
        "subtotal": view.subtotal,
        "discount": view.loyalty_discount,
        "delivery_cost": view.delivery_cost,
        "total": view.total,
        "points_redeemed": view.points_applied,
        "weight_kg": view.weight_kg,
        "delivery_carrier": delivery.carrier if delivery else None,
        "delivery_service": delivery.service if delivery else None,
        "delivery_destination": delivery.destination if delivery else None,
        "eta": now.date() + dt.timedelta(days=delivery.eta_max_days) if delivery else None,
        "idempotency_key": key,
        "channel": channel,
        "comment": comment or cart.comment,
        "created_at": now,
        "updated_at": now,
    }
    lines: list[dict[str, Any]] = [
        {"product_id": line.product_id, "sku": line.sku, "name": line.name, "quantity": line.quantity,
         "unit_price": unit_price, "line_total": line_total}
        for line, unit_price, line_total in priced
    ]
    written = await _write(session, values, lines, f"contact:{contact.id}", cart.id)
    if written is None:  # a duplicate key inserted nothing (and broke no transaction)
        return None
    order_id, line_ids = written
    if view.points_applied > 0:
        await loyalty.redeem_for_order(session, company.id, order_id, view.points_applied, now)
    await carts.forget_choices(session, cart)
    notifications = (
        await _approval_requests(session, order_id, values, placed_by=contact.name) if terms.needs_approval else ()
    )
    # Everything but the reservations is written before the stock rows are locked: the commit follows them.
    await session.flush()
    await _reserve(session, [(line_ids[line["product_id"]], line) for line in lines])
    summary = OrderSummary(
        id=order_id,
        approved_by_contact_id=None,
        lines=tuple(
            OrderLineView(line["product_id"], line["sku"], line["name"], line["quantity"], line["unit_price"],
                          line["line_total"])
            for line in lines
        ),
        **{name: values[name] for name in _SUMMARY_FIELDS},
    )
    return PlacedOrder(summary, created=True, notifications=notifications, advance=terms.advance)


_SUMMARY_FIELDS = (
    "company_id", "contact_id", "status", "payment_mode", "currency", "subtotal", "discount", "points_redeemed",
    "delivery_cost", "total", "weight_kg", "delivery_carrier", "delivery_service", "delivery_destination", "eta",
    "channel", "comment", "created_at",
)


async def _write(
    session: AsyncSession, order: dict[str, Any], lines: list[dict[str, Any]], actor_label: str, cart_id: int
) -> tuple[int, dict[int, int]] | None:
    """Insert the order, its lines, its first two history steps and its `order.created` outbox event, and delete
    the cart's lines: the order's id and its line ids by product, or None, writing nothing, when the order's key is
    taken (ON CONFLICT DO NOTHING). On PostgreSQL in one statement, elsewhere a statement each."""
    values = {f"order_{name}": order[name] for name in _ORDER_COLUMNS}
    now, status, eta = order["created_at"], order["status"], order["eta"]
    if dialect_of(session) == "postgresql":
        rows = (await session.execute(_WRITE_IN_ONE, {
            **values,
            "order_lines": [{**line, "unit_price": str(line["unit_price"]), "line_total": str(line["line_total"])}
                            for line in lines],  # JSON: exact decimals travel as text
            "event_at": now, "event_actor": actor_label, "event_placed": S.PLACED, "event_status": status,
            "event_eta": eta, "outbox_topic": "order.created", "outbox_at": now, "cart_id": cart_id,
            "outbox_payload": _created_payload(None, order, lines),  # the statement adds the order's id
        })).all()
        if not rows:
            return None
        return rows[0][0], {product_id: line_id for _, product_id, line_id in rows}
    order_id = await session.scalar(_INSERT_ORDER_SQLITE, values)
    if order_id is None:
        return None
    # A cart holds one line per product, so the returned ids map back by product.
    returned = await session.execute(_INSERT_LINES, [{**line, "order_id": order_id} for line in lines])
    await session.execute(_INSERT_EVENTS, [
        {"order_id": order_id, "status": S.PLACED, "at": now, "actor": actor_label, "eta": None},
        {"order_id": order_id, "status": status, "at": now, "actor": actor_label, "eta": eta},
    ])
    await session.execute(_INSERT_OUTBOX, {"topic": "order.created", "created_at": now,
                                           "payload": _created_payload(order_id, order, lines)})
    await carts.empty_lines(session, cart_id)
    return order_id, {product_id: line_id for product_id, line_id in returned}


# What placing writes, built once as Core statements on the tables: building them per call cost more than
# running them, and rows that are only inserted need no ORM objects or ORM bulk path.
_ORDERS, _ORDER_LINES, _ORDER_EVENTS, _OUTBOX = (
    table_of(model) for model in (Order, OrderLine, OrderEvent, OutboxEvent))
_ORDER_COLUMNS = (
    "company_id", "contact_id", "status", "payment_mode", "currency", "subtotal", "discount", "delivery_cost", "total",
    "points_redeemed", "weight_kg", "delivery_carrier", "delivery_service", "delivery_destination", "eta",
    "idempotency_key", "channel", "comment", "created_at", "updated_at",
)
_LINE_COLUMNS = ("product_id", "sku", "name", "quantity", "unit_price", "line_total")


def _insert_order(dialect: str) -> Insert:
    """The order's INSERT (its values named `order_<column>`); a duplicate key inserts nothing and returns no row."""
    return (
        conflict_insert(dialect)(_ORDERS)
        .values({name: bindparam(f"order_{name}") for name in _ORDER_COLUMNS})
        .on_conflict_do_nothing(index_elements=[_ORDERS.c.company_id, _ORDERS.c.idempotency_key])
        .returning(_ORDERS.c.id)
    )


def _write_in_one() -> Select[Any]:
    """PostgreSQL: `_write` as one statement of data-modifying CTEs, each writing only when the order was inserted.
    The lines come as one JSON array (`order_lines`), so one statement serves every number of lines; JSON rather
    than an array per column, whose types asyncpg would look up anew on every new connection."""
    new_order = _insert_order("postgresql").cte("new_order")
    rows = (
        func.jsonb_to_recordset(bindparam("order_lines", type_=postgresql.JSONB))
        .table_valued(*(column(name, _ORDER_LINES.c[name].type) for name in _LINE_COLUMNS))
        .render_derived(with_types=True)
    )
    new_lines = (
        insert(_ORDER_LINES)
        .from_select(["order_id", *_LINE_COLUMNS], select(new_order.c.id, *(rows.c[name] for name in _LINE_COLUMNS))
                     .select_from(new_order).join(rows, true()))
        .returning(_ORDER_LINES.c.product_id, _ORDER_LINES.c.id)
        .cte("new_lines")
    )
    event = _ORDER_EVENTS.c
    at, actor = bindparam("event_at", type_=event.at.type), bindparam("event_actor", type_=event.actor.type)
    new_events = insert(_ORDER_EVENTS).from_select(["order_id", "status", "at", "actor", "eta"], union_all(
        select(new_order.c.id, bindparam("event_placed", type_=event.status.type), at, actor, null()),
        select(new_order.c.id, bindparam("event_status", type_=event.status.type), at, actor,
               bindparam("event_eta", type_=event.eta.type)),
    )).cte("new_events")
    payload = bindparam("outbox_payload", type_=postgresql.JSONB).op("||", return_type=postgresql.JSONB)(
        func.jsonb_build_object("order_id", new_order.c.id))
    outbox_at = bindparam("outbox_at", type_=_OUTBOX.c.created_at.type)
    # Every column named: the model's Python-side defaults are not applied inside a CTE.
    new_outbox = insert(_OUTBOX).from_select(
        ["topic", "payload", "status", "attempts", "next_attempt_at", "created_at"],
        select(bindparam("outbox_topic", type_=_OUTBOX.c.topic.type), cast(payload, _OUTBOX.c.payload.type),
               literal(outbox.PENDING), literal(0), outbox_at, outbox_at),
        include_defaults=False,
    ).cte("new_outbox")
    cart_lines = table_of(CartLine)  # what `carts.empty_lines` deletes
    emptied = (
        delete(cart_lines)
        .where(cart_lines.c.cart_id == bindparam("cart_id"), exists(select(new_order.c.id)))
        .cte("emptied")
    )
    return (
        select(new_order.c.id, new_lines.c.product_id, new_lines.c.id)
        .select_from(new_order)
        .outerjoin(new_lines, true())
        .add_cte(new_events, new_outbox, emptied)
    )


_WRITE_IN_ONE = _write_in_one()
_INSERT_ORDER_SQLITE = _insert_order("sqlite")
_INSERT_LINES = insert(_ORDER_LINES).returning(_ORDER_LINES.c.product_id, _ORDER_LINES.c.id)
_INSERT_EVENTS = insert(_ORDER_EVENTS)
_INSERT_OUTBOX = insert(_OUTBOX)


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


async def _reserve(session: AsyncSession, lines: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """Hold stock for every (line id, line); lines go in product order so two orders never lock in opposite
    orders."""
    for line_id, line in sorted(lines, key=lambda pair: pair[1]["product_id"]):
        try:
            await stock.reserve_for_line(session, line_id, line["product_id"], line["quantity"])
        except InsufficientStock as short:
            raise InsufficientStock(
                f"not enough stock of {line['sku']}", sku=line["sku"], name=line["name"], **short.details
            ) from short


async def _approval_requests(
    session: AsyncSession, order_id: int, order: dict[str, Any], *, placed_by: str
) -> tuple[Notification, ...]:
    approvers = await session.scalars(
        select(Contact.id)
        .where(
            Contact.company_id == order["company_id"],
            Contact.role.in_(APPROVER_ROLES),
            Contact.is_active.is_(True),
        )
        .order_by(Contact.id)
    )
    data: dict[str, object] = {
        "order_id": order_id,
        "total": str(order["total"]),
        "currency": order["currency"],
        "placed_by": placed_by,
    }
    return tuple(Notification(contact_id, "approval_request", dict(data)) for contact_id in approvers)


def _created_payload(order_id: int | None, order: dict[str, Any], lines: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "company_id": order["company_id"],
        "contact_id": order["contact_id"],
        "status": str(order["status"]),
        "payment_mode": str(order["payment_mode"]),
        "currency": order["currency"],
        "subtotal": str(order["subtotal"]),
        "discount": str(order["discount"]),
        "delivery_cost": str(order["delivery_cost"]),
        "total": str(order["total"]),
        "delivery_carrier": order["delivery_carrier"],
        "eta": order["eta"].isoformat() if order["eta"] else None,
        "channel": order["channel"],
        "lines": [
            {"sku": line["sku"], "quantity": line["quantity"], "unit_price": str(line["unit_price"]),
             "line_total": str(line["line_total"])}
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


def _company_orders(*, of_status: bool) -> list[ColumnElement[bool]]:
    """The orders `list_orders` shows: the company's (`company_id`), of one `status` if asked."""
    conditions = [Order.company_id == bindparam("company_id")]
    if of_status:
        conditions.append(Order.status == bindparam("status"))
    return conditions


def _order_page(*, of_status: bool) -> Select[Order, int, int]:
    """A page of a company's orders, newest first, with each one's line count and the count of all matching."""
    line_count = (
        select(func.count()).select_from(OrderLine).where(OrderLine.order_id == Order.id).scalar_subquery()
    )
    return (select(Order, line_count, func.count().over())
            .where(*_company_orders(of_status=of_status))
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(bindparam("limit")).offset(bindparam("offset")))


# Built once, as the tracking statements below: "my orders" and tracking are among the most asked.
_ORDER_PAGE = _order_page(of_status=False)
_ORDER_PAGE_OF_STATUS = _order_page(of_status=True)


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
    params: dict[str, object] = {"company_id": company_id, "limit": limit, "offset": offset}
    if status is not None:
        try:
            params["status"] = OrderStatus(status)
        except ValueError:
            raise InvalidInput("unknown order status", status=str(status)) from None
    # The page and the count of all matching orders in one round trip; past the last page, counted apart.
    rows = (await session.execute(_ORDER_PAGE if status is None else _ORDER_PAGE_OF_STATUS, params)).all()
    if rows:
        total = int(rows[0][2])
    elif offset > 0:
        count = select(func.count()).select_from(Order).where(*_company_orders(of_status=status is not None))
        total = int(await session.scalar(count, params) or 0)
    else:
        total = 0
    items = tuple(
        OrderListItem(o.id, OrderStatus(o.status), o.total, o.currency, o.created_at, o.eta, int(count))
        for o, count, _ in rows
    )
    return OrderPage(items, total, limit, offset)


_EVENTS_OF_ORDER = (
    select(OrderEvent).where(OrderEvent.order_id == bindparam("order_id")).order_by(OrderEvent.at, OrderEvent.id)
)
_SHIPMENTS_OF_ORDER = select(Shipment).where(Shipment.order_id == bindparam("order_id")).order_by(Shipment.id)
_EVENTS_OF_SHIPMENTS = (
    select(ShipmentEvent)
    .where(ShipmentEvent.shipment_id.in_(bindparam("shipment_ids", expanding=True)))
    .order_by(ShipmentEvent.at, ShipmentEvent.id)
)


async def track_order(session: AsyncSession, actor: Actor, order_id: int) -> OrderTracking:
    """Where an order is: its stage history, its shipments with their stages, the latest ETA."""
    order = await _own_order(session, actor, order_id)
    events = await session.scalars(_EVENTS_OF_ORDER, {"order_id": order.id})
    stages = tuple(Stage(OrderStatus(e.status), e.at, e.note, e.eta) for e in events)
    shipments = list(await session.scalars(_SHIPMENTS_OF_ORDER, {"order_id": order.id}))
    shipment_events: dict[int, list[ShipmentStage]] = {}
    if shipments:
        rows = await session.scalars(_EVENTS_OF_SHIPMENTS, {"shipment_ids": [s.id for s in shipments]})
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
    company_id = actor.require_company()
    if actor.contact_id is None:
        company_id = (await accounts.company_of(session, actor)).id
        order = await session.scalar(
            select(Order)
            .where(Order.id == order_id, Order.company_id == company_id)
            .execution_options(populate_existing=True)
        )
    else:
        # The contact's checks (those of `accounts.company_of`) and the order in one round trip.
        row = (await session.execute(_CONTACT_AND_ORDER, {"contact_id": actor.contact_id, "order_id": order_id})
               ).first()
        if row is None or row[0] != company_id or not row[1]:
            raise AccessDenied("not your company's data")
        order = row[2]
    if order is None:
        raise NotFound("no such order", order_id=order_id)
    return order


async def _summary(session: AsyncSession, order: Order) -> OrderSummary:
    lines = await session.scalars(_LINES_OF_ORDER, {"order_id": order.id})
    return _summary_of(order, list(lines))


# Built once: a replayed key and every order shown read them.
_ORDER_BY_ID = select(Order).where(Order.id == bindparam("order_id"))
_CONTACT_AND_ORDER = (
    select(Contact.company_id, Contact.is_active, Order)
    .outerjoin(Order, and_(Order.id == bindparam("order_id"), Order.company_id == Contact.company_id))
    .where(Contact.id == bindparam("contact_id"))
    .execution_options(populate_existing=True)
)
_LINES_OF_ORDER = select(OrderLine).where(OrderLine.order_id == bindparam("order_id")).order_by(OrderLine.id)
_FRESH: dict[str, Any] = {"populate_existing": True}  # given per call: a statement copied per call loses its cache key


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
