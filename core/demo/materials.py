"""The shared library of corporate materials: a price list extract, delivery terms and a company profile."""

from __future__ import annotations

import csv
import datetime as dt
import io

from core.demo.catalog import Catalogue
from core.demo.names import SUPPLIER_NAME
from core.demo.rows import Rows
from core.models import Document

PRICE_LIST_ROWS = 300

DELIVERY_TERMS_EN = f"""{SUPPLIER_NAME}: terms of delivery

1. Pickup is free at our warehouses in Moscow, Saint Petersburg, Kazan and Novosibirsk during their opening
   hours. Goods held in another warehouse are transferred within 1-3 working days.
2. Courier delivery (parcels up to 30 kg) and road freight are charged by weight and zone; the bot quotes
   every option before you confirm an order.
3. Orders confirmed before 14:00 Moscow time leave the warehouse the next working day.
4. Check the number of packages on delivery; report damaged goods within 5 working days and we issue a
   credit note or replace them.
5. Credit customers pay within the days in their contract; others pay the invoice before dispatch.
"""

DELIVERY_TERMS_RU = f"""{SUPPLIER_NAME}: условия доставки

1. Самовывоз со складов в Москве, Санкт-Петербурге, Казани и Новосибирске бесплатный, в часы работы склада.
   Товар с другого склада перемещаем за 1-3 рабочих дня.
2. Курьерская доставка (до 30 кг) и доставка транспортной компанией оплачиваются по весу и зоне; бот
   покажет все варианты до подтверждения заказа.
3. Заказы, подтверждённые до 14:00 по Москве, отгружаются на следующий рабочий день.
4. Проверяйте количество мест при получении; о повреждённом товаре сообщите в течение 5 рабочих дней —
   мы выпишем корректировку или заменим товар.
5. Клиенты с отсрочкой платят в срок по договору, остальные — по счёту до отгрузки.
"""

PROFILE_LINES = (
    f"{SUPPLIER_NAME} - wholesale supplies for business",
    "",
    "Office supplies, packaging, cleaning and hygiene, gloves and PPE,",
    "fasteners and tools, electrical goods, food-service disposables.",
    "",
    "Four warehouses: Moscow, Saint Petersburg, Kazan, Novosibirsk.",
    "Order in Telegram, WhatsApp or web chat, 24/7.",
    "Your account manager is one tap away.",
)


def build_materials(rows: Rows, catalogue: Catalogue, *, today: dt.date) -> None:
    created = dt.datetime.combine(today, dt.time(), dt.UTC) - dt.timedelta(days=14)
    documents = (
        ("Price list (extract)", "price-list.csv", "text/csv; charset=utf-8", _price_list(catalogue)),
        ("Terms of delivery", "delivery-terms-en.txt", "text/plain; charset=utf-8", DELIVERY_TERMS_EN.encode()),
        ("Условия доставки", "delivery-terms-ru.txt", "text/plain; charset=utf-8", DELIVERY_TERMS_RU.encode()),
        ("Company profile", "company-profile.pdf", "application/pdf", _pdf(PROFILE_LINES)),
    )
    for title, filename, content_type, content in documents:
        rows.add(Document, {
            "company_id": None, "kind": "material", "title": title, "filename": filename,
            "content_type": content_type, "content": content, "order_id": None, "ledger_entry_id": None,
            "external_id": None, "created_at": created, "updated_at": created,
        })


def _price_list(catalogue: Catalogue) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(("sku", "name", "unit", "pack_size", "min_order_qty", "base", "silver", "gold"))
    active = [p for p in catalogue.products if p.is_active][:PRICE_LIST_ROWS]
    for product in active:
        writer.writerow((
            product.sku, product.name, product.unit, product.pack_size, product.min_order_qty,
            *(catalogue.prices[tier][product.id][0][1] for tier in ("base", "silver", "gold")),
        ))
    return out.getvalue().encode("utf-8-sig")  # the BOM makes spreadsheet programs read UTF-8


def _pdf(lines: tuple[str, ...]) -> bytes:
    """A one-page PDF with lines of ASCII text in Helvetica; small, valid, no library needed."""
    text = ["BT", "/F1 14 Tf", "72 760 Td", "18 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        text.append(f"({escaped}) Tj T*")
    text.append("ET")
    stream = "\n".join(text).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
