"""Delivery quotes in conversation: from a saved address or a typed city, options compared and tagged, one
chosen into the cart."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.bootstrap import Core
from core.models import Cart, DeliveryQuote
from dialogs.understanding import Entity, Parse
from tests.unit.dialogs.flows.conftest import ChatMaker, Shop

NLU = {
    "10 x A4-80": Parse("add_to_cart", 0.95, (Entity("quantity", 10, 0, 2), Entity("sku", "A4-80", 5, 10))),
    "delivery cost": Parse("delivery_quote", 0.95),
    "delivery to Kazan": Parse("delivery_quote", 0.95, (Entity("city", "Казань", 12, 17),)),
    "до Казани": Parse("nlu_fallback", 0.3, (Entity("city", "Казань", 3, 9),)),
    "в Нижнекамск": Parse("nlu_fallback", 0.3),
}
CHEAPEST = {"en": "cheapest", "ru": "дешевле всех"}


async def _chosen_quote(core: Core) -> DeliveryQuote | None:
    async with core.uow() as uow:
        quote_id = await uow.session.scalar(select(Cart.delivery_quote_id))
        return await uow.session.get(DeliveryQuote, quote_id) if quote_id else None


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_a_saved_address_gets_compared_options_and_the_choice_goes_to_the_cart(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("10 x A4-80")
    await chat.send("delivery cost")
    await chat.press("Office: Kazan")
    assert CHEAPEST[locale] in chat.text
    await chat.press("1.")
    quote = await _chosen_quote(core)
    assert quote is not None and quote.company_id == shop.company.id
    assert quote.carrier in chat.text


async def test_a_typed_city_is_quoted_straight_away(core: Core, shop: Shop, chat_for: ChatMaker) -> None:
    chat = await chat_for(shop.actor, "en", NLU)
    await chat.send("10 x A4-80")
    await chat.send("delivery to Kazan")
    assert "Казань" in chat.text and "cheapest" in chat.text
    # Kazan has no pickup point: the one in Moscow is offered by name, and wins no tag.
    pickup = next(line for line in chat.text.splitlines() if "pickup at" in line)
    assert "Central" in pickup and "Moscow" in pickup and "cheapest" not in pickup
    assert await _chosen_quote(core) is None


async def test_a_city_named_alone_is_a_quote(shop: Shop, chat_for: ChatMaker) -> None:
    chat = await chat_for(shop.actor, "ru", NLU)
    await chat.send("10 x A4-80")
    await chat.send("до Казани")  # no intent was sure, but a city is named
    assert "Доставка: Казань" in chat.text and CHEAPEST["ru"] in chat.text


async def test_a_city_the_nlu_does_not_know_is_quoted_without_its_preposition(
    shop: Shop, chat_for: ChatMaker
) -> None:
    chat = await chat_for(shop.actor, "ru", NLU)
    await chat.send("10 x A4-80")
    await chat.send("delivery cost")
    await chat.send("в Нижнекамск")
    assert "Доставка: Нижнекамск," in chat.text


async def test_a_quote_for_an_empty_cart_says_the_cart_is_empty(shop: Shop, chat_for: ChatMaker) -> None:
    chat = await chat_for(shop.actor, "ru", NLU)
    await chat.send("delivery cost")
    assert "Корзина пуста" in chat.text


@pytest.mark.parametrize(("locale", "typo", "city"), [("en", "Kazn", "Kazan"), ("ru", "Казнь", "Казань")])
async def test_a_typo_of_a_known_city_is_asked_about_with_the_city_to_press(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str, typo: str, city: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("10 x A4-80")
    await chat.send("delivery cost")
    await chat.send(typo)
    assert f"«{typo}»" in chat.text and f"{city}?" in chat.text
    assert await _count(core, DeliveryQuote) == 0  # nothing quoted for the typo
    await chat.press(city)
    assert (f"Delivery to {city}," if locale == "en" else f"Доставка: {city},") in chat.text
    assert "rate table" not in chat.text and "таблице тарифов" not in chat.text


async def test_a_name_typed_again_after_the_question_is_quoted_as_written(shop: Shop, chat_for: ChatMaker) -> None:
    chat = await chat_for(shop.actor, "en", NLU)
    await chat.send("10 x A4-80")
    await chat.send("delivery cost")
    await chat.send("Tvr")  # no known city is near
    assert "The rate table does not list «Tvr»: these are the rates for other regions." in chat.text
    await chat.press("Another destination")
    await chat.send("Kazn")
    assert "Did you mean Kazan?" in chat.text
    await chat.send("kazn")  # a place of that name after all: quoted, with the warning
    assert "The rate table does not list «kazn»" in chat.text and "Delivery to kazn," in chat.text


async def _count(core: Core, model: type) -> int:
    async with core.uow() as uow:
        return len((await uow.session.scalars(select(model))).all())
