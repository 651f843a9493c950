"""The catalogue in conversation: search results with prices and stock, the card, paging, nothing found,
out of stock (alternatives, subscription, backorder) and what a guest sees."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.bootstrap import Core
from core.domain.access import Actor
from core.messaging import ProductCardOut
from core.models import DemandSignal, OutboxEvent, StockSubscription
from core.services.catalog import bump_catalog_version
from dialogs.understanding import Entity, Parse
from tests.factories import Build
from tests.unit.dialogs.flows.conftest import ChatMaker, Shop, rub

NLU = {
    "find": Parse("search_product", 0.95),
    "is A4-80 in stock?": Parse("check_stock", 0.95, (Entity("sku", "A4-80", 3, 8),)),
    "stretch film 17": Parse("search_product", 0.95, (Entity("product", "FILM-17", 0, 15),)),
    "add paper": Parse("add_to_cart", 0.95),
    # The NLU matched each mention to one product; both films fit it.
    "do you have stretch film?": Parse("check_stock", 0.9, (Entity("product", "FILM-17", 12, 24),)),
    "stretch film": Parse("nlu_fallback", 0.2, (Entity("product", "FILM-20", 0, 12),)),
    "weather please": Parse("nlu_fallback", 0.2),
    "find me stretch film, please": Parse("search_product", 0.95),
    "find products": Parse("search_product", 0.95),
    "i need some film": Parse("nlu_fallback", 0.3),
    "is FILM-20 in stock?": Parse("check_stock", 0.95, (Entity("sku", "FILM-20", 3, 10),)),
    # An SKU the NLU did not see as one, alone or read as a product's name.
    "film-20": Parse("nlu_fallback", 0.3),
    "find FILM-20, please": Parse("search_product", 0.9, (Entity("product", "FILM-17", 5, 9),)),
}
SUBSCRIBE = {"en": "Tell me when it's back", "ru": "Сообщить о поступлении"}
BACKORDER = {"en": "Request a backorder", "ru": "Заказать под поставку"}


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_search_lists_company_prices_and_stock_and_opens_the_card(
    shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("find")
    await chat.send("paper" if locale == "en" else "бумага")
    assert rub("300", locale) in chat.text and rub("350", locale) in chat.text
    assert ("Бумага офисная" in chat.text) == (locale == "ru")
    await chat.press("1.")
    card = next(m for m in chat.last if isinstance(m, ProductCardOut))
    assert "A4-80" in card.title
    assert "Central" in card.body and ("packs of" if locale == "en" else "упаковками по") in card.body
    add = [b for b in card.buttons if b.payload.startswith("add:")]
    assert [b.payload.split(":")[2] for b in add[:3]] == ["5", "25", "50"]
    assert any(b.payload.startswith("search:") for b in card.buttons)  # back to the results


async def test_a_sku_question_goes_straight_to_the_card_with_stock(shop: Shop, chat_for: ChatMaker) -> None:
    chat = await chat_for(shop.actor, "en", NLU)
    await chat.send("is A4-80 in stock?")
    card = next(m for m in chat.last if isinstance(m, ProductCardOut))
    assert "In stock: 100" in card.body


@pytest.mark.parametrize("text", ["do you have stretch film?", "stretch film"])
async def test_a_product_named_in_a_message_is_searched_as_typed_even_when_no_intent_is_sure(
    shop: Shop, chat_for: ChatMaker, text: str
) -> None:
    chat = await chat_for(shop.actor, "en", NLU)
    await chat.send(text)
    assert 'Found 2 products for "stretch film"' in chat.text
    assert "FILM-17" in chat.text and "FILM-20" in chat.text
    assert not any(isinstance(m, ProductCardOut) for m in chat.last)


@pytest.mark.parametrize(("text", "query"), [("find me stretch film, please", "stretch film"),
                                           ("i need some film", "film")])
async def test_words_the_catalogue_uses_are_searched_when_no_product_is_named_in_full(
    shop: Shop, chat_for: ChatMaker, text: str, query: str
) -> None:
    # The NLU found no product in these (a word alone names none in full): the words the catalogue knows are
    # the search, whether the intent was sure or not.
    chat = await chat_for(shop.actor, "en", NLU)
    await chat.send(text)
    assert f'Found 2 products for "{query}"' in chat.text
    assert "FILM-17" in chat.text and "FILM-20" in chat.text


async def test_a_search_with_no_catalogue_word_asks_and_an_sku_still_opens_its_card(
    shop: Shop, chat_for: ChatMaker
) -> None:
    chat = await chat_for(shop.actor, "en", NLU)
    await chat.send("find products")
    assert "What are you looking for?" in chat.text
    await chat.send("is FILM-20 in stock?")  # "film" is a catalogue word, but the SKU names one product
    assert any(isinstance(m, ProductCardOut) and "FILM-20" in m.title for m in chat.last)


@pytest.mark.parametrize("text", ["film-20", "find FILM-20, please"])
async def test_an_sku_in_a_message_opens_its_card_whatever_the_nlu_made_of_it(
    shop: Shop, chat_for: ChatMaker, text: str
) -> None:
    chat = await chat_for(shop.actor, "en", NLU)
    await chat.send(text)
    assert any(isinstance(m, ProductCardOut) and "FILM-20" in m.title for m in chat.last)


async def test_text_that_names_nothing_known_is_still_not_understood(shop: Shop, chat_for: ChatMaker) -> None:
    chat = await chat_for(shop.actor, "en", NLU)
    await chat.send("weather please")
    assert "didn't understand" in chat.text


@pytest.mark.parametrize(("locale", "one", "many"), [("en", "1\u00a0roll", "30\u00a0rolls"),
                                                     ("ru", "1\u00a0рул.", "30\u00a0рул.")])
async def test_units_agree_with_their_number(
    shop: Shop, chat_for: ChatMaker, locale: str, one: str, many: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("find")
    await chat.send("stretch film 20" if locale == "en" else "стрейч-плёнка 20")
    card = next(m for m in chat.last if isinstance(m, ProductCardOut))
    assert one in card.body and many in card.body  # "per 1 roll", "In stock: 30 rolls"
    assert f"{one}s" not in card.body


async def test_more_pages_through_the_results(core: Core, shop: Shop, chat_for: ChatMaker) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        for n in range(7):
            await build.product(sku=f"PEN-{n:02d}", name=f"Gel pen model {n}")
        await bump_catalog_version(uow.session)
        await uow.commit()
    chat = await chat_for(shop.actor, "en", NLU)
    await chat.send("find")
    await chat.send("gel pen")
    first = chat.text
    assert "Found 7 products" in first and first.count("PEN-") == 5
    await chat.press("More results")
    assert chat.text.count("PEN-") == 2 and "6. " in chat.text


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_a_search_that_finds_nothing_is_recorded_and_offers_a_manager(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("find")
    await chat.send("unobtainium widget")
    assert "unobtainium widget" in chat.text
    assert ("Talk to a manager" if locale == "en" else "Связаться с менеджером") in chat.titles
    async with core.uow() as uow:
        signals = (await uow.session.scalars(select(DemandSignal))).all()
    assert [(s.kind, s.query, s.company_id) for s in signals] == [("no_result", "unobtainium widget", shop.company.id)]


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_out_of_stock_offers_alternatives_a_subscription_and_a_backorder(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("stretch film 17")
    card = next(m for m in chat.last if isinstance(m, ProductCardOut))
    assert ("Out of stock" if locale == "en" else "Нет в наличии") in card.body
    assert "200" in card.body  # incoming
    assert not any(b.payload.startswith("add:") for b in card.buttons)
    await chat.press("→")
    assert "FILM-20" in chat.text
    await chat.send("stretch film 17")
    await chat.press(SUBSCRIBE[locale])
    await chat.send("stretch film 17")
    await chat.press(SUBSCRIBE[locale])
    assert ("already" if locale == "en" else "уже") in chat.text
    await chat.send("stretch film 17")
    await chat.press(BACKORDER[locale])
    await chat.send("lots")
    assert "100000" in chat.text.replace(",", "").replace("\u00a0", "")
    await chat.send("40")
    async with core.uow() as uow:
        subscriptions = (await uow.session.scalars(select(StockSubscription))).all()
        signals = (await uow.session.scalars(select(DemandSignal))).all()
        backorders = select(OutboxEvent).where(OutboxEvent.topic == "backorder.requested")
        events = (await uow.session.scalars(backorders)).all()
    assert [s.product_id for s in subscriptions] == [shop.products["film"].id]
    assert [(s.kind, s.product_id, s.quantity) for s in signals] == [("backorder", shop.products["film"].id, 40)]
    assert [e.payload["quantity"] for e in events] == [40]


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_a_guest_sees_the_catalogue_without_prices_and_cannot_order(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(Actor.guest(locale), locale, NLU)
    await chat.send("find")
    await chat.send("paper" if locale == "en" else "бумага")
    assert "A4-80" in chat.text and "₽" not in chat.text and "RUB" not in chat.text
    assert ("request access" if locale == "en" else "запросите доступ") in chat.text
    await chat.press("1.")
    card = next(m for m in chat.last if isinstance(m, ProductCardOut))
    assert "₽" not in card.body and not any(b.payload.startswith("add:") for b in card.buttons)
    await chat.send("add paper")
    assert ("for our customers" if locale == "en" else "наши клиенты") in chat.text
