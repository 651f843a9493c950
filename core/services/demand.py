"""Demand for goods that are not there: backorder requests and "tell me when it is back" subscriptions.

A backorder request is a `DemandSignal(kind="backorder")` plus a `backorder.requested` outbox event, so
the supplier's purchasing hears of it; a subscription is one `StockSubscription` per messenger identity
and product, asked for any number of times.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.db import conflict_insert, dialect_of
from core.domain.access import Actor
from core.errors import AccessDenied, InvalidInput, NotFound
from core.models import ChannelIdentity, DemandSignal, Product, StockSubscription, utcnow
from core.services import accounts, outbox

BACKORDER_TOPIC = "backorder.requested"


@dataclass(frozen=True, slots=True)
class BackorderRequest:
    signal_id: int
    product_id: int
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    product_id: int
    sku: str
    created: bool  # False: the identity was already waiting for this product


async def request_backorder(
    session: AsyncSession, actor: Actor, settings: Settings, product_id: int, quantity: int
) -> BackorderRequest:
    """Record that the actor's company wants `quantity` of a product that is short."""
    contact_id, _ = actor.require_contact()
    company = await accounts.company_of(session, actor)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 < quantity <= settings.max_line_quantity:
        raise InvalidInput(
            "the quantity must be a whole number from 1", quantity=quantity, maximum=settings.max_line_quantity
        )
    product = await _active_product(session, product_id)
    now = utcnow()
    signal = DemandSignal(
        kind="backorder",
        company_id=company.id,
        contact_id=contact_id,
        product_id=product.id,
        quantity=quantity,
        created_at=now,
    )
    session.add(signal)
    await session.flush()
    await outbox.add_event(
        session,
        BACKORDER_TOPIC,
        {
            "demand_signal_id": signal.id,
            "company_id": company.id,
            "contact_id": contact_id,
            "product_id": product.id,
            "sku": product.sku,
            "quantity": quantity,
        },
        now=now,
    )
    return BackorderRequest(signal.id, product.id, product.sku, quantity)


async def subscribe_to_stock(session: AsyncSession, actor: Actor, identity_id: int, product_id: int) -> Subscription:
    """Notify this messenger identity when the product is back; asking again changes nothing.

    The identity must be the actor's own (a guest's identity is linked to no contact). A subscription
    that was already notified is opened again.
    """
    identity = await session.get(ChannelIdentity, identity_id)
    if identity is None or identity.contact_id != actor.contact_id:
        raise AccessDenied("not your messenger identity")
    product = await _active_product(session, product_id)
    # ON CONFLICT DO NOTHING: two taps racing must not abort the caller's transaction.
    inserted = await session.execute(
        conflict_insert(dialect_of(session))(StockSubscription)
        .values(product_id=product.id, identity_id=identity_id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=[StockSubscription.product_id, StockSubscription.identity_id])
        .returning(StockSubscription.id)
    )
    new_id = inserted.scalar_one_or_none()
    row = await session.scalar(
        select(StockSubscription)
        .where(StockSubscription.product_id == product.id, StockSubscription.identity_id == identity_id)
        .execution_options(populate_existing=True)
    )
    assert row is not None  # inserted now or before
    reopened = row.notified_at is not None
    if reopened:
        row.notified_at = None
        await session.flush()
    return Subscription(row.id, product.id, product.sku, created=new_id is not None or reopened)


async def _active_product(session: AsyncSession, product_id: int) -> Product:
    if isinstance(product_id, bool) or not isinstance(product_id, int):
        raise InvalidInput("a product id is a whole number", product_id=product_id)
    product = await session.get(Product, product_id)
    if product is None or not product.is_active:
        raise NotFound("no such product", product_id=product_id)
    return product
