"""Order journeys through the gateway, in English and Russian: list with paging, tracking, cancelling, repeating."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bots.gateway import Gateway
from core.bootstrap import Core
from core.models import CartLine, Order, OrderStatus, Shipment, ShipmentEvent
from core.services import conversations
from dialogs.flows.orders import parse_order_number
from tests.factories import Build
from tests.gateway_harness import ChatUser, engines_for_tests

WORDS = {
    "en": {"orders": "my orders", "more": "More orders", "cancel": "Cancel this order", "yes": "Yes, cancel it",
           "repeat": "repeat my last order", "added": "Added to your cart", "cart": "Open the cart",
           "shipped": "shipped", "expected": "Expected delivery"},
    "ru": {"orders": "мои заказы", "more": "Ещё заказы", "cancel": "Отменить заказ", "yes": "Да, отменить",
           "repeat": "повтори заказ", "added": "Добавлено в корзину", "cart": "Открыть корзину",
           "shipped": "отгружен", "expected": "Ожидаемая доставка"},
}


@dataclass(frozen=True)
class Shop:
    contact_id: int
    orders: tuple[int, ...]  # oldest first
    shipped: int


@pytest.fixture
async def shop(core: Core) -> Shop:
    async with core.uow() as uow:
        build = Build(uow.session)
        _, company, contact = await build.actor()
        product = await build.product(price="10.00", sku="A4-80")
        ids = [(await build.order(company, contact, lines=[(product, 2 + i, "10.00")])).id for i in range(6)]
        shipped = await build.order(company, contact, lines=[(product, 5, "10.00")], status=OrderStatus.SHIPPED,
                                    eta=dt.date.today() + dt.timedelta(days=2))
        shipment = Shipment(order_id=shipped.id, carrier="courier", tracking_number="TRK-1", stage="in_transit",
                            eta=dt.date.today() + dt.timedelta(days=2))
        uow.session.add(shipment)
        await uow.session.flush()
        uow.session.add(ShipmentEvent(shipment_id=shipment.id, stage="in_transit", location="Tver"))
        await uow.commit()
        return Shop(contact.id, tuple(ids), shipped.id)


async def user_in(core: Core, contact_id: int, locale: str) -> ChatUser:
    async with core.uow() as uow:
        identity = await conversations.resolve_identity(uow.session, "test", f"o-{locale}", now=core.clock.now())
        await conversations.link_identity(uow.session, identity.id, contact_id)
        await uow.commit()
    return ChatUser(Gateway(core, engines_for_tests(core)), user_id=f"o-{locale}", locale_hint=locale)


@pytest.mark.parametrize("raw", ["1234", "#1234", "№ 1234", "B2B-1234", "order 1234"])
def test_order_numbers_are_read_in_their_usual_shapes(raw: str) -> None:
    assert parse_order_number(raw) == 1234


def test_no_number_or_two_numbers_is_not_an_order_number() -> None:
    assert parse_order_number("the big one") is None and parse_order_number("12 and 13") is None


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_my_orders_pages_through_every_order(core: Core, shop: Shop, locale: str) -> None:
    user = await user_in(core, shop.contact_id, locale)
    first = await user.say(WORDS[locale]["orders"])
    second = await user.press(WORDS[locale]["more"])
    shown = {n for n in [*shop.orders, shop.shipped] if f"№{n} " in first or f"№{n} " in second}
    assert shown == {*shop.orders, shop.shipped}
    assert WORDS[locale]["more"] not in second


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_tracking_shows_stages_shipment_and_eta(core: Core, shop: Shop, locale: str) -> None:
    user = await user_in(core, shop.contact_id, locale)
    reply = await user.say(f"track {shop.shipped}")
    assert WORDS[locale]["shipped"] in reply and "TRK-1" in reply and "Tver" in reply
    assert WORDS[locale]["expected"] in reply
    assert WORDS[locale]["cancel"] not in reply  # shipped orders cannot be cancelled by the client


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_cancelling_a_placed_order_from_tracking(core: Core, shop: Shop, locale: str) -> None:
    user = await user_in(core, shop.contact_id, locale)
    await user.say(f"track {shop.orders[0]}")
    await user.press(WORDS[locale]["cancel"])
    done = await user.press(WORDS[locale]["yes"])
    assert f"№{shop.orders[0]}" in done
    async with core.uow() as uow:
        status = await uow.session.scalar(select(Order.status).where(Order.id == shop.orders[0]))
    assert status == OrderStatus.CANCELLED


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_repeating_the_last_order_fills_the_cart_and_offers_cart_and_checkout(core: Core, shop: Shop,
                                                                                     locale: str) -> None:
    user = await user_in(core, shop.contact_id, locale)
    reply = await user.say(WORDS[locale]["repeat"])
    assert WORDS[locale]["added"] in reply and "A4-80" in reply and WORDS[locale]["cart"] in reply
    async with core.uow() as uow:
        quantities = list(await uow.session.scalars(select(CartLine.quantity)))
    assert quantities == [5]  # the newest order not cancelled is the shipped one, of 5


async def test_tracking_asks_for_the_number_and_rejects_nonsense(core: Core, shop: Shop) -> None:
    user = await user_in(core, shop.contact_id, "en")
    assert "Which order" in await user.say("where is my order")
    assert "I need an order number" in await user.say("the blue one")
    assert f"Order №{shop.orders[1]}" in await user.say(str(shop.orders[1]))
