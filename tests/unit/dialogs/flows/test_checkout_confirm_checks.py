"""The confirm button carries the total the client saw: a cart changed since is shown again under a new key,
and nothing is placed until the new total is confirmed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.bootstrap import Core
from core.messaging import encode_payload
from core.models import Order, StockReservation
from core.services import cart as carts
from dialogs.flows.cart import CHECKOUT_ACTION
from dialogs.understanding import Entity, Parse
from tests.unit.dialogs.flows.conftest import ChatMaker, Shop, button, rub

CONFIRM = "Confirm the order"
NLU = {
    "checkout": Parse("checkout", 0.95),
    "add 10 A4-80": Parse("add_to_cart", 0.95, (Entity("quantity", 10, 4, 6), Entity("sku", "A4-80", 7, 12))),
}


async def _count(core: Core, model: type) -> int:
    async with core.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_cart_changed_after_the_summary_is_shown_again_and_placed_only_when_confirmed_again(
    core: Core, shop: Shop, chat_for: ChatMaker
) -> None:
    chat = await chat_for(shop.actor, "en", NLU)
    await chat.send("add 10 A4-80")
    await chat.send("checkout")
    await chat.press("No delivery (pickup)")
    seen = button(chat.last, CONFIRM).payload
    assert rub("3000", "en") in chat.text
    async with core.uow() as uow:  # another messenger of the same purchaser grows the cart meanwhile
        await carts.set_quantity(uow.session, shop.actor, core.settings, shop.products["a4"].id, 20)
        await uow.commit()

    await chat.press_payload(seen)
    assert "Your cart changed since the summary" in chat.text and rub("6000", "en") in chat.text
    assert await _count(core, Order) == 0 and await _count(core, StockReservation) == 0
    fresh = button(chat.last, CONFIRM).payload
    assert fresh != seen

    await chat.press_payload(fresh)
    async with core.uow() as uow:
        placed = list(await uow.session.scalars(select(Order)))
    assert [order.total for order in placed] == [6000]
    assert str(placed[0].id) in chat.text


@pytest.mark.parametrize("shown", ["not-a-number", "2999.99"])
async def test_a_confirm_carrying_another_total_places_nothing(
    core: Core, shop: Shop, chat_for: ChatMaker, shown: str
) -> None:
    chat = await chat_for(shop.actor, "en", NLU)
    await chat.send("add 10 A4-80")
    await chat.press_payload(encode_payload(CHECKOUT_ACTION, "forged-key", shown))
    assert "Your cart changed since the summary" in chat.text and rub("3000", "en") in chat.text
    assert await _count(core, Order) == 0
