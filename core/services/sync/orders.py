"""Orders both ways: status updates from the accounting system (stage, ETA, shipment tracking), and
the export of new and changed orders, read by a cursor that the consumer acknowledges."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import StringConstraints
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.errors import DomainError, InvalidInput
from core.models import ExportCursor, Order, OrderEvent, OrderLine, OrderStatus, PaymentMode, Shipment, ShipmentEvent
from core.ports import Clock, Notification
from core.services import orders
from core.services.orders import OrderLineView, OrderSummary
from core.services.sync.common import BatchResult, Key, Positive, SyncRow, chunks, start
from core.uow import UnitOfWork

ORDERS_STREAM = "orders"
MAX_EXPORT_PAGE = 500

Note = Annotated[str, StringConstraints(max_length=500, pattern=r"^[^\x00]*$")]
Tracking = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00]+$")]
Word = Annotated[str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True, pattern=r"^[^\x00]+$")]


class ShipmentUpdate(SyncRow):
    """Tracking of one shipment of the order, matched by `external_id`, else by carrier and number."""

    external_id: Key | None = None
    carrier: Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=r"^[^\x00]+$")]
    tracking_number: Tracking | None = None
    stage: Word = "created"
    eta: dt.date | None = None
    location: Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00]*$")] | None = None


class StatusUpdateRow(SyncRow):
    order_id: Positive
    status: OrderStatus
    note: Note | None = None
    eta: dt.date | None = None
    shipment: ShipmentUpdate | None = None


@dataclass(frozen=True, slots=True)
class StatusUpdates:
    result: BatchResult
    notifications: tuple[Notification, ...]  # send after the commit, with `orders.send`


async def apply_status_updates(
    uow: UnitOfWork, rows: Sequence[StatusUpdateRow], *, actor_label: str, settings: Settings, clock: Clock
) -> StatusUpdates:
    """Move orders through their stages. A status the order already passed through is a no-op, so a
    repeated batch changes nothing; an impossible move is refused for that row only."""
    session = uow.session
    batch = start(rows, key=lambda r: (r.order_id, r.status.value))
    notifications: list[Notification] = []
    changed = 0
    for index, row in enumerate(rows):
        if not batch.ok(index):
            continue
        label = f"{row.order_id}/{row.status.value}"
        reached = await session.scalar(
            select(exists().where(OrderEvent.order_id == row.order_id, OrderEvent.status == row.status))
        )
        current = await session.scalar(select(Order.status).where(Order.id == row.order_id))
        if current is None:
            batch.reject(index, label, f"unknown order {row.order_id}")
            continue
        try:
            tracking = await _track(session, row, clock.now()) if row.shipment else False
        except DomainError as error:
            batch.reject(index, label, error.message)
            continue
        if reached or current == row.status:
            if tracking:
                changed += 1
            else:
                batch.unchanged += 1
            continue
        try:
            change = await orders.change_status(
                uow, row.order_id, row.status, actor_label=actor_label, settings=settings, clock=clock,
                note=row.note, eta=row.eta or (row.shipment.eta if row.shipment else None),
            )
        except DomainError as error:
            batch.reject(index, label, error.message)
            continue
        changed += 1
        shipment = row.shipment
        extra: dict[str, object] = {}
        if shipment is not None:
            extra = {"carrier": shipment.carrier, "tracking_number": shipment.tracking_number}
        notifications.extend(Notification(n.contact_id, n.kind, {**n.data, **extra}) for n in change.notifications)
    result = batch.result()
    return StatusUpdates(
        BatchResult(result.received, 0, changed, result.unchanged, result.rejected), tuple(notifications)
    )


async def _track(session: AsyncSession, row: StatusUpdateRow, now: dt.datetime) -> bool:
    """Create or move the row's shipment; True when anything changed."""
    update = row.shipment
    assert update is not None
    query = select(Shipment).where(Shipment.order_id == row.order_id)
    if update.external_id is not None:
        query = select(Shipment).where(Shipment.external_id == update.external_id)
    else:
        query = query.where(Shipment.carrier == update.carrier, Shipment.tracking_number == update.tracking_number)
    shipment = await session.scalar(query.limit(1))
    if shipment is not None and shipment.order_id != row.order_id:
        raise InvalidInput("the shipment belongs to another order", shipment=update.external_id)
    if shipment is None:
        shipment = Shipment(order_id=row.order_id, carrier=update.carrier, tracking_number=update.tracking_number,
                            stage=update.stage, eta=update.eta, external_id=update.external_id)
        session.add(shipment)
        await session.flush()
    elif (shipment.stage, shipment.eta, shipment.tracking_number) == (update.stage, update.eta,
                                                                      update.tracking_number):
        return False
    else:
        moved = shipment.stage != update.stage
        shipment.stage, shipment.eta, shipment.tracking_number = update.stage, update.eta, update.tracking_number
        if not moved:
            await session.flush()
            return True
    session.add(ShipmentEvent(shipment_id=shipment.id, stage=update.stage, at=now, location=update.location))
    await session.flush()
    return True


# --- export ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportPage:
    items: tuple[OrderSummary, ...]
    cursor: str  # pass as `after` for the next page, and acknowledge it once the page is stored
    has_more: bool


def encode_cursor(at: dt.datetime, order_id: int) -> str:
    return base64.urlsafe_b64encode(f"{at.astimezone(dt.UTC).isoformat()}|{order_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        at, order_id = base64.b64decode(cursor.encode(), altchars=b"-_", validate=True).decode().split("|")
        moment = dt.datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment, int(order_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("the cursor is not one this API gave out", cursor=cursor[:100]) from None


async def export_orders(
    session: AsyncSession,
    *,
    consumer: str,
    after: str | None = None,
    limit: int = 100,
    settled_before: dt.datetime | None = None,
) -> ExportPage:
    """Orders created or changed after `after` (default: what `consumer` acknowledged last), oldest first.

    With `settled_before`, younger changes wait for a later call: a change stamped earlier but committed
    later than one already exported would otherwise fall behind the cursor and never be seen.
    """
    if not 1 <= limit <= MAX_EXPORT_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_EXPORT_PAGE}", limit=limit)
    if after is None:
        after = await session.scalar(
            select(ExportCursor.position).where(ExportCursor.consumer == consumer, ExportCursor.stream == ORDERS_STREAM)
        )
    query = select(Order)
    if settled_before is not None:
        query = query.where(Order.updated_at <= settled_before)
    if after:
        at, order_id = decode_cursor(after)
        query = query.where(or_(Order.updated_at > at, and_(Order.updated_at == at, Order.id > order_id)))
    found = list(await session.scalars(query.order_by(Order.updated_at, Order.id).limit(limit + 1)))
    page = found[:limit]
    lines = await load_lines(session, [o.id for o in page])
    cursor = encode_cursor(page[-1].updated_at, page[-1].id) if page else (after or "")
    return ExportPage(tuple(order_summary(o, lines.get(o.id, [])) for o in page), cursor, len(found) > limit)


async def acknowledge(session: AsyncSession, *, consumer: str, cursor: str, now: dt.datetime) -> None:
    """Remember that `consumer` has stored everything up to `cursor`: the next export starts after it."""
    decode_cursor(cursor)
    row = await session.get(ExportCursor, (consumer, ORDERS_STREAM))
    if row is None:
        session.add(ExportCursor(consumer=consumer, stream=ORDERS_STREAM, position=cursor, acknowledged_at=now))
    else:
        row.position, row.acknowledged_at = cursor, now
    await session.flush()


async def load_lines(session: AsyncSession, order_ids: Sequence[int]) -> dict[int, list[OrderLineView]]:
    lines: dict[int, list[OrderLineView]] = {}
    for part in chunks(list(order_ids)):
        for line in await session.scalars(
            select(OrderLine).where(OrderLine.order_id.in_(part)).order_by(OrderLine.id)
        ):
            lines.setdefault(line.order_id, []).append(
                OrderLineView(line.product_id, line.sku, line.name, line.quantity, line.unit_price, line.line_total)
            )
    return lines


def order_summary(order: Order, lines: Sequence[OrderLineView]) -> OrderSummary:
    return OrderSummary(
        id=order.id, company_id=order.company_id, contact_id=order.contact_id, status=OrderStatus(order.status),
        payment_mode=PaymentMode(order.payment_mode), currency=order.currency, subtotal=order.subtotal,
        discount=order.discount, points_redeemed=order.points_redeemed, delivery_cost=order.delivery_cost,
        total=order.total, weight_kg=order.weight_kg, delivery_carrier=order.delivery_carrier,
        delivery_service=order.delivery_service, delivery_destination=order.delivery_destination, eta=order.eta,
        channel=order.channel, comment=order.comment, created_at=order.created_at,
        approved_by_contact_id=order.approved_by_contact_id, lines=tuple(lines),
    )


