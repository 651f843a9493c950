"""Every purchaser journey through the gateway with the real embedded NLU, in English and in Russian.

The user types the way people type; each test checks the replies and the rows the journey leaves behind.
The demo supplier (seed 1) is the world: its buyer, catalogue, orders, ledger and loyalty points.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import delete, func, select, update

from b2bot.bootstrap import Runtime, build_runtime
from core.bootstrap import Core
from core.demo import DEMO_BUYER, DEMO_PREPAID_BUYER, seed_demo_data
from core.domain.access import Actor
from core.messaging import FileUpload
from core.models import (
    Cart,
    CartLine,
    Contact,
    DemandSignal,
    Handover,
    IncomingStock,
    Lead,
    Order,
    OrderLine,
    OutboxEvent,
    Product,
    StockLevel,
    StockSubscription,
)
from core.services import conversations, invites, loyalty
from dialogs.assembly import NluUnderstand, product_index
from dialogs.i18n import t
from nlu.backends import EmbeddedBackend
from tests.gateway_harness import ChatUser, text_of

LOCALES = ("en", "ru")

SAY = {
    "en": {
        "find paper": "do you have A4 paper?",
        "balance": "what's my balance?",
        "statement": "send me the reconciliation statement for last month",
        "delivery to Kazan": "how much is delivery to Kazan?",
        "add": "add 10 packs of A4-80",
        "checkout": "I'd like to place the order",
        "repeat": "repeat my last order",
        "my orders": "show my orders",
        "track": "where is my order {number}?",
        "points": "how many bonus points do I have?",
        "manager": "I need to talk to a manager",
        "access": "how do I get access?",
        "invite": "I have an invite code",
        "remove tape": "remove tape from cart",
        "paper to 20": "change paper to 20 packs",
        "remove sku": "please remove A4-80 from my cart",
        "clear": "clear my cart",
    },
    "ru": {
        "find paper": "есть бумага а4?",
        "balance": "какой у меня баланс",
        "statement": "пришлите акт сверки за прошлый месяц",
        "delivery to Kazan": "сколько стоит доставка в Казань?",
        "add": "добавь 10 упаковок A4-80",
        "checkout": "хочу оформить заказ",
        "repeat": "повтори последний заказ",
        "my orders": "покажи мои заказы",
        "track": "где мой заказ {number}?",
        "points": "сколько у меня бонусных баллов?",
        "manager": "соедините с менеджером",
        "access": "как получить доступ?",
        "invite": "у меня есть код приглашения",
        "remove tape": "убери скотч",
        "paper to 20": "измени количество бумаги на 20",
        "remove sku": "удали A4-80 из корзины",
        "clear": "очистить корзину",
    },
}


@pytest.fixture(scope="session")
def nlu(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedBackend:
    """The embedded NLU trained on nlu/data once for the run (the product names come per test)."""
    return EmbeddedBackend.from_data_dir(cache_dir=tmp_path_factory.mktemp("journeys-nlu"))


@dataclass
class World:
    runtime: Runtime
    core: Core
    buyer: Contact
    prepaid_buyer: Contact

    def user(self, locale: str, name: str = "purchaser") -> ChatUser:
        return ChatUser(self.runtime.gateway, user_id=f"{name}-{locale}", locale_hint=locale)

    async def signed_in(self, locale: str, contact: Contact | None = None) -> ChatUser:
        contact = contact or self.buyer
        user = self.user(locale, f"contact{contact.id}")
        async with self.core.uow() as uow:
            identity = await conversations.resolve_identity(uow.session, user.channel, user.user_id,
                                                            now=self.core.clock.now())
            await conversations.link_identity(uow.session, identity.id, contact.id)
            await uow.commit()
        return user

    def actor(self, contact: Contact, locale: str = "en") -> Actor:
        return Actor(contact.id, contact.company_id, locale=locale)

    async def scalar(self, query: object) -> object:
        async with self.core.uow() as uow:
            return await uow.session.scalar(query)  # type: ignore[call-overload]


@pytest.fixture
async def world(core: Core, nlu: EmbeddedBackend) -> AsyncIterator[World]:
    await seed_demo_data(core.uow, seed=1, products=300, companies=4)
    nlu.set_products(await product_index(core.uow))
    runtime = await build_runtime(core.settings, core=core, understand=NluUnderstand(nlu))
    async with core.uow() as uow:
        buyer = await uow.session.scalar(select(Contact).where(Contact.email == DEMO_BUYER))
        prepaid = await uow.session.scalar(select(Contact).where(Contact.email == DEMO_PREPAID_BUYER))
    assert buyer is not None and prepaid is not None
    yield World(runtime, core, buyer, prepaid)
    for closer in runtime.closers:  # the core is the `core` fixture's to close
        await closer()


def say(locale: str, what: str, **params: object) -> str:
    return SAY[locale][what].format(**params)


async def cart_lines(world: World, contact: Contact) -> dict[str, int]:
    async with world.core.uow() as uow:
        rows = await uow.session.execute(
            select(Product.sku, CartLine.quantity)
            .join(CartLine, CartLine.product_id == Product.id)
            .join(Cart, Cart.id == CartLine.cart_id)
            .where(Cart.contact_id == contact.id)
        )
        return {sku: quantity for sku, quantity in rows}


# Search, stock and the cart -----------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_product_is_found_by_its_name_its_stock_shown_and_added(world: World, locale: str) -> None:
    user = await world.signed_in(locale)
    found = await user.say(say(locale, "find paper"))  # every A4 paper, the 80 g/m² one first
    assert "(A4-80)" in found.split("\n")[1]
    card = await user.press(found.split("\n")[1].split(" (A4-80)")[0])
    assert "A4-80" in card
    assert ("In stock" if locale == "en" else "В наличии") in card
    added = await user.press(t(locale, "catalog.card.add", quantity=user_amount(locale, 5)))
    assert ("In the cart now" if locale == "en" else "Теперь в корзине") in added
    assert (await cart_lines(world, world.buyer)).get("A4-80") == 5


@pytest.mark.parametrize(("locale", "name"), [("en", "stretch film"), ("ru", "стрейч плёнка")])
async def test_a_product_named_alone_lists_every_product_that_fits_the_name(
    world: World, locale: str, name: str
) -> None:
    reply = await (await world.signed_in(locale)).say(name)
    films = set(re.findall(r"\((STR[\w-]+)\)", reply))
    assert len(films) >= 2, reply  # not the one film the name matched best, nor "didn't understand"
    assert t(locale, "engine.not_understood") not in reply


@pytest.mark.parametrize(("locale", "text", "word"), [
    ("en", "find gloves", "gloves"), ("en", "i need gloves", "gloves"),
    ("ru", "найди перчатки", "перчатки"), ("ru", "нужны перчатки", "перчатки"),
])
async def test_a_word_the_catalogue_uses_is_searched_in_a_sentence(
    world: World, locale: str, text: str, word: str
) -> None:
    reply = await (await world.signed_in(locale)).say(text)
    heading = reply.split("\n")[0]
    assert word in heading and text not in heading, reply  # the search is the word, not the sentence
    assert "GLOVE-NIT-M" in reply


@pytest.mark.parametrize(("locale", "words"), [("en", "barcode"), ("en", "find by barcode"), ("ru", "штрихкод"),
                                               ("ru", "найди по штрихкоду")])
async def test_a_barcode_asked_for_opens_its_product(world: World, locale: str, words: str) -> None:
    async with world.core.uow() as uow:
        sku, barcode = (await uow.session.execute(
            select(Product.sku, Product.barcode).where(Product.barcode.is_not(None)).order_by(Product.sku).limit(1)
        )).one()
    card = await (await world.signed_in(locale)).say(f"{words} {barcode}")
    assert f"({sku})" in card or sku in card.split("\n")[0], card  # the card, not "already signed in"
    assert t(locale, "guest.already_member", name="", company="")[:12] not in card


async def test_a_contact_whose_messenger_gives_no_language_is_answered_in_the_contacts_own(world: World) -> None:
    user = ChatUser(world.runtime.gateway, user_id="no-hint", locale_hint=None)
    async with world.core.uow() as uow:
        identity = await conversations.resolve_identity(uow.session, user.channel, user.user_id,
                                                        now=world.core.clock.now())
        await conversations.link_identity(uow.session, identity.id, world.prepaid_buyer.id)  # a Russian contact
        await uow.commit()
    assert t("ru", "menu.search") in await user.say("/menu")


async def test_a_guest_whose_messenger_gives_no_language_is_answered_in_the_language_written(world: World) -> None:
    guest = ChatUser(world.runtime.gateway, user_id="guest-no-hint", locale_hint=None)
    assert t("ru", "guest.needs_account") in await guest.say(say("ru", "balance"))
    assert t("en", "guest.needs_account") in await guest.say(say("en", "balance"))


async def test_a_message_in_the_other_language_is_understood_and_answered_in_the_conversations(
    world: World,
) -> None:
    reply = await (await world.signed_in("en")).say(say("ru", "balance"))
    assert "Credit limit" in reply


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_typed_line_and_a_pasted_list_go_into_the_cart(world: World, locale: str) -> None:
    user = await world.signed_in(locale)
    reply = await user.say(say(locale, "add"))
    assert "A4-80" in reply
    assert (await cart_lines(world, world.buyer)).get("A4-80") == 10
    reply = await user.say("A4-80 5\nTAPE-48-66 6\nNO-SUCH-SKU 3")
    assert "NO-SUCH-SKU" in reply
    lines = await cart_lines(world, world.buyer)
    assert lines["A4-80"] == 15 and lines["TAPE-48-66"] == 6 and "NO-SUCH-SKU" not in lines


def user_amount(locale: str, packs: int) -> str:
    return f"{packs} packs" if locale == "en" else f"{packs} уп."


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_line_is_removed_and_a_quantity_changed_by_typing(world: World, locale: str) -> None:
    user = await world.signed_in(locale)
    await user.say("A4-80 10\nTAPE-48-66 6\nPEN-BLUE 50")
    assert await cart_lines(world, world.buyer) == {"A4-80": 10, "TAPE-48-66": 6, "PEN-BLUE": 50}
    reply = await user.say(say(locale, "remove tape"))
    assert await cart_lines(world, world.buyer) == {"A4-80": 10, "PEN-BLUE": 50}, reply
    assert t(locale, "cart.removed") in reply
    reply = await user.say(say(locale, "paper to 20"))
    assert await cart_lines(world, world.buyer) == {"A4-80": 20, "PEN-BLUE": 50}, reply
    reply = await user.say(say(locale, "remove sku"))
    assert await cart_lines(world, world.buyer) == {"PEN-BLUE": 50}, reply


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_cart_is_cleared_by_typing_after_a_yes(world: World, locale: str) -> None:
    user = await world.signed_in(locale)
    await user.say("A4-80 10\nTAPE-48-66 6")
    reply = await user.say(say(locale, "clear"))
    assert t(locale, "cart.clear.ask") in reply
    assert await cart_lines(world, world.buyer) == {"A4-80": 10, "TAPE-48-66": 6}
    await user.press(t(locale, "common.yes"))
    assert await cart_lines(world, world.buyer) == {}
    assert t(locale, "errors.cart_empty") in await user.say(say(locale, "clear"))


@pytest.mark.parametrize("locale", LOCALES)
async def test_an_order_file_goes_into_the_cart_with_a_report_of_bad_rows(world: World, locale: str) -> None:
    user = await world.signed_in(locale)
    data = b"SKU;Qty\nA4-80;10\nTAPE-48-66;6\nNO-SUCH-SKU;1\n"
    adapted = await user.send(FileUpload("order.csv", "text/csv", data, len(data)))
    assert adapted is not None
    report = text_of(adapted.messages)
    assert "NO-SUCH-SKU" in report
    lines = await cart_lines(world, world.buyer)
    assert lines["A4-80"] == 10 and lines["TAPE-48-66"] == 6


@pytest.mark.parametrize("locale", LOCALES)
async def test_out_of_stock_offers_alternatives_a_subscription_and_a_backorder(world: World, locale: str) -> None:
    async with world.core.uow() as uow:
        product = await uow.session.scalar(select(Product).where(Product.sku == "TAPE-48-66"))
        assert product is not None
        await uow.session.execute(update(StockLevel).where(StockLevel.product_id == product.id)
                                  .values(on_hand=0, reserved=0))
        await uow.session.execute(delete(IncomingStock).where(IncomingStock.product_id == product.id))
        await uow.commit()
    user = await world.signed_in(locale)
    card = await user.say("is TAPE-48-66 in stock?" if locale == "en" else "есть в наличии TAPE-48-66?")
    assert t(locale, "catalog.card.alternatives") in card
    await user.press(t(locale, "catalog.card.subscribe"))
    assert await world.scalar(select(func.count()).select_from(StockSubscription)
                              .where(StockSubscription.product_id == product.id)) == 1
    await user.say("is TAPE-48-66 in stock?" if locale == "en" else "есть в наличии TAPE-48-66?")
    await user.press(t(locale, "catalog.card.backorder"))
    await user.say("40")
    signal = await world.scalar(select(DemandSignal).where(DemandSignal.kind == "backorder"))
    assert signal is not None and signal.company_id == world.buyer.company_id


# Checkout, with a question in the middle ------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_checkout_answers_a_balance_question_midway_and_places_one_order(world: World, locale: str) -> None:
    user = await world.signed_in(locale, world.prepaid_buyer)
    await user.say(say(locale, "add"))
    where = await user.say(say(locale, "checkout"))
    assert ("Where to deliver" if locale == "en" else "Куда доставить") in where
    midway = await user.say(say(locale, "balance"))
    assert ("Balance:" if locale == "en" else "Баланс:") in midway
    assert ("Back to checkout" if locale == "en" else "Возвращаемся к оформлению заказа") in midway
    options = await user.say("Kazan" if locale == "en" else "в Казань")
    assert ("cheapest" if locale == "en" else "дешевле всех") in options
    await user.press(first_option_title(user))
    if user.last is not None and t(locale, "checkout.points.none") in button_titles(user):
        await user.press(t(locale, "checkout.points.none"))
    placed = await user.press(t(locale, "checkout.confirm"))
    assert re.search(r"#\d+" if locale == "en" else r"№\d+", placed), placed
    async with world.core.uow() as uow:
        orders = list(await uow.session.scalars(
            select(Order).where(Order.contact_id == world.prepaid_buyer.id, Order.channel == "test")))
        skus = list(await uow.session.scalars(select(OrderLine.sku).where(OrderLine.order_id == orders[0].id)))
    assert len(orders) == 1 and skus == ["A4-80"]
    assert orders[0].delivery_destination is not None and "Kazan" in orders[0].delivery_destination
    assert await cart_lines(world, world.prepaid_buyer) == {}


def button_titles(user: ChatUser) -> list[str]:
    assert user.last is not None
    return [b.title for m in user.last.messages for b in getattr(m, "buttons", ())]


def first_option_title(user: ChatUser) -> str:
    return next(title for title in button_titles(user) if title.startswith("1. "))


# Delivery quote -----------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_delivery_quote_compares_options_and_the_choice_goes_to_the_cart(world: World, locale: str) -> None:
    user = await world.signed_in(locale)
    await user.say(say(locale, "add"))
    options = await user.say(say(locale, "delivery to Kazan"))
    assert ("cheapest" if locale == "en" else "дешевле всех") in options
    assert ("fastest" if locale == "en" else "быстрее всех") in options
    await user.press(first_option_title(user))
    async with world.core.uow() as uow:
        quote_id = await uow.session.scalar(select(Cart.delivery_quote_id).where(Cart.contact_id == world.buyer.id))
    assert quote_id is not None


# Account: balance, statement, loyalty ------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_balance_credit_and_last_payments(world: World, locale: str) -> None:
    reply = await (await world.signed_in(locale)).say(say(locale, "balance"))
    if locale == "en":
        assert re.search(r"Balance: you owe [\d,]+\.\d\d", reply) and "Credit limit" in reply
    else:
        assert re.search(r"Баланс: ваш долг [\d\u00a0]+,\d\d", reply) and "Кредитный лимит" in reply
    assert "PAY-" in reply  # the last payments


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_statement_for_last_month_comes_as_a_document(world: World, locale: str) -> None:
    user = await world.signed_in(locale)
    await user.say(say(locale, "statement"))
    assert user.last is not None
    documents = [m for m in user.last.messages if type(m).__name__ == "DocumentOut"]
    assert len(documents) == 1 and documents[0].filename.endswith(".csv")  # type: ignore[attr-defined]


@pytest.mark.parametrize("locale", LOCALES)
async def test_loyalty_points_are_the_ledgers_balance(world: World, locale: str) -> None:
    async with world.core.uow() as uow:
        summary = await loyalty.balance(uow.session, world.actor(world.buyer), now=world.core.clock.now())
    reply = await (await world.signed_in(locale)).say(say(locale, "points"))
    shown = f"{summary.points:,}" if locale == "en" else f"{summary.points:,}".replace(",", "\u00a0")
    assert shown in reply


# Orders: list, track, repeat ---------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_my_orders_and_tracking_one_by_its_number(world: World, locale: str) -> None:
    user = await world.signed_in(locale)
    listed = await user.say(say(locale, "my orders"))
    newest = await world.scalar(select(func.max(Order.id)).where(Order.company_id == world.buyer.company_id))
    assert f"{newest}" in listed
    tracked = await user.say(say(locale, "track", number=newest))
    assert t(locale, "orders.track.history") in tracked and f"{newest}" in tracked


@pytest.mark.parametrize("locale", LOCALES)
async def test_an_order_of_another_company_is_not_shown(world: World, locale: str) -> None:
    foreign = await world.scalar(select(func.max(Order.id)).where(Order.company_id != world.buyer.company_id))
    reply = await (await world.signed_in(locale)).say(say(locale, "track", number=foreign))
    async with world.core.uow() as uow:
        order = await uow.session.get(Order, foreign)
    assert order is not None and str(order.total) not in reply
    # The same answer as for a number no order has: nothing tells the two apart.
    assert reply.startswith(t(locale, "orders.track.not_yours", id=str(foreign)))
    unknown = await (await world.signed_in(locale)).say(say(locale, "track", number=999_999))
    assert unknown.startswith(t(locale, "orders.track.not_yours", id="999999"))


@pytest.mark.parametrize("locale", LOCALES)
async def test_repeating_the_last_order_fills_the_cart_with_its_lines(world: World, locale: str) -> None:
    last = await world.scalar(select(func.max(Order.id)).where(Order.contact_id == world.buyer.id))
    async with world.core.uow() as uow:
        skus = set(await uow.session.scalars(select(OrderLine.sku).where(OrderLine.order_id == last)))
    reply = await (await world.signed_in(locale)).say(say(locale, "repeat"))
    assert f"{last}" in reply
    assert set(await cart_lines(world, world.buyer)) <= skus and await cart_lines(world, world.buyer)


# A human, and the way in for guests ---------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_manager_is_called_and_the_bot_goes_quiet(world: World, locale: str) -> None:
    user = await world.signed_in(locale)
    called = await user.say(say(locale, "manager"))
    assert called
    assert await world.scalar(select(func.count()).select_from(Handover)) == 1
    assert await user.say(say(locale, "balance")) == ""  # the manager answers now
    assert await user.say("/cancel") == ""  # nothing but the way back named in the notice wakes the bot
    back = await user.say("/menu")
    assert t(locale, "handover.back_to_bot") in back and t(locale, "menu.search") in back
    handover = await world.scalar(select(Handover))
    assert handover is not None and handover.closed_at is not None
    assert ("Balance" if locale == "en" else "Баланс") in await user.say(say(locale, "balance"))


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_guest_asks_for_access_with_a_tax_id_and_a_lead_is_recorded(world: World, locale: str) -> None:
    guest = world.user(locale, "stranger")
    asked = await guest.say(say(locale, "access"))
    assert ("tax" if locale == "en" else "ИНН") in asked
    asked = await guest.say("7707083893")
    assert ("phone number or an e-mail" if locale == "en" else "телефона или адрес e-mail") in asked
    assert await world.scalar(select(func.count()).select_from(Lead)) == 0  # nothing until it is complete
    refused = await guest.say("tomorrow after 5")
    assert ("neither a phone number nor an e-mail" if locale == "en" else "ни на телефон, ни на e-mail") in refused
    await guest.say("Purchasing@Stroy-Snab.ru")
    lead = await world.scalar(select(Lead))
    assert lead is not None and lead.tax_id == "7707083893"
    assert (lead.email, lead.phone) == ("Purchasing@Stroy-Snab.ru", None)
    event = await world.scalar(select(OutboxEvent).where(OutboxEvent.topic == "lead.created"))
    assert event is not None and event.payload["email"] == "Purchasing@Stroy-Snab.ru"


@pytest.mark.parametrize(("locale", "first", "reach"), [
    ("en", "hi, we need access, our INN is 7707083893", "tel +7 916 123-45-67, Peter"),
    ("ru", "нужен доступ, наш ИНН 7707083893", "тел 89161234567"),
])
async def test_a_guest_gives_the_tax_id_with_the_request_and_the_phone_in_words(
    world: World, locale: str, first: str, reach: str
) -> None:
    guest = world.user(locale, "wordy")
    asked = await guest.say(first)  # the tax id is not asked for again
    assert ("phone number or an e-mail" if locale == "en" else "телефона или адрес e-mail") in asked
    await guest.say(reach)
    lead = await world.scalar(select(Lead))
    assert lead is not None and (lead.tax_id, lead.phone) == ("7707083893", "+79161234567")


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_guest_enters_an_invite_code_and_becomes_the_contact(world: World, locale: str) -> None:
    async with world.core.uow() as uow:
        invite = await invites.create_invite(uow.session, world.prepaid_buyer.id, now=world.core.clock.now())
        await uow.commit()
    guest = world.user(locale, "invited")
    await guest.say(say(locale, "invite"))
    welcome = await guest.say(invite.token)
    assert world.prepaid_buyer.name.split()[0] in welcome
    balance = await guest.say(say(locale, "balance"))
    assert ("Balance" if locale == "en" else "Баланс") in balance


async def test_an_invite_code_pasted_alone_signs_the_guest_in(world: World) -> None:
    async with world.core.uow() as uow:
        invite = await invites.create_invite(uow.session, world.prepaid_buyer.id, now=world.core.clock.now())
        await uow.commit()
    welcome = await world.user("en", "pasted").say(invite.token)  # no "I have an invite code" first
    assert world.prepaid_buyer.name.split()[0] in welcome


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_guest_sees_no_account_data(world: World, locale: str) -> None:
    reply = await world.user(locale, "nosy").say(say(locale, "balance"))
    assert "PAY-" not in reply and ("you owe" not in reply and "ваш долг" not in reply)
