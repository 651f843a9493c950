"""Checkout in conversation: search -> card -> cart -> checkout -> one order; the confirm is idempotent; a
balance question in the middle is answered and checkout resumes; points; stock running out."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import func, select, update

from core.bootstrap import Core
from core.messaging import Outbound, TextOut
from core.models import (
    CartLine,
    Company,
    LedgerKind,
    Order,
    OrderStatus,
    PaymentTerms,
    Product,
    StockLevel,
    StockReservation,
)
from core.services import cart as carts
from dialogs.flow import Flow, FlowContext
from dialogs.flows import orders
from dialogs.i18n import t
from dialogs.services import Services
from dialogs.understanding import Entity, Parse
from tests.factories import Build
from tests.unit.dialogs.flows.conftest import ChatMaker, Shop, button, rub

pytestmark = pytest.mark.parametrize("locale", ["en", "ru"])

CONFIRM = {"en": "Confirm the order", "ru": "Подтвердить заказ"}
NO_DELIVERY = {"en": "No delivery (pickup)", "ru": "Без доставки (самовывоз)"}
NLU = {
    "find paper": Parse("search_product", 0.95),
    "checkout": Parse("checkout", 0.95),
    "what's my balance?": Parse("balance", 0.97),
    "add 10 A4-80": Parse("add_to_cart", 0.95, (Entity("quantity", 10, 4, 6), Entity("sku", "A4-80", 7, 12))),
    # Read as requests of their own, but at the delivery question they answer it.
    "as usual": Parse("repeat_order", 0.95),
    "как обычно": Parse("repeat_order", 0.95),
    "pickup": Parse("delivery_quote", 0.9),
    "самовывоз": Parse("delivery_quote", 0.9),
}


async def _balance(ctx: FlowContext[Services]) -> Sequence[Outbound]:
    return [TextOut("BALANCE: 0")]


BALANCE = Flow[Services](name="balance", title_key="menu.balance", intents=("balance",), complete=_balance)


async def _orders(core: Core) -> list[Order]:
    async with core.uow() as uow:
        return list((await uow.session.scalars(select(Order))).all())


async def _count(core: Core, model: type) -> int:
    async with core.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_search_card_add_checkout_and_confirm_places_one_order(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("find paper")
    await chat.send("paper" if locale == "en" else "бумага")
    assert rub("300", locale) in chat.text
    await chat.press("1.")
    assert rub("300", locale) in chat.text and "A4-80" in chat.text
    await chat.press("Add" if locale == "en" else "Добавить")  # the minimum: 5 packs
    await chat.press("Checkout" if locale == "en" else "Оформить заказ")
    assert "Kazan" in " ".join(chat.titles)
    await chat.press(NO_DELIVERY[locale])
    summary = chat.text
    assert rub("1500", locale) in summary
    assert ("on credit" if locale == "en" else "в кредит") in summary
    await chat.press(CONFIRM[locale])
    placed = await _orders(core)
    assert len(placed) == 1
    assert (placed[0].total, placed[0].status, placed[0].channel) == (1500, OrderStatus.CONFIRMED, "console")
    assert f"{placed[0].id}" in chat.text
    assert ("confirmed" if locale == "en" else "подтверждён") in chat.text
    assert await _count(core, CartLine) == 0
    assert await _count(core, StockReservation) == 1


async def test_second_tap_on_confirm_creates_no_second_order(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("add 10 A4-80")
    await chat.send("checkout")
    await chat.press(NO_DELIVERY[locale])
    confirm = button(chat.last, CONFIRM[locale]).payload
    await chat.press_payload(confirm)
    first = chat.text
    await chat.press_payload(confirm)
    assert len(await _orders(core)) == 1
    order = (await _orders(core))[0]
    assert ("already placed" if locale == "en" else "уже оформлен") in chat.text
    assert str(order.id) in first and str(order.id) in chat.text
    async with core.uow() as uow:
        reserved = await uow.session.scalar(select(func.sum(StockLevel.reserved)))
    assert reserved == 10


async def test_balance_question_in_the_middle_of_checkout_is_answered_and_checkout_resumes(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU, extra=[BALANCE])
    await chat.send("add 10 A4-80")
    await chat.send("checkout")
    await chat.press(NO_DELIVERY[locale])
    key_before = button(chat.last, CONFIRM[locale]).payload
    await chat.send("what's my balance?")
    assert "BALANCE: 0" in chat.text
    assert CONFIRM[locale] in chat.titles  # back at the summary
    assert button(chat.last, CONFIRM[locale]).payload == key_before  # the same idempotency key
    await chat.press(CONFIRM[locale])
    assert len(await _orders(core)) == 1


async def test_points_are_offered_capped_and_spent(core: Core, shop: Shop, chat_for: ChatMaker, locale: str) -> None:
    async with core.uow() as uow:
        await Build(uow.session).loyalty(shop.company, 10_000)
        await uow.commit()
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("add 10 A4-80")  # 3,000: the 30 % cap is 900 points
    await chat.send("checkout")
    await chat.press(NO_DELIVERY[locale])
    assert "900" in chat.text
    await chat.press("Spend" if locale == "en" else "Потратить")
    assert rub("2100", locale) in chat.text
    await chat.press(CONFIRM[locale])
    order = (await _orders(core))[0]
    assert (order.points_redeemed, order.total) == (900, 2100)


@pytest.mark.parametrize(("typed", "spent"), [("all", 900), ("все", 900), ("no", 0), ("не надо", 0),
                                              ("500 points", 500), ("спиши 500 баллов", 500)])
async def test_points_are_spent_as_typed(core: Core, shop: Shop, chat_for: ChatMaker, locale: str, typed: str,
                                         spent: int) -> None:
    async with core.uow() as uow:
        await Build(uow.session).loyalty(shop.company, 10_000)
        await uow.commit()
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("add 10 A4-80")  # 3,000: the 30 % cap is 900 points
    await chat.send("checkout")
    await chat.press(NO_DELIVERY[locale])
    await chat.send(typed)
    assert rub(str(3000 - spent), locale) in chat.text
    await chat.press(CONFIRM[locale])
    order = (await _orders(core))[0]
    assert (order.points_redeemed, order.total) == (spent, 3000 - spent)


@pytest.mark.parametrize(("typed", "delivered"), [("as usual", True), ("как обычно", True), ("pickup", False),
                                                  ("самовывоз", False)])
async def test_the_delivery_question_takes_the_usual_address_and_pickup_in_words(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str, typed: str, delivered: bool
) -> None:
    chat = await chat_for(shop.actor, locale, NLU, extra=orders.FLOWS)  # with "repeat my last order" to go to
    async with core.uow() as uow:
        await Build(uow.session).order(shop.company, shop.contact, lines=[(shop.products["a4"], 5, "300")])
        await uow.commit()
    await chat.send("add 10 A4-80")
    await chat.send("checkout")
    await chat.send(typed)
    assert ("Kazan" in chat.text) is delivered  # the saved address's options, or straight past delivery
    assert await _lines_of_cart(core) == {"A4-80": 10}  # not "repeat my last order"


async def _lines_of_cart(core: Core) -> dict[str, int]:
    async with core.uow() as uow:
        rows = await uow.session.execute(select(Product.sku, CartLine.quantity).join(Product))
        return {sku: quantity for sku, quantity in rows}


async def test_stock_that_ran_out_before_confirm_is_explained_and_nothing_is_placed(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("add 10 A4-80")
    await chat.send("checkout")
    await chat.press(NO_DELIVERY[locale])
    async with core.uow() as uow:
        await uow.session.execute(update(StockLevel).where(StockLevel.product_id == shop.products["a4"].id)
                                  .values(on_hand=3))
        await uow.commit()
    await chat.press(CONFIRM[locale])
    assert "A4-80" in chat.text
    assert ("Open the cart" if locale == "en" else "Открыть корзину") in chat.titles
    assert await _orders(core) == []
    async with core.uow() as uow:
        assert len((await carts.view(uow.session, shop.actor, core.settings)).lines) == 1


async def test_checkout_of_an_empty_cart_says_so(core: Core, shop: Shop, chat_for: ChatMaker, locale: str) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("checkout")
    assert ("cart is empty" if locale == "en" else "Корзина пуста") in chat.text
    assert await _orders(core) == []


async def test_an_advance_paid_ahead_goes_towards_a_prepaid_order(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    async with core.uow() as uow:
        await uow.session.execute(update(Company).where(Company.id == shop.company.id)
                                  .values(payment_terms=PaymentTerms.PREPAYMENT, credit_limit=0))
        build = Build(uow.session)
        await build.ledger(shop.company, LedgerKind.INVOICE, "500")
        await build.ledger(shop.company, LedgerKind.PAYMENT, "1500")  # 1,000 paid ahead
        await uow.commit()
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("add 10 A4-80")  # 3,000
    await chat.send("checkout")
    await chat.press(NO_DELIVERY[locale])
    assert t(locale, "checkout.payment.part_advance", advance=rub("1000", locale), due=rub("2000", locale)) in chat.text
    await chat.press(CONFIRM[locale])
    assert t(locale, "checkout.payment.placed_part_advance", due=rub("2000", locale)) in chat.text  # as promised
    await chat.send("add 10 A4-80")  # the open order, not invoiced yet, has spent the advance
    await chat.send("checkout")
    await chat.press(NO_DELIVERY[locale])
    assert t(locale, "checkout.payment.prepayment") in chat.text


async def test_an_order_over_the_available_credit_says_why_it_is_prepaid(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    async with core.uow() as uow:
        await uow.session.execute(update(Company).where(Company.id == shop.company.id).values(credit_limit=2000))
        await uow.commit()
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("add 10 A4-80")  # 3,000 against 2,000 of credit
    await chat.send("checkout")
    await chat.press(NO_DELIVERY[locale])
    assert t(locale, "checkout.payment.over_credit", available=rub("2000", locale)) in chat.text


async def test_a_typed_confirmation_places_the_order(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("add 10 A4-80")
    await chat.send("checkout")
    await chat.press(NO_DELIVERY[locale])
    await chat.send("maybe later" if locale == "en" else "может быть")
    assert t(locale, "checkout.confirm_hint") in chat.text and await _orders(core) == []
    await chat.send("Confirm." if locale == "en" else "Подтверждаю!")
    assert len(await _orders(core)) == 1


async def test_the_summary_warns_of_overdue_debt_and_the_order_is_still_placed(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    async with core.uow() as uow:
        await Build(uow.session).ledger(shop.company, LedgerKind.INVOICE, "4000", due_in_days=-10)  # 10 days late
        await uow.commit()
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("add 10 A4-80")
    await chat.send("checkout")
    await chat.press(NO_DELIVERY[locale])
    assert t(locale, "checkout.summary.overdue", amount=rub("4000", locale)) in chat.text
    await chat.press(CONFIRM[locale])
    assert len(await _orders(core)) == 1
