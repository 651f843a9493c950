"""Orders in conversation: an order number named alone is tracked; a number that is not the company's gets one
answer whether the order is another company's or no order at all."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from core.bootstrap import Core
from core.domain.access import Actor
from core.messaging import DocumentOut
from core.models import ContactRole, Document, DocumentKind, LedgerKind, Order, OrderStatus
from dialogs.flows import approvals, orders
from dialogs.i18n import t
from dialogs.understanding import Entity, Parse
from tests.factories import Build
from tests.unit.dialogs.flows.conftest import ChatMaker, Shop


def _named(number: int, intent: str = "nlu_fallback", confidence: float = 0.3) -> dict[str, Parse]:
    text = f"заказ {number}"
    return {text: Parse(intent, confidence, (Entity("order_number", str(number), 6, len(text)),))}


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_an_order_number_named_alone_is_tracked(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    async with core.uow() as uow:
        order = await Build(uow.session).order(shop.company, shop.contact, lines=[(shop.products["a4"], 10, "300")])
        await uow.commit()
    chat = await chat_for(shop.actor, locale, _named(order.id), extra=orders.FLOWS)
    await chat.send(f"заказ {order.id}")  # no intent was sure; the order number says what is meant
    assert t(locale, "orders.track.header", id=str(order.id), status="").rstrip(" —") in chat.text


async def test_another_companys_order_and_a_missing_one_get_the_same_answer(
    core: Core, shop: Shop, chat_for: ChatMaker
) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        foreign = await build.order(await build.company(), lines=[(shop.products["a4"], 10, "300")])
        await uow.commit()
    missing = foreign.id + 1000
    chat = await chat_for(shop.actor, "en", {**_named(foreign.id, "track_order", 0.9),
                                              **_named(missing, "track_order", 0.9)}, extra=orders.FLOWS)
    await chat.send(f"заказ {foreign.id}")
    assert chat.text.startswith(f"I can't find order №{foreign.id} among your company's orders.")
    assert "3,000" not in chat.text and "My orders" in chat.titles
    await chat.send(f"заказ {missing}")
    assert chat.text.startswith(f"I can't find order №{missing} among your company's orders.")


async def test_an_approver_decides_on_the_order_card_of_an_order_awaiting_approval(
    core: Core, shop: Shop, chat_for: ChatMaker
) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        approver = await build.contact(shop.company, role=ContactRole.APPROVER)
        order = await build.order(shop.company, shop.contact, lines=[(shop.products["a4"], 10, "300")],
                                  status=OrderStatus.AWAITING_APPROVAL)
        await uow.commit()
    track = _named(order.id, "track_order", 0.9)
    buyer = await chat_for(shop.actor, "en", track, extra=[*orders.FLOWS, *approvals.FLOWS])
    await buyer.send(f"заказ {order.id}")
    assert "Approve" not in buyer.titles  # a buyer may not decide
    who = Actor(approver.id, shop.company.id, ContactRole.APPROVER, "en")
    chat = await chat_for(who, "en", track, extra=[*orders.FLOWS, *approvals.FLOWS])
    await chat.send(f"заказ {order.id}")
    await chat.press("Approve")
    async with core.uow() as uow:
        assert (await uow.session.get(Order, order.id)).status == OrderStatus.CONFIRMED  # type: ignore[union-attr]


async def test_an_invoice_is_sent_from_the_ledger_or_as_the_accounting_systems_own_file(
    core: Core, shop: Shop, chat_for: ChatMaker
) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        invoiced = await build.order(shop.company, shop.contact, lines=[(shop.products["a4"], 10, "300")])
        entry = await build.ledger(shop.company, LedgerKind.INVOICE, "3000", due_in_days=14)
        entry.order_id = invoiced.id
        not_yet = await build.order(shop.company, shop.contact, lines=[(shop.products["a4"], 5, "300")])
        filed = await build.order(shop.company, shop.contact, lines=[(shop.products["a4"], 5, "300")])
        uow.session.add(Document(company_id=shop.company.id, kind=DocumentKind.INVOICE, title="СЧ-77",
                                 filename="schet-77.pdf", content_type="application/pdf", content=b"%PDF-1.4",
                                 order_id=filed.id))
        await uow.commit()
    nlu = {**{f"invoice {n}": Parse("invoice_request", 0.9, (Entity("order_number", str(n), 8, 8 + len(str(n))),))
              for n in (invoiced.id, not_yet.id, filed.id, 999_999)}}
    chat = await chat_for(shop.actor, "en", nlu, extra=orders.FLOWS)
    await chat.send(f"invoice {invoiced.id}")
    document = next(m for m in chat.last if isinstance(m, DocumentOut))
    page = document.data.decode()
    assert document.content_type.startswith("text/html") and entry.number in document.filename
    assert entry.number in page and "Paper A4 80 g/m2" in page and "3,000.00" in page
    assert "<p>Pay by " in page and "<p>," not in page  # the caption's ", due …" suffix is not a paragraph
    await chat.send(f"invoice {not_yet.id}")
    assert chat.text.startswith(f"Order №{not_yet.id} has no invoice yet")
    await chat.send(f"invoice {filed.id}")
    document = next(m for m in chat.last if isinstance(m, DocumentOut))
    assert (document.filename, document.data) == ("schet-77.pdf", b"%PDF-1.4")
    await chat.send("invoice 999999")
    assert chat.text.startswith("I can't find order №999999")


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_an_order_that_moved_on_since_its_card_is_not_cancelled_and_not_asked_again(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    async with core.uow() as uow:
        order = await Build(uow.session).order(shop.company, shop.contact, lines=[(shop.products["a4"], 10, "300")])
        await uow.commit()
    chat = await chat_for(shop.actor, locale, _named(order.id), extra=orders.FLOWS)
    await chat.send(f"заказ {order.id}")
    await chat.press(t(locale, "orders.track.cancel_button"))
    async with core.uow() as uow:  # shipped meanwhile
        await uow.session.execute(update(Order).where(Order.id == order.id).values(status=OrderStatus.SHIPPED))
        await uow.commit()
    await chat.press(t(locale, "orders.cancel.confirm"))
    assert t(locale, "orders.cancel.too_late", id=str(order.id)) in chat.text
    assert t(locale, "orders.cancel.ask", id=str(order.id)) not in chat.text
    async with core.uow() as uow:
        assert (await uow.session.get(Order, order.id)).status == OrderStatus.SHIPPED


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_an_order_card_lists_its_lines(core: Core, shop: Shop, chat_for: ChatMaker, locale: str) -> None:
    async with core.uow() as uow:
        order = await Build(uow.session).order(shop.company, shop.contact, lines=[
            (shop.products["a4"], 10, "300"), (shop.products["film"], 4, "150")])
        await uow.commit()
    chat = await chat_for(shop.actor, locale, _named(order.id), extra=orders.FLOWS)
    await chat.send(f"заказ {order.id}")
    assert "(A4-80): 10" in chat.text and "(FILM-17): 4" in chat.text
    assert ("2 lines:" if locale == "en" else "2 позиции:") in chat.text


@pytest.mark.parametrize(("locale", "text", "back"), [
    ("en", "where is my last order", 0), ("ru", "статус последнего заказа", 0),
    ("en", "track the order before last", 1), ("ru", "где позапрошлый заказ", 1),
])
async def test_an_order_named_by_its_place_is_tracked(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str, text: str, back: int
) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        older = await build.order(shop.company, shop.contact, lines=[(shop.products["a4"], 10, "300")])
        newer = await build.order(shop.company, shop.contact, lines=[(shop.products["a4"], 5, "300")])
        await uow.commit()
    chat = await chat_for(shop.actor, locale, {text: Parse("track_order", 0.9)}, extra=orders.FLOWS)
    await chat.send(text)
    meant = (newer, older)[back]
    assert t(locale, "orders.track.header", id=str(meant.id), status="").rstrip(" —") in chat.text


async def test_an_approvers_order_list_puts_what_waits_for_approval_first(
    core: Core, shop: Shop, chat_for: ChatMaker
) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        approver = await build.contact(shop.company, role=ContactRole.APPROVER)
        waiting = await build.order(shop.company, shop.contact, lines=[(shop.products["a4"], 10, "300")],
                                    status=OrderStatus.AWAITING_APPROVAL)
        await build.order(shop.company, shop.contact, lines=[(shop.products["a4"], 5, "300")])
        await uow.commit()
    mine = {"my orders": Parse("my_orders", 0.95)}
    buyer = await chat_for(shop.actor, "en", mine, extra=orders.FLOWS)
    await buyer.send("my orders")
    assert not any(title.startswith("✋") for title in buyer.titles)  # a buyer approves nothing
    who = Actor(approver.id, shop.company.id, ContactRole.APPROVER, "en")
    chat = await chat_for(who, "en", mine, extra=orders.FLOWS)
    await chat.send("my orders")
    assert chat.text.startswith("1 order waits for your approval")
    assert chat.titles[0].startswith(f"✋ Approve №{waiting.id}")
