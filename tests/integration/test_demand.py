"""Demand signals: backorder requests (a signal and an outbox event), stock subscriptions (one per identity
and product, asked any number of times), and who may ask."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.bootstrap import Core
from core.domain.access import Actor
from core.errors import AccessDenied, InvalidInput, NotFound
from core.models import ChannelIdentity, DemandSignal, OutboxEvent, Product, StockSubscription, utcnow
from core.services import demand
from tests.factories import Build


async def _setup(core: Core) -> tuple[Actor, Product, int]:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, _company, contact = await build.actor()
        product = await build.product(sku="FILM-17")
        identity = ChannelIdentity(channel="telegram", external_id="42", contact_id=contact.id)
        uow.session.add(identity)
        await uow.session.flush()
        await uow.commit()
        return actor, product, identity.id


async def test_a_backorder_request_is_a_demand_signal_and_an_outbox_event(core: Core) -> None:
    actor, product, _ = await _setup(core)
    async with core.uow() as uow:
        request = await demand.request_backorder(uow.session, actor, core.settings, product.id, 40)
        await uow.commit()
    async with core.uow() as uow:
        signal = await uow.session.get(DemandSignal, request.signal_id)
        events = (await uow.session.scalars(select(OutboxEvent))).all()
    assert signal is not None
    assert (signal.kind, signal.product_id, signal.quantity, signal.company_id) == (
        "backorder", product.id, 40, actor.company_id)
    assert [(e.topic, e.payload["sku"], e.payload["quantity"]) for e in events] == [
        ("backorder.requested", "FILM-17", 40)]


@pytest.mark.parametrize("quantity", [0, -5, 10**9])
async def test_absurd_backorder_quantities_are_refused_and_write_nothing(core: Core, quantity: int) -> None:
    actor, product, _ = await _setup(core)
    async with core.uow() as uow:
        with pytest.raises(InvalidInput):
            await demand.request_backorder(uow.session, actor, core.settings, product.id, quantity)
    async with core.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(DemandSignal)) == 0


async def test_guests_and_unknown_products_cannot_backorder(core: Core) -> None:
    actor, _product, _ = await _setup(core)
    async with core.uow() as uow:
        with pytest.raises(AccessDenied):
            await demand.request_backorder(uow.session, Actor.guest(), core.settings, _product.id, 1)
        with pytest.raises(NotFound):
            await demand.request_backorder(uow.session, actor, core.settings, 999_999, 1)


async def test_subscribing_twice_keeps_one_subscription_and_reopens_a_notified_one(core: Core) -> None:
    actor, product, identity_id = await _setup(core)
    for _ in range(2):
        async with core.uow() as uow:
            first = await demand.subscribe_to_stock(uow.session, actor, identity_id, product.id)
            await uow.commit()
    assert first.created is False
    async with core.uow() as uow:
        rows = (await uow.session.scalars(select(StockSubscription))).all()
        assert len(rows) == 1
        rows[0].notified_at = utcnow()
        await uow.commit()
    async with core.uow() as uow:
        again = await demand.subscribe_to_stock(uow.session, actor, identity_id, product.id)
        await uow.commit()
    async with core.uow() as uow:
        row = await uow.session.get(StockSubscription, again.id)
    assert again.created is True and row is not None and row.notified_at is None


async def test_someone_elses_identity_cannot_be_subscribed(core: Core) -> None:
    _actor, product, identity_id = await _setup(core)
    async with core.uow() as uow:
        other, _company, _contact = await Build(uow.session).actor()
        await uow.commit()
    async with core.uow() as uow:
        with pytest.raises(AccessDenied):
            await demand.subscribe_to_stock(uow.session, other, identity_id, product.id)
        with pytest.raises(AccessDenied):
            await demand.subscribe_to_stock(uow.session, Actor.guest(), identity_id, product.id)
    async with core.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(StockSubscription)) == 0
