"""Changing the cart by typing, with the real embedded NLU, in English and in Russian: a line removed or its
quantity changed by the product's name or SKU, and the cart cleared after a confirmation.

The world is the demo supplier (seed 1), as in test_journeys.py: its buyer and its catalogue.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import delete, select

from b2bot.bootstrap import Runtime, build_runtime
from core.bootstrap import Core
from core.demo import DEMO_BUYER, seed_demo_data
from core.models import Cart, CartLine, Contact, Product
from core.services import conversations
from dialogs.assembly import NluUnderstand, product_index
from dialogs.i18n import t
from nlu.backends import EmbeddedBackend
from tests.gateway_harness import ChatUser

SAY = {
    "en": {"remove tape": "remove tape from cart", "paper to 20": "change paper to 20 packs",
           "remove sku": "please remove A4-80 from my cart", "clear": "clear my cart"},
    "ru": {"remove tape": "убери скотч", "paper to 20": "измени количество бумаги на 20",
           "remove sku": "удали A4-80 из корзины", "clear": "очистить корзину"},
}


@pytest.fixture(scope="session")
def nlu(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedBackend:
    """The embedded NLU trained on nlu/data once for the run (the product names come per test)."""
    return EmbeddedBackend.from_data_dir(cache_dir=tmp_path_factory.mktemp("cart-by-text-nlu"))


@dataclass
class World:
    runtime: Runtime
    core: Core
    buyer: Contact

    async def buyer_in_chat(self, locale: str) -> ChatUser:
        """The demo buyer on a messenger in `locale`, with an empty cart."""
        user = ChatUser(self.runtime.gateway, user_id=f"buyer-{locale}", locale_hint=locale)
        async with self.core.uow() as uow:
            identity = await conversations.resolve_identity(uow.session, user.channel, user.user_id,
                                                            now=self.core.clock.now())
            await conversations.link_identity(uow.session, identity.id, self.buyer.id)
            cart_ids = select(Cart.id).where(Cart.contact_id == self.buyer.id)
            await uow.session.execute(delete(CartLine).where(CartLine.cart_id.in_(cart_ids)))
            await uow.commit()
        return user

    async def cart(self) -> dict[str, int]:
        async with self.core.uow() as uow:
            rows = await uow.session.execute(
                select(Product.sku, CartLine.quantity)
                .join(CartLine, CartLine.product_id == Product.id)
                .join(Cart, Cart.id == CartLine.cart_id)
                .where(Cart.contact_id == self.buyer.id)
            )
            return {sku: quantity for sku, quantity in rows}


@pytest.fixture
async def world(core: Core, nlu: EmbeddedBackend) -> AsyncIterator[World]:
    await seed_demo_data(core.uow, seed=1, products=300, companies=4)
    nlu.set_products(await product_index(core.uow))
    runtime = await build_runtime(core.settings, core=core, understand=NluUnderstand(nlu))
    async with core.uow() as uow:
        buyer = await uow.session.scalar(select(Contact).where(Contact.email == DEMO_BUYER))
    assert buyer is not None
    yield World(runtime, core, buyer)
    for closer in runtime.closers:  # the core is the `core` fixture's to close
        await closer()


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_a_line_is_removed_and_a_quantity_changed_by_typing(world: World, locale: str) -> None:
    user = await world.buyer_in_chat(locale)
    await user.say("A4-80 10\nTAPE-48-66 6\nPEN-BLUE 50")
    assert await world.cart() == {"A4-80": 10, "TAPE-48-66": 6, "PEN-BLUE": 50}
    reply = await user.say(SAY[locale]["remove tape"])
    assert await world.cart() == {"A4-80": 10, "PEN-BLUE": 50}, reply
    assert t(locale, "cart.removed") in reply
    reply = await user.say(SAY[locale]["paper to 20"])
    assert await world.cart() == {"A4-80": 20, "PEN-BLUE": 50}, reply
    reply = await user.say(SAY[locale]["remove sku"])
    assert await world.cart() == {"PEN-BLUE": 50}, reply


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_the_cart_is_cleared_by_typing_after_a_yes(world: World, locale: str) -> None:
    user = await world.buyer_in_chat(locale)
    await user.say("A4-80 10\nTAPE-48-66 6")
    reply = await user.say(SAY[locale]["clear"])
    assert t(locale, "cart.clear.ask") in reply
    assert await world.cart() == {"A4-80": 10, "TAPE-48-66": 6}
    await user.press(t(locale, "common.yes"))
    assert await world.cart() == {}
    assert t(locale, "errors.cart_empty") in await user.say(SAY[locale]["clear"])
