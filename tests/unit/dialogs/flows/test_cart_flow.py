"""The cart in conversation: add by text (with units and a clarifying step), a pasted SKU list with a bad
line, CSV and XLSX order files (and broken ones), changing and removing lines by button and by text, clearing."""

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


def _read(intent: str, text: str, *spans: tuple[str, str, object]) -> tuple[str, Parse]:
    """A confident parse of `text`, each entity (name, its words, its value) where its words first appear."""
    entities = tuple(Entity(name, value, text.index(words), text.index(words) + len(words))
                     for name, words, value in spans)
    return text, Parse(intent, 0.95, entities)


# Editing the cart by text. A product entity's value is the SKU the NLU resolved the words to (FILM-17, out of the
# cart): the words as written are what is matched against the cart's lines.
EDITS = dict([
    _read("remove_from_cart", "remove the stretch film from my cart", ("product", "stretch film", "FILM-17")),
    _read("remove_from_cart", "убери плёнку из корзины", ("product", "плёнку", "FILM-17")),
    _read("remove_from_cart", "delete A4-80 from the cart"),
    _read("remove_from_cart", "удали A4-80 из корзины"),
    _read("remove_from_cart", "remove paper", ("product", "paper", "A4-80")),
    _read("remove_from_cart", "убери бумагу", ("product", "бумагу", "A4-80")),
    _read("remove_from_cart", "remove an item"),
    _read("remove_from_cart", "удали позицию"),
    _read("change_quantity", "change paper to 20 packs",
          ("product", "paper", "A4-80"), ("quantity", "20", 20), ("unit", "packs", "pack")),
    _read("change_quantity", "измени количество бумаги на 20", ("product", "бумаги", "A4-80"), ("quantity", "20", 20)),
    _read("change_quantity", "change paper to 7", ("product", "paper", "A4-80"), ("quantity", "7", 7)),
    _read("change_quantity", "поменяй бумагу на 7", ("product", "бумагу", "A4-80"), ("quantity", "7", 7)),
    _read("change_quantity", "change paper to 100005", ("product", "paper", "A4-80"), ("quantity", "100005", 100005)),
    _read("change_quantity", "поменяй бумагу на 100005",
          ("product", "бумагу", "A4-80"), ("quantity", "100005", 100005)),
    _read("change_quantity", "make it 2 boxes of A4-80", ("quantity", "2", 2), ("unit", "boxes", "box")),
    _read("change_quantity", "сделай 2 коробки A4-80", ("quantity", "2", 2), ("unit", "коробки", "box")),
    _read("change_quantity", "change the quantity of A4-80"),
    _read("change_quantity", "измени количество A4-80"),
    _read("change_quantity", "change stretch film to 5", ("product", "stretch film", "FILM-17"), ("quantity", "5", 5)),
    _read("change_quantity", "поменяй плёнку на 5", ("product", "плёнку", "FILM-17"), ("quantity", "5", 5)),
    _read("remove_from_cart", "remove 1 box of A4-80", ("quantity", "1", 1), ("unit", "box", "box")),
    _read("remove_from_cart", "убери 3 пачки A4-80", ("quantity", "3", 3), ("unit", "пачки", "pack")),
    _read("remove_from_cart", "remove 40 A4-80", ("quantity", "40", 40)),
    _read("clear_cart", "clear my cart"),
    _read("clear_cart", "очисти корзину"),
])

NLU = {
    **EDITS,
    "10 x A4-80": Parse("add_to_cart", 0.95, (Entity("quantity", 10, 0, 2), Entity("sku", "A4-80", 5, 10))),
    "add 20 A4-80": Parse("add_to_cart", 0.95, (Entity("quantity", 20, 4, 6), Entity("sku", "A4-80", 7, 12))),
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
    # Unsure, and its first guess is not adding: a quantity and a product must not become an order line.
    "убери 2 коробки бумаги": Parse("remove_from_cart", 0.48, (
        Entity("quantity", 2, 6, 7), Entity("unit", "box", 8, 15), Entity("product", "A4-80", 16, 22))),
    # Unsure of the intent, but nothing besides a quantity and an SKU: added without asking.
    "15 x A4-80": Parse("add_to_cart", 0.49, (Entity("quantity", 15, 0, 2), Entity("sku", "A4-80", 5, 10))),
    "A4-80 x 3": Parse("add_to_cart", 0.49, (Entity("sku", "A4-80", 0, 5), Entity("quantity", 3, 8, 9))),
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
    if text[0].isdigit():  # the NLU was unsure: the line is shown and added on a yes
        assert "Добавить в корзину 50\u00a0уп.: Бумага офисная А4" in chat.text and await _lines(core) == {}
        await chat.press("Добавить")
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
    assert "Add 50\u00a0packs of Paper A4 80" in chat.text  # ten boxes of five packs; the NLU was unsure
    await chat.press("Add")
    assert await _lines(core) == {"A4-80": 50}


async def test_an_unsure_order_line_turned_down_adds_nothing(core: Core, shop: Shop, chat_for: ChatMaker) -> None:
    chat = await chat_for(shop.actor, "ru", NLU)
    await chat.send("10 коробок бумаги")
    await chat.press("Отмена")
    assert await _lines(core) == {}


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
    await chat.send("A4-80 10\nNOPE-1 5\nA4-90;3\nA4-80 x 2\nhello there 5\nthanks!")
    assert chat.fake.calls == []  # never went to NLU
    report = chat.text
    assert await _lines(core) == {"A4-90": 3}
    assert "NOPE-1" in report and "5" in report
    assert ("Line 5" if locale == "en" else "Строка 5") in report
    assert ("Line 6" if locale == "en" else "Строка 6") not in report  # no number in it: not an order line
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


# Editing the cart by text -------------------------------------------------------------------------

SAY = {
    "en": {"remove film": "remove the stretch film from my cart", "remove A4-80": "delete A4-80 from the cart",
           "remove paper": "remove paper", "remove": "remove an item", "paper to 20": "change paper to 20 packs",
           "paper to 7": "change paper to 7", "paper to 100005": "change paper to 100005",
           "2 boxes": "make it 2 boxes of A4-80", "change A4-80": "change the quantity of A4-80",
           "film to 5": "change stretch film to 5", "clear": "clear my cart", "yes": "Yes"},
    "ru": {"remove film": "убери плёнку из корзины", "remove A4-80": "удали A4-80 из корзины",
           "remove paper": "убери бумагу", "remove": "удали позицию", "paper to 20": "измени количество бумаги на 20",
           "paper to 7": "поменяй бумагу на 7", "paper to 100005": "поменяй бумагу на 100005",
           "2 boxes": "сделай 2 коробки A4-80", "change A4-80": "измени количество A4-80",
           "film to 5": "поменяй плёнку на 5", "clear": "очисти корзину", "yes": "Да"},
}
PAPER_80 = {"en": "Paper A4 80", "ru": "Бумага офисная А4 80"}
PAPER_90 = {"en": "Paper A4 90", "ru": "Бумага офисная А4 90"}


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_a_product_named_by_text_is_removed_by_its_words_not_by_the_sku_nlu_guessed(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("A4-80 10\nFILM-20 3")
    await chat.send(SAY[locale]["remove film"])  # the NLU resolved the words to FILM-17; the cart holds FILM-20
    assert await _lines(core) == {"A4-80": 10}
    assert ("Removed." if locale == "en" else "Удалено.") in chat.text and "A4-80" in chat.text
    await chat.send(SAY[locale]["remove A4-80"])  # an SKU with no entity for it
    assert await _lines(core) == {}


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_a_product_that_is_not_in_the_cart_is_said_so_and_the_cart_is_shown(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("10 x A4-80")
    await chat.send(SAY[locale]["remove film"])
    assert ('There is no "stretch film" in your cart.' if locale == "en" else "«плёнку» в корзине нет.") in chat.text
    assert "A4-80" in chat.text and "✕ A4-80" in chat.titles
    await chat.send(SAY[locale]["film to 5"])
    assert ("stretch film" if locale == "en" else "плёнку") in chat.text
    assert await _lines(core) == {"A4-80": 10}


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_a_name_that_fits_several_lines_asks_which_and_removes_the_one_picked(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("A4-80 10\nA4-90 3\nFILM-20 2")
    await chat.send(SAY[locale]["remove paper"])
    assert await _lines(core) == {"A4-80": 10, "A4-90": 3, "FILM-20": 2}
    assert len([t for t in chat.titles if "A4-" in t]) == 2 and not [t for t in chat.titles if "FILM" in t]
    await chat.press(PAPER_90[locale])
    assert await _lines(core) == {"A4-80": 10, "FILM-20": 2}


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_removing_with_no_product_named_offers_every_line(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("A4-80 10\nFILM-20 2")
    await chat.send(SAY[locale]["remove"])
    assert len([t for t in chat.titles if "A4-80" in t or "FILM-20" in t]) == 2
    await chat.send("FILM-20")  # a line named by typing, instead of a tap
    assert await _lines(core) == {"A4-80": 10}


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_a_quantity_changed_by_text_is_set_on_the_line_it_names(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("A4-80 10\nFILM-20 2")
    await chat.send(SAY[locale]["paper to 20"])
    assert await _lines(core) == {"A4-80": 20, "FILM-20": 2}
    assert rub("6000", locale) in chat.text  # the cart, shown with the new line total
    await chat.send(SAY[locale]["2 boxes"])  # two boxes of five-pack paper are ten packs
    assert await _lines(core) == {"A4-80": 10, "FILM-20": 2}


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_a_new_quantity_given_before_the_line_is_picked_is_set_once_it_is(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("A4-80 10\nA4-90 3")
    await chat.send(SAY[locale]["paper to 20"])
    assert await _lines(core) == {"A4-80": 10, "A4-90": 3}
    await chat.press(PAPER_90[locale])
    assert await _lines(core) == {"A4-80": 10, "A4-90": 20}  # with no second question


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_a_new_quantity_the_rules_refuse_is_answered_with_the_reason_and_asked_again(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("10 x A4-80")
    await chat.send(SAY[locale]["paper to 7"])  # packs of 5
    assert ("7 isn't allowed for this product; 10 would do." if locale == "en"
            else "7 для этого товара недопустимо; подойдёт 10.") in chat.text
    await chat.send(SAY[locale]["paper to 100005"])
    assert ("at most 100" if locale == "en" else "не более 100") in chat.text
    assert await _lines(core) == {"A4-80": 10}
    await chat.send("15")
    assert await _lines(core) == {"A4-80": 15}


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_a_refused_quantity_for_a_picked_line_is_asked_again_with_the_reason(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("A4-80 10\nA4-90 3")
    await chat.send(SAY[locale]["paper to 7"])
    await chat.press(PAPER_80[locale])
    assert ("10 would do" if locale == "en" else "подойдёт 10") in chat.text
    assert await _lines(core) == {"A4-80": 10, "A4-90": 3}
    await chat.send("25")
    assert await _lines(core) == {"A4-80": 25, "A4-90": 3}


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_a_change_with_no_quantity_asks_for_it(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("A4-80 10\nA4-90 3")
    await chat.send(SAY[locale]["change A4-80"])
    assert PAPER_80[locale] in chat.text and ("new quantity" if locale == "en" else "новое количество") in chat.text
    await chat.send("30")
    assert await _lines(core) == {"A4-80": 30, "A4-90": 3}


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_clearing_by_text_asks_first_and_then_empties_the_cart(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("A4-80 10\nA4-90 3")
    await chat.send(SAY[locale]["clear"])
    assert ("Remove everything from the cart?" if locale == "en" else "Удалить всё из корзины?") in chat.text
    assert await _lines(core) == {"A4-80": 10, "A4-90": 3}
    await chat.send(SAY[locale]["yes"])
    assert await _lines(core) == {}


@pytest.mark.parametrize("locale", ["en", "ru"])
@pytest.mark.parametrize("what", ["remove film", "paper to 20", "clear"])
async def test_editing_an_empty_cart_by_text_says_it_is_empty(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str, what: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send(SAY[locale][what])
    assert chat.text == ("Your cart is empty. Find products and add them first." if locale == "en"
                         else "Корзина пуста. Сначала найдите и добавьте товары.")
    await chat.send("10 x A4-80")  # nothing was left waiting: the next message is read afresh
    assert await _lines(core) == {"A4-80": 10}


async def test_removing_a_quantity_takes_it_off_the_line_not_the_whole_line(
    core: Core, shop: Shop, chat_for: ChatMaker
) -> None:
    chat = await chat_for(shop.actor, "en", NLU)
    await chat.send("add 20 A4-80")
    await chat.send("remove 1 box of A4-80")  # a box of A4 paper is five packs
    assert await _lines(core) == {"A4-80": 15}
    await chat.send("убери 3 пачки A4-80")  # 12 would not be whole packs of five: said, and nothing changes
    assert "12" in chat.text and await _lines(core) == {"A4-80": 15}
    await chat.send("remove 40 A4-80")  # more than the line holds: the line goes
    assert await _lines(core) == {}


async def test_an_unsure_guess_of_another_intent_never_adds_to_the_cart(
    core: Core, shop: Shop, chat_for: ChatMaker
) -> None:
    chat = await chat_for(shop.actor, "ru", NLU)
    await chat.send("убери 2 коробки бумаги")
    assert await _lines(core) == {}


async def test_adding_more_than_the_stock_says_so_at_once(core: Core, shop: Shop, chat_for: ChatMaker) -> None:
    chat = await chat_for(shop.actor, "en", NLU)
    await chat.send("add 12 FILM-17")  # none in stock, 200 incoming
    assert "Added" in chat.text and "⚠ out of stock, expected" in chat.text
    await chat.send("add 20 A4-80")  # 20 of 100 in stock: no warning
    assert "⚠" not in chat.text


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_a_bare_order_line_is_added_however_unsure_the_intent(
    core: Core, shop: Shop, chat_for: ChatMaker, locale: str
) -> None:
    chat = await chat_for(shop.actor, locale, NLU)
    await chat.send("15 x A4-80")
    assert await _lines(core) == {"A4-80": 15}
    await chat.send("A4-80 x 3")  # packs of 5: refused once, with the nearest allowed quantity first to press
    said = ("3 won't do; the nearest allowed quantity is 5." if locale == "en"
            else "3 не подходит; ближайшее допустимое количество — 5.")
    assert chat.text.count(said) == 1 and "недопустимо" not in chat.text and "isn't allowed" not in chat.text
    await chat.press("5")
    assert await _lines(core) == {"A4-80": 20}


@pytest.mark.parametrize("dash", ["\u2010", "\u2011", "\u2013", "\u2212"])
async def test_a_dash_word_processors_put_in_an_sku_is_a_hyphen(
    core: Core, shop: Shop, chat_for: ChatMaker, dash: str
) -> None:
    chat = await chat_for(shop.actor, "en", NLU)
    await chat.send(f"10 x A4{dash}80")  # Word and Outlook turn "-" into these
    assert await _lines(core) == {"A4-80": 10}


async def test_an_order_file_sent_while_checkout_asks_for_a_city_is_added_and_checkout_goes_on(
    core: Core, shop: Shop, chat_for: ChatMaker
) -> None:
    chat = await chat_for(shop.actor, "en", {**NLU, "checkout": Parse("checkout", 0.95)})
    await chat.send("10 x A4-80")
    await chat.send("checkout")
    await chat.send(_upload("order.csv", b"sku;qty\nA4-90;3\n"))
    assert await _lines(core) == {"A4-80": 10, "A4-90": 3}  # not dropped for not being a city
    assert "Back to checkout" in chat.text and "Where to deliver?" in chat.text
