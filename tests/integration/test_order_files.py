"""Order lists from clients: pasted "SKU qty" lines, CSV (UTF-8, UTF-8 with BOM, cp1251; any delimiter) and
XLSX order files; broken, oversized and overlong files are refused whole."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from core.errors import InvalidInput
from core.services.order_files import MAX_FILE_BYTES, MAX_ROWS, OrderLineInput, parse_order_file, parse_pasted_list


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _reason(filename: str, data: bytes) -> str:
    with pytest.raises(InvalidInput) as refused:
        parse_order_file(filename, data)
    return str(refused.value.details["reason"])


def test_pasted_lines_in_every_common_shape_are_read_and_bad_lines_are_numbered() -> None:
    pasted = parse_pasted_list("A4-80 10\nPEN-BL-1;5\n\nTON-85A, 2\nENV-C4 x 3\n4 x NB-A5\nwhat is this 7\nthanks!")
    assert pasted is not None
    assert [(line.row, line.sku, line.quantity) for line in pasted.lines] == [
        (1, "A4-80", 10), (2, "PEN-BL-1", 5), (4, "TON-85A", 2), (5, "ENV-C4", 3), (6, "NB-A5", 4)]
    assert pasted.unreadable == (7,)  # a line without a number ("thanks!") orders nothing and is not counted


@pytest.mark.parametrize("text", [
    "A4-80 10 упак\nPEN-BLUE 50 штук\nTAPE-48-66 6 рулонов",
    "A4-80 — 10\nPEN-BLUE — 50\nTAPE-48-66 — 6",
    "A4-80: 10\nPEN-BLUE: 50.\nTAPE-48-66: 6 packs",
    "Добрый день!\nПрошу выставить счёт на:\nA4-80 - 10 уп\nPEN-BLUE - 50 шт\nTAPE-48-66 - 6 шт\nСпасибо",
    "добрый день, нужно: A4-80 10, PEN-BLUE 50, TAPE-48-66 6, спасибо",
    "pls add A4-80 10, PEN-BLUE 50 and 6 TAPE-48-66",
    "A4\u201380 10\nPEN\u2014BLUE 50\nTAPE-48-66 6",
    "Артикул;Кол-во\nA4-80;10\nPEN-BLUE;50\nTAPE-48-66;6",
])
def test_lists_as_people_write_them_are_read_whole(text: str) -> None:
    pasted = parse_pasted_list(text)
    assert pasted is not None
    assert [(line.sku, line.quantity) for line in pasted.lines] == [("A4-80", 10), ("PEN-BLUE", 50), ("TAPE-48-66", 6)]
    assert pasted.unreadable == ()


@pytest.mark.parametrize("text", ["Q1 2026", "заказ 551", "statement for 01.03.2026 - 31.03.2026", "hello\nthanks"])
def test_what_is_not_a_list_is_not_read_as_one(text: str) -> None:
    assert parse_pasted_list(text) is None


def test_file_headers_as_people_write_them_a_total_row_and_thousands_are_read() -> None:
    data = "Item code;Description;Quantity (pcs);Amount\nA4-80;Paper;1,000;318000\nPEN-BLUE;Pens;10 шт;500\n"
    data += "Итого;;1010;318500\n"
    lines = parse_order_file("order.csv", data.encode())
    assert [(line.sku, line.quantity) for line in lines] == [("A4-80", 1000), ("PEN-BLUE", 10)]
    ru = parse_order_file("order.csv", "Артикул;Кол-во, шт\nA4-80;5\n".encode("cp1251"))
    assert [(line.sku, line.quantity) for line in ru] == [("A4-80", 5)]
    assert _reason("order.csv", b"sku,price,amount\nA4-80,300,3000\n") == "no_columns"  # amount is money


def test_items_on_one_line_are_read_as_lines() -> None:
    pasted = parse_pasted_list("PEN-BLUE 50, TAPE-48-66 6; 2 x A4-80")
    assert pasted is not None
    assert [(line.row, line.sku, line.quantity) for line in pasted.lines] == [
        (1, "PEN-BLUE", 50), (2, "TAPE-48-66", 6), (3, "A4-80", 2)]


@pytest.mark.parametrize("text", ["A4-80 10", "A4-80, 10", "hello\nhow are you", "I need paper\nand 10 pens\nplease",
                                  "paper, pens, tape"])
def test_ordinary_messages_are_not_taken_for_a_list(text: str) -> None:
    assert parse_pasted_list(text) is None


def test_a_cp1251_csv_with_russian_headers_and_semicolons_is_read() -> None:
    data = "Наименование;Артикул;Кол-во\nБумага;A4-80;20\nРучки;PEN-1;1 000\n".encode("cp1251")
    assert parse_order_file("заказ.csv", data) == (OrderLineInput(2, "A4-80", 20), OrderLineInput(3, "PEN-1", 1000))


def test_a_utf8_csv_with_a_bom_and_commas_is_read_by_position_without_a_header() -> None:
    data = "\ufeffA4-80,10\nPEN-1,5.0\n".encode()
    assert parse_order_file("o.csv", data) == (OrderLineInput(1, "A4-80", 10), OrderLineInput(2, "PEN-1", 5))


def test_an_xlsx_built_in_memory_is_read_by_its_headers() -> None:
    data = _xlsx([["Qty", "Name", "SKU"], [12, "Paper", "A4-80"], [None, None, None], [3.0, "Pens", "PEN-1"]])
    assert parse_order_file("order.xlsx", data) == (OrderLineInput(2, "A4-80", 12), OrderLineInput(4, "PEN-1", 3))


def test_an_oversized_file_is_refused_before_reading() -> None:
    assert _reason("big.csv", b"A4-80;1\n" * (MAX_FILE_BYTES // 8 + 1)) == "too_big"


def test_a_file_with_too_many_rows_is_refused() -> None:
    data = "".join(f"SKU-{n};1\n" for n in range(MAX_ROWS + 2)).encode()
    assert _reason("many.csv", data) == "too_many_rows"
    assert _reason("many.xlsx", _xlsx([[f"SKU-{n}", 1] for n in range(MAX_ROWS + 2)])) == "too_many_rows"


@pytest.mark.parametrize(
    ("filename", "data", "reason"),
    [
        ("o.xlsx", b"PK\x03\x04garbage", "unreadable"),
        ("o.xlsx", b"not a zip at all", "unreadable"),
        ("o.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "unsupported"),
        ("o.csv", b"SKU;Qty\nA4-80;ten\n", "bad_quantity"),
        ("o.csv", b"SKU;Qty\nA4-80;2.5\n", "bad_quantity"),
        ("o.csv", b"Name;Qty\nPaper;1\n", "no_columns"),
        ("o.csv", b"   \n\n", "empty"),
        ("o.csv", b"SKU;Qty\n;5\n", "no_sku"),
    ],
)
def test_malformed_files_are_refused_with_a_reason(filename: str, data: bytes, reason: str) -> None:
    assert _reason(filename, data) == reason
