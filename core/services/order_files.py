"""Order lists a client sends as they are: a pasted block of "SKU qty" lines, or a CSV / XLSX order file.

Parsing only: the result is (SKU, quantity) lines for `cart.add_lines`, which checks the products. A file
that cannot be read as a whole (too big, too many rows, not CSV or XLSX, no quantity column, a quantity
that is not a whole number) is refused with `InvalidInput` whose `reason` detail names the problem, so
nothing of it is added.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from core.errors import InvalidInput

MAX_FILE_BYTES = 1_000_000
MAX_ROWS = 500
MAX_PASTED_LINES = 200
MAX_SKU_LENGTH = 64

SKU_HEADERS = frozenset({"sku", "article", "item", "code", "product code", "item code", "item no", "part number",
                         "артикул", "арт", "код", "код товара"})
# Not "amount": in a purchase order that is the money, and a price list's export would become its quantities.
QUANTITY_HEADERS = frozenset({"quantity", "qty", "count", "order qty", "количество", "кол-во", "колво", "кол",
                              "заказ"})
_TOTAL = re.compile(r"(?:итог|всего|total)", re.IGNORECASE)
CSV_ENCODINGS = ("utf-8-sig", "cp1251")
CSV_DELIMITERS = ";,\t|"
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
_Row = tuple[int, Sequence[object]]  # (row number in the file, cells)

# "A4-80 10", "A4-80;10", "A4-80, 10", "A4-80 x 10", "A4-80 - 10 шт", "A4-80: 10 packs.", "add 10 x A4-80"
_SKU = r"[A-Za-z0-9][A-Za-z0-9._/-]*"
_SEP = r"(?:\s*[;,:\t]\s*|\s*[x×хX*]\s*|\s*[-–—]\s+|\s+[–—]\s*|\s+)"
_UNIT = r"(?:\s*[^\W\d_]{1,12}\.?)?"  # any word after the number: pcs, шт., packs, упаковок, рулонов
_WORDS = r"(?:[^\W\d_]+[:,]?\s+){0,3}"  # a few words before the line: "pls add", "нужно:"
_END = r"\s*[.!;,]?\s*$"
_SKU_FIRST = re.compile(rf"^\s*{_WORDS}(?P<sku>{_SKU}){_SEP}(?P<qty>\d+){_UNIT}{_END}", re.IGNORECASE)
_QTY_FIRST = re.compile(rf"^\s*{_WORDS}(?P<qty>\d+){_UNIT}(?:\s*[x×хX*]\s*|\s+)(?P<sku>{_SKU}){_END}",
                        re.IGNORECASE)
_ITEM_BREAK = re.compile(r"\s*[;,]\s+|\s+(?:and|и)\s+")  # between items written on one line
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))


@dataclass(frozen=True, slots=True)
class OrderLineInput:
    """One line to order; `row` is its line (pasted text) or row (file) number, counted from 1."""

    row: int
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class PastedList:
    lines: tuple[OrderLineInput, ...]
    unreadable: tuple[int, ...]  # line numbers that are not "SKU quantity"


def parse_pasted_list(text: str) -> PastedList | None:
    """Lines of "SKU qty" (or "SKU;qty", "SKU,qty", "SKU x qty", "qty x SKU") pasted as one message.

    None unless the text looks like such a list: at least two non-empty lines, most of them readable,
    and each readable one naming something that looks like a code (a digit or a dash in it). One line of
    items separated by commas or semicolons and a space ("PEN-BLUE 50, TAPE-48-66 6") is read as that many
    lines.
    """
    raw = [line for line in text.splitlines()]
    if len([line for line in raw if line.strip()]) == 1:
        raw = _ITEM_BREAK.split(text.strip())
    # A line without a digit ("Добрый день!", "thanks", a header) orders nothing and is not counted against the list.
    numbered = [(i, line) for i, line in enumerate(raw, start=1) if any(ch.isdigit() for ch in line)]
    if len(numbered) < 2 or len(numbered) > MAX_PASTED_LINES:
        return None
    lines: list[OrderLineInput] = []
    unreadable: list[int] = []
    for number, line in numbered:
        found = read_line(line)
        if found is None:
            unreadable.append(number)
        else:
            lines.append(OrderLineInput(number, found[0], found[1]))
    if len(lines) < 2 or len(lines) < len(unreadable) * 2:
        return None
    return PastedList(tuple(lines), tuple(unreadable))


def read_line(line: str) -> tuple[str, int] | None:
    """One "SKU qty" line ("A4-80 x 10", "10 x A4-80", "A4-80 - 10 шт") as (SKU, quantity), else None."""
    line = line.translate(_DASHES)  # "A4–80" as Word and Outlook write it
    match = _SKU_FIRST.match(line) or _QTY_FIRST.match(line)
    if match is None:
        return None
    sku = match.group("sku").strip(".,;")
    if not any(ch.isdigit() or ch == "-" for ch in sku) or len(sku) > MAX_SKU_LENGTH:
        return None
    return sku, int(match.group("qty"))


def parse_order_file(filename: str, data: bytes) -> tuple[OrderLineInput, ...]:
    """The (SKU, quantity) rows of a CSV or XLSX order file; `InvalidInput` (with `reason`) if unreadable.

    Columns are found by their header (English or Russian: "SKU"/"Артикул", "Qty"/"Количество"/"Кол-во");
    without a recognised header the first column is the SKU and the second the quantity.
    """
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput("the file is too big", reason="too_big", size=len(data), maximum=MAX_FILE_BYTES)
    if not data.strip():
        raise InvalidInput("the file is empty", reason="empty")
    name = filename.lower()
    if data.startswith(_OLE_MAGIC) or name.endswith(".xls"):
        raise InvalidInput("old .xls files are not supported; save as .xlsx or .csv", reason="unsupported")
    if data.startswith(_XLSX_MAGIC):
        rows: Iterable[_Row] = _xlsx_rows(data)
    elif name.endswith((".xlsx", ".xlsm")):
        raise InvalidInput("the file is not a valid XLSX workbook", reason="unreadable")
    else:
        rows = _csv_rows(data)
    return _lines(rows)


def _csv_rows(data: bytes) -> list[_Row]:
    text = _decode(data)
    if "\x00" in text:
        raise InvalidInput("the file is not a text (CSV) file", reason="unreadable")
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS)
    except csv.Error:
        # One column, or a sample the sniffer cannot decide on: a semicolon is what spreadsheets in
        # Russian locales write, a comma everyone else.
        delimiter = ";" if ";" in sample else "\t" if "\t" in sample else ","
        dialect = _simple_dialect(delimiter)
    try:
        return list(_limited(csv.reader(io.StringIO(text, newline=""), dialect)))
    except csv.Error as error:
        raise InvalidInput("the CSV file is malformed", reason="unreadable", error=str(error)) from error


def _simple_dialect(delimiter: str) -> csv.Dialect:
    class Simple(csv.excel):
        pass

    Simple.delimiter = delimiter
    return Simple()


def _decode(data: bytes) -> str:
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("the file's text encoding is not UTF-8 or Windows-1251", reason="unreadable")


def _xlsx_rows(data: bytes) -> list[_Row]:
    from openpyxl import load_workbook  # imported on use: only order files need it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        raise InvalidInput("the file is not a valid XLSX workbook", reason="unreadable") from error
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise InvalidInput("the workbook has no sheets", reason="empty")
        return list(_limited(sheet.iter_rows(values_only=True)))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise InvalidInput("the file is not a valid XLSX workbook", reason="unreadable") from error
    finally:
        workbook.close()


def _limited(rows: Iterable[Sequence[object]]) -> Iterable[_Row]:
    """Rows with something in them, with their row numbers; more than the row limit (plus a header) is
    refused while reading, so a huge sheet is never loaded whole."""
    kept = 0
    for number, row in enumerate(rows, start=1):
        if not any(_cell(value) for value in row):
            continue
        kept += 1
        if kept > MAX_ROWS + 1:
            raise InvalidInput("the file has too many rows", reason="too_many_rows", maximum=MAX_ROWS)
        yield number, row


def _lines(rows: Iterable[_Row]) -> tuple[OrderLineInput, ...]:
    table = [(number, [_cell(value) for value in row]) for number, row in rows]
    if not table:
        raise InvalidInput("the file is empty", reason="empty")
    sku_col, qty_col, has_header = _columns(table[0][1])
    body = table[1:] if has_header else table
    if len(body) > MAX_ROWS:
        raise InvalidInput("the file has too many rows", reason="too_many_rows", maximum=MAX_ROWS)
    lines: list[OrderLineInput] = []
    for number, row in body:
        sku = row[sku_col] if sku_col < len(row) else ""
        raw = row[qty_col] if qty_col < len(row) else ""
        if not sku and not raw:
            continue
        if any(_TOTAL.match(cell) for cell in row if not any(ch.isdigit() for ch in cell)):
            continue  # "Итого;;60", ",Total,60": the sum of the rows above
        if not sku or len(sku) > MAX_SKU_LENGTH:
            raise InvalidInput("a row has no SKU", reason="no_sku", row=number)
        quantity = _whole_number(raw)
        if quantity is None:
            raise InvalidInput("a quantity is not a whole number", reason="bad_quantity", row=number, value=raw[:20])
        lines.append(OrderLineInput(number, sku, quantity))
    if not lines:
        raise InvalidInput("the file has no order lines", reason="empty")
    return tuple(lines)


def _columns(header: Sequence[str]) -> tuple[int, int, bool]:
    """(SKU column, quantity column, whether the first row is a header)."""
    names = [_header_name(cell) for cell in header]
    sku_col = next((i for i, name in enumerate(names) if name in SKU_HEADERS), None)
    qty_col = next((i for i, name in enumerate(names) if name in QUANTITY_HEADERS), None)
    if sku_col is not None and qty_col is not None:
        return sku_col, qty_col, True
    if sku_col is not None or qty_col is not None:
        raise InvalidInput("the file needs an SKU column and a quantity column", reason="no_columns")
    if len(header) < 2:
        raise InvalidInput("the file needs an SKU column and a quantity column", reason="no_columns")
    # No header we know: by position, and a first row whose quantity is not a number is a header.
    return 0, 1, _whole_number(header[1]) is None


def _header_name(cell: str) -> str:
    """A header cell as looked up: "Кол-во, шт" -> "кол-во", "Quantity (pcs)" -> "quantity", "Qty." -> "qty"."""
    name = re.sub(r"\(.*?\)", " ", cell.lower().replace("ё", "е")).split(",", 1)[0]
    return " ".join(name.replace("#", " ").replace("№", " ").split()).rstrip(":.")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Spreadsheets store every number as a float; a whole one is written without ".0".
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _whole_number(raw: str) -> int | None:
    """"10", "10,0", "1 000", "1,000" or "1.000" (thousands), "10 шт"; None for anything else."""
    text = re.sub(r"\s*[^\W\d_]+\.?$", "", raw.replace("\u00a0", "").replace(" ", ""))  # a unit after it
    if re.fullmatch(r"\d{1,3}(?:[,.]\d{3})+", text):
        text = text.replace(",", "").replace(".", "")
    text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.to_integral_value():
        return None
    return int(number)
