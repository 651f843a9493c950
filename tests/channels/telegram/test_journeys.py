"""Whole journeys in Telegram: onboarding by an invite link, search, cart, delivery quote, an order placed,
a CSV order file, and the status notification received, all through the webhook and the real flows."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from core.bootstrap import Core
from core.models import CartLine, CompanyAddress, Order, OrderStatus
from core.services import invites, orders
from core.services.catalog import bump_catalog_version
from dialogs.assembly import FLOW_MODULES, Engines, build_engines, build_registry
from dialogs.state import MemoryStateStore
from dialogs.understanding import Entity, Parse
from tests.channels.telegram.conftest import Rig, load_update
from tests.factories import Build
from tests.fakes.telegram_bot_api import FakeBotApi

NLU = {
    "find paper": Parse("search_product", 0.95),
    "delivery cost": Parse("delivery_quote", 0.95),
    "checkout": Parse("checkout", 0.95),
    "10 x A4-80": Parse("add_to_cart", 0.95, (Entity("quantity", 10, 0, 2), Entity("sku", "A4-80", 5, 10))),
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
    invite_token: str


@pytest.fixture
async def shop(core: Core) -> Shop:
    async with core.uow() as uow:
        build = Build(uow.session)
        _, company, contact = await build.actor(name="Alpha Trade")
        warehouse = await build.warehouse(name="Central", city="Moscow", code="TG1")
        paper = await build.category("Paper", "Бумага")
        await build.product(sku="A4-80", name="Paper A4 80 g/m2", name_ru="Бумага офисная А4 80 г/м2", unit="pack",
                            pack_size=5, min_order_qty=5, price="300.00", category_id=paper.id,
                            stock={warehouse: 100})
        uow.session.add(CompanyAddress(company_id=company.id, label="Office", city="Kazan", line="1 Main St",
                                       is_default=True))
        await bump_catalog_version(uow.session)
        invite = await invites.create_invite(uow.session, contact.id, now=core.clock.now())
        await uow.commit()
        return Shop(contact.id, invite.token)


async def _orders(core: Core) -> list[Order]:
    async with core.uow() as uow:
        return list(await uow.session.scalars(select(Order)))


async def test_invite_search_cart_quote_order_and_status_notification(
    rig: Rig, core: Core, shop: Shop, fake_api: FakeBotApi
) -> None:
    await rig.post(load_update("message_start_invite", INVITE_TOKEN=shop.invite_token))
    assert "Welcome" in fake_api.messages(555001)[0].text

    await rig.say("find paper")
    card = "\n".join(await rig.say("paper"))  # the only product that fits: its card at once
    assert "300" in card and "A4-80" in card
    await rig.press("Add")  # the minimum: 5 packs

    await rig.say("delivery cost")
    await rig.press("Office: Kazan")
    await rig.press("1.")

    asked = await rig.say("checkout")
    assert "Chosen delivery: pickup" in "\n".join(asked)
    summary = "\n".join(await rig.press("Keep this delivery"))
    assert "1,500.00" in summary and "on credit" in summary
    confirmed = "\n".join(await rig.press("Confirm the order"))
    placed = await _orders(core)
    assert len(placed) == 1
    order = placed[0]
    assert (order.channel, order.contact_id, order.status) == ("telegram", shop.contact_id, OrderStatus.CONFIRMED)
    assert str(order.id) in confirmed and "confirmed" in confirmed

    before = len(fake_api.messages(555001))
    async with core.uow() as uow:
        change = await orders.change_status(uow, order.id, OrderStatus.IN_PRODUCTION, actor_label="staff:test",
                                            settings=core.settings, clock=core.clock)
        await uow.commit()
    await orders.send(core.notifier, change.notifications)
    notice = fake_api.messages(555001)[before:]
    assert len(notice) == 1 and f"{order.id}" in notice[0].text
    assert [title for title, _ in notice[0].buttons] == ["Track the order"]


async def test_an_uploaded_csv_becomes_cart_lines(rig: Rig, core: Core, shop: Shop, fake_api: FakeBotApi) -> None:
    await rig.post(load_update("message_start_invite", INVITE_TOKEN=shop.invite_token))
    fake_api.add_file("BQACAgIAAxkBAAIBZ2Z", b"SKU;Qty\nA4-80;20\n")
    await rig.post(load_update("document_csv"))
    assert fake_api.sent("getFile")[0].params["file_id"] == "BQACAgIAAxkBAAIBZ2Z"
    async with core.uow() as uow:
        lines = [(line.quantity) for line in await uow.session.scalars(select(CartLine))]
    assert lines == [20]
    assert "Added 1 of 1 line" in "\n".join(call.text for call in fake_api.messages(555001))


async def test_a_file_over_the_download_limit_is_refused_without_downloading(
    rig: Rig, shop: Shop, fake_api: FakeBotApi
) -> None:
    update = load_update("document_csv")
    update["message"]["document"]["file_size"] = 50 * 1024 * 1024
    await rig.post(update)
    assert fake_api.sent("getFile") == []
    assert "too big" in fake_api.messages(555001)[-1].text
