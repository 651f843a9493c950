"""The cart in conversation: add by text (with units and a clarifying step), a pasted SKU list with a bad
line, CSV and XLSX order files (and broken ones), changing and removing lines."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from core.bootstrap import Core
from core.messaging import FileUpload
from core.models import CartLine, Product
from dialogs.understanding import Entity, Parse
from tests.unit.dialogs.flows.conftest import ChatMaker, Shop, rub

NLU = {
    "10 x A4-80": Parse("add_to_cart", 0.95, (Entity("quantity", 10, 0, 2), Entity("sku", "A4-80", 5, 10))),
    "десять коробок бумаги": Parse("add_to_cart", 0.95, (Entity("quantity", 10, 0, 6), Entity("unit", "box", 7, 15),
                                                         Entity("product", "A4-80", 16, 21))),
    "add some paper": Parse("add_to_cart", 0.95),
    "add 7 paper": Parse("add_to_cart", 0.95, (Entity("quantity", 7, 4, 5),)),
    "my cart": Parse("show_cart", 0.95),
    "add A4-80": Parse("add_to_cart", 0.95, (Entity("sku", "A4-80", 4, 9),)),
    "add 12 FILM-17": Parse("add_to_cart", 0.95, (Entity("quantity", 12, 4, 6), Entity("sku", "FILM-17", 7, 14))),
    "stretch film please": Parse("nlu_fallback", 0.3),
    "99995 x A4-80": Parse("add_to_cart", 0.95, (Entity("quantity", 99995, 0, 5), Entity("sku", "A4-80", 8, 13))),
    # Unsure of the intent, no product entity: a quantity in a unit, and a word the catalogue uses.
    "10 boxes of paper please": Parse("add_to_cart", 0.5, (Entity("quantity", 10, 0, 2), Entity("unit", "box", 3, 8))),
    # Unsure of the intent, but a quantity and a product together are an order line.
    "10 коробок бумаги": Parse("add_to_cart", 0.55, (Entity("quantity", 10, 0, 2), Entity("unit", "box", 3, 10),
                                                     Entity("product", "A4-80", 11, 17))),
}


async def _lines(core: Core) -> dict[str, int]:
    async with core.uow() as uow:
        rows = await uow.session.execute(select(Product.sku, CartLine.quantity).join(Product))
        return {sku: quantity for sku, quantity in rows}


def _upload(name: str, data: bytes) -> FileUpload:
    return FileUpload(filename=name, content_type="application/octet-stream", data=data, size=len(data))


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_adding_by_text_puts_the_line_in_the_cart_at_the_company_price(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("10 x A4-80")
    assert rub("3000", locale) in chat.text
    assert await _lines(core) == {"A4-80": 10}


@pytest.mark.parametrize("text", ["десять коробок бумаги", "10 коробок бумаги"])
async def test_ten_boxes_of_paper_are_ten_packs_of_reams(
    core: Core, shop: Shop, chat_for: ChatMaker, text: str
) -> None:
    chat = await chat_for(shop.actor, "ru", NLU)
    await chat.send(text)
    assert "Добавлено" in chat.text
    assert await _lines(core) == {"A4-80": 50}


async def test_the_quantity_question_names_the_product_in_the_conversations_language(
    shop: Shop, chat_for: ChatMaker
) -> None:
    chat = await chat_for(shop.actor, "ru", NLU)
    await chat.send("add A4-80")
    assert "Бумага офисная А4 80" in chat.text and "Paper A4" not in chat.text


async def test_another_product_while_a_quantity_is_asked_is_added_or_searched_instead(
    core: Core, shop: Shop, chat_for: ChatMaker
) -> None:
    chat = await chat_for(shop.actor, "en", NLU)
    await chat.send("add A4-80")
    await chat.send("add 12 FILM-17")  # the same journey about another product: it starts over
    assert await _lines(core) == {"FILM-17": 12}
    await chat.send("add A4-80")
    await chat.send("stretch film please")  # no number, but words the catalogue uses: a search
    assert "Found 2 products" in chat.text
    assert await _lines(core) == {"FILM-17": 12}


async def test_a_quantity_given_before_the_product_is_picked_is_added_once_it_is(
    core: Core, shop: Shop, chat_for: ChatMaker
) -> None:
    chat = await chat_for(shop.actor, "en", NLU)
    await chat.send("10 boxes of paper please")
    assert "10 of which one?" in chat.text
    assert len([t for t in chat.titles if "A4-" in t]) == 2
    await chat.press("Paper A4 80")
    assert await _lines(core) == {"A4-80": 50}  # ten boxes of five packs, with no second question


async def test_a_line_that_would_pass_the_maximum_says_so_and_changes_nothing(
    core: Core, shop: Shop, chat_for: ChatMaker
) -> None:
    chat = await chat_for(shop.actor, "en", NLU)
    await chat.send("10 x A4-80")
    await chat.send("99995 x A4-80")
    assert "more than we take in one line" in chat.text and "pack size" not in chat.text
    assert await _lines(core) == {"A4-80": 10}


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_an_ambiguous_product_is_picked_and_a_bad_quantity_gets_the_nearest_allowed(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("add 7 paper")  # "paper", a word the catalogue uses, is looked up at once
    assert ("7 of which one?" if locale == "en" else "7 — а какого товара?") in chat.text
    assert len([t for t in chat.titles if "A4-" in t]) == 2
    await chat.press("Paper A4 80" if locale == "en" else "Бумага офисная А4 80")
    assert "10" in chat.titles[0]  # 7 rounded up to whole packs of 5
    await chat.send("7")
    assert await _lines(core) == {}
    await chat.send("15")
    assert await _lines(core) == {"A4-80": 15}


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_a_pasted_list_adds_the_good_lines_and_reports_the_bad_ones(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("A4-80 10\nNOPE-1 5\nA4-90;3\nA4-80 x 2\nhello there")
    assert chat.fake.calls == []  # never went to NLU
    report = chat.text
    assert await _lines(core) == {"A4-90": 3}
    assert "NOPE-1" in report and "5" in report
    assert ("Line 5" if locale == "en" else "Строка 5") in report
    # 10 + 2 is not whole packs of 5: the second line should say 5
    assert ("A4-80 × 2: not a whole number of packs; 5 would do" if locale == "en" else "подойдёт 5") in report


async def test_a_cp1251_csv_with_russian_headers_is_added(core: Core, shop: Shop, chat_for: ChatMaker) -> None:
    chat = await chat_for(shop.actor, "ru", NLU)
    data = "Наименование;Артикул;Кол-во\nБумага;A4-80;20\nБумага 90;A4-90;4\n".encode("cp1251")
    await chat.send(_upload("заказ.csv", data))
    assert "2 из 2" in chat.text
    assert await _lines(core) == {"A4-80": 20, "A4-90": 4}


async def test_an_xlsx_order_file_is_added_with_a_report(core: Core, shop: Shop, chat_for: ChatMaker) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["SKU", "Qty"])
    sheet.append(["A4-80", 25])
    sheet.append(["GHOST-9", 1])
    buffer = io.BytesIO()
    book.save(buffer)
    chat = await chat_for(shop.actor, "en", NLU)
    await chat.send(_upload("order.xlsx", buffer.getvalue()))
    assert "Added 1 of 2 lines" in chat.text and "Row 3" in chat.text and "GHOST-9" in chat.text
    assert await _lines(core) == {"A4-80": 25}


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_a_broken_file_is_answered_clearly_and_adds_nothing(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send(_upload("order.csv", b"SKU;Qty\nA4-80;10\nA4-90;ten\n"))
    assert ("Row 3" if locale == "en" else "Строка 3") in chat.text
    await chat.send(_upload("order.xlsx", b"PK\x03\x04 not really a workbook"))
    assert ("couldn't read" if locale == "en" else "Не удалось прочитать") in chat.text
    assert await _lines(core) == {}
    assert chat.engine is not None


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_lines_are_changed_and_removed_from_the_cart(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("A4-80 10\nA4-90 3")
    await chat.send("my cart")
    assert rub("4050", locale) in chat.text
    await chat.press("✎ A4-80")
    await chat.send("12")
    assert await _lines(core) == {"A4-80": 10, "A4-90": 3}
    await chat.send("20")
    assert await _lines(core) == {"A4-80": 20, "A4-90": 3}
    await chat.press("✕ A4-90")
    assert await _lines(core) == {"A4-80": 20}
    await chat.press("Clear the cart" if locale == "en" else "Очистить корзину")
    await chat.press("Yes" if locale == "en" else "Да")
    assert await _lines(core) == {}
