"""Whole journeys in WhatsApp, through the webhook, the real flows and the fake Graph API: a customer signed in
by their number searches, fills the cart, gets a delivery quote and places an order, then hears of its status;
an order from the WhatsApp catalogue and an uploaded CSV become cart lines."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from core.bootstrap import Core
from core.models import CartLine, CompanyAddress, Order, OrderStatus
from core.services import orders
from core.services.catalog import bump_catalog_version
from dialogs.assembly import FLOW_MODULES, Engines, build_engines, build_registry
from dialogs.state import MemoryStateStore
from dialogs.understanding import Parse
from tests.channels.whatsapp.conftest import WA_ID, Rig, load_payload, message_of, sign
from tests.factories import Build

NLU = {
    "find paper": Parse("search_product", 0.95),
    "delivery cost": Parse("delivery_quote", 0.95),
    "checkout": Parse("checkout", 0.95),
}


class TableUnderstand:
    async def __call__(self, text: str, locale: str) -> Parse:
        return NLU.get(text, Parse("nlu_fallback", 0.1))


@pytest.fixture
def engines(core: Core) -> Engines:
    return build_engines(TableUnderstand(), MemoryStateStore(clock=core.clock), registry=build_registry(FLOW_MODULES),
                         clock=core.clock)


@dataclass
class Shop:
    contact_id: int


@pytest.fixture
async def shop(core: Core) -> Shop:
    async with core.uow() as uow:
        build = Build(uow.session)
        company = await build.company(name="Alpha Trade")
        contact = await build.contact(company, phone=f"+{WA_ID}")
        warehouse = await build.warehouse(name="Central", city="Moscow", code="WA1")
        paper = await build.category("Paper", "Бумага")
        await build.product(sku="A4-80", name="Paper A4 80 g/m2", name_ru="Бумага офисная А4 80 г/м2", unit="pack",
                            pack_size=5, min_order_qty=5, price="300.00", category_id=paper.id,
                            stock={warehouse: 100})
        uow.session.add(CompanyAddress(company_id=company.id, label="Office", city="Kazan", line="1 Main St",
                                       is_default=True))
        await bump_catalog_version(uow.session)
        await uow.commit()
        return Shop(contact.id)


async def _orders(core: Core) -> list[Order]:
    async with core.uow() as uow:
        return list(await uow.session.scalars(select(Order)))


async def _checkout(rig: Rig, core: Core, shop: Shop) -> Order:
    asked = await rig.say("checkout")
    assert "Chosen delivery: pickup" in "\n".join(asked)
    summary = "\n".join(await rig.press("Keep this delivery"))
    assert "on credit" in summary
    confirmed = "\n".join(await rig.press("Confirm the order"))
    placed = await _orders(core)
    assert len(placed) == 1
    order = placed[0]
    assert (order.channel, order.contact_id, order.status) == ("whatsapp", shop.contact_id, OrderStatus.CONFIRMED)
    assert str(order.id) in confirmed and "confirmed" in confirmed
    # A second tap on the confirm button creates no second order.
    await rig.press("Confirm the order")
    assert len(await _orders(core)) == 1
    return order


async def test_search_cart_quote_order_and_status_notification(rig: Rig, core: Core, shop: Shop) -> None:
    await rig.say("find paper")
    card = "\n".join(await rig.say("paper"))  # the only product that fits: its card at once
    assert "300" in card and "A4-80" in card
    await rig.press("Add")  # the minimum: 5 packs

    await rig.say("delivery cost")
    await rig.press("Office: Kazan")
    await rig.press("1.")

    order = await _checkout(rig, core, shop)
    assert order.total is not None and "1,500.00" in f"{order.total:,.2f}"

    before = len(rig.api.sent(WA_ID))
    async with core.uow() as uow:
        change = await orders.change_status(uow, order.id, OrderStatus.IN_PRODUCTION, actor_label="staff:test",
                                            settings=core.settings, clock=core.clock)
        await uow.commit()
    await orders.send(core.notifier, change.notifications)
    notice = rig.api.sent(WA_ID)[before:]
    assert len(notice) == 1 and notice[0].type == "interactive" and f"{order.id}" in notice[0].text
    assert [title for title, _ in notice[0].buttons] == ["Track the order"]
    tracked = await rig.press("Track the order")
    assert str(order.id) in "\n".join(tracked)


async def test_an_order_from_the_whatsapp_catalogue_fills_the_cart_and_is_placed(
    rig: Rig, core: Core, shop: Shop
) -> None:
    answer = await rig.exchange(load_payload("order"))
    assert "Added 1 of 1 line" in "\n".join(call.text for call in answer)
    async with core.uow() as uow:
        lines = [line.quantity for line in await uow.session.scalars(select(CartLine))]
    assert lines == [20]
    await rig.say("delivery cost")
    await rig.press("Office: Kazan")
    await rig.press("1.")
    order = await _checkout(rig, core, shop)
    assert order.total is not None and order.total > 0


async def test_a_catalogue_order_with_an_unknown_product_adds_nothing_of_it(rig: Rig, core: Core, shop: Shop) -> None:
    body = load_payload("order")
    message_of(body)["order"]["product_items"][0]["product_retailer_id"] = "NO-SUCH-SKU"
    await rig.exchange(body)
    async with core.uow() as uow:
        assert list(await uow.session.scalars(select(CartLine))) == []


async def test_an_uploaded_csv_becomes_cart_lines(rig: Rig, core: Core, shop: Shop) -> None:
    rig.api.add_file("1003383421387256", b"SKU;Qty\nA4-80;20\n")
    sent = await rig.exchange(load_payload("document_csv"))
    assert [c.kind for c in rig.api.calls if c.kind in ("media_info", "download")] == ["media_info", "download"]
    async with core.uow() as uow:
        lines = [line.quantity for line in await uow.session.scalars(select(CartLine))]
    assert lines == [20]
    assert "Added 1 of 1 line" in "\n".join(call.text for call in sent)


async def test_a_file_over_the_download_limit_is_refused_without_downloading(rig: Rig, shop: Shop) -> None:
    rig.api.add_file("1003383421387256", b"SKU;Qty\nA4-80;20\n", size=50 * 1024 * 1024)
    sent = await rig.exchange(load_payload("document_csv"))
    assert [c.kind for c in rig.api.calls if c.kind == "download"] == []
    assert "too big" in sent[-1].text


async def test_a_redelivered_catalogue_order_adds_once(rig: Rig, core: Core, shop: Shop) -> None:
    raw = json.dumps(load_payload("order")).encode()
    for _ in range(2):
        assert (await rig.post(raw, signature=sign(raw))).status_code == 200
    async with core.uow() as uow:
        lines = [line.quantity for line in await uow.session.scalars(select(CartLine))]
    assert lines == [20]
