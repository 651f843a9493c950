"""Documents from accounting: put by external id (a repeat changes nothing, a resend replaces), and every refusal
leaves the table as it was."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from functools import cache

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from core.bootstrap import Core
from core.errors import DomainError, InvalidInput, NotFound
from core.models import Company, Document, LedgerKind, Order
from core.services import documents
from core.services.documents import MAX_DOCUMENT_BYTES, DocumentUpload
from tests.factories import Build

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
NOW = dt.datetime(2030, 3, 1, 9, 0, tzinfo=dt.UTC)


@cache  # one workbook: a workbook saved again carries a new timestamp, so its bytes differ
def xlsx() -> bytes:
    out = io.BytesIO()
    book = Workbook()
    book.active.append(["date", "amount"])  # type: ignore[union-attr]
    book.save(out)
    return out.getvalue()


def docx() -> bytes:
    """A ZIP that is not a workbook (a Word file's parts)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()


@dataclass
class Books:
    company: Company
    other: Company
    order: Order
    other_order: Order


@pytest.fixture
async def books(core: Core) -> Books:
    async with core.uow() as uow:
        build = Build(uow.session)
        company = await build.company(external_id="c1")
        other = await build.company(external_id="c2")
        order = await build.order(company, external_id="1c-order-519")
        other_order = await build.order(other)
        await uow.commit()
    return Books(company, other, order, other_order)


def upload(books: Books, **overrides: object) -> DocumentUpload:
    fields: dict[str, object] = {
        "external_id": "doc-1", "company_external_id": "c1", "kind": "invoice", "title": "СЧ-519",
        "filename": "invoice-519.pdf", "content_type": "application/pdf", "content": PDF, "order_id": books.order.id,
    }
    fields.update(overrides)
    return DocumentUpload(**fields)  # type: ignore[arg-type]


async def put(core: Core, given: DocumentUpload, now: dt.datetime = NOW) -> documents.PutDocument:
    async with core.uow() as uow:
        done = await documents.put_document(uow.session, given, now=now)
        await uow.commit()
    return done


async def stored(core: Core) -> list[tuple[object, ...]]:
    """Every document row, every column: what a refusal must leave as it was."""
    async with core.uow() as uow:
        rows = await uow.session.scalars(select(Document).order_by(Document.id))
        return [tuple(getattr(row, c.key) for c in Document.__table__.columns) for row in rows]


async def test_a_file_is_created_and_sending_it_again_changes_nothing(core: Core, books: Books) -> None:
    first = await put(core, upload(books))
    before = await stored(core)
    again = await put(core, upload(books), now=NOW + dt.timedelta(hours=1))
    assert (first.outcome, again.outcome) == ("created", "unchanged")
    assert await stored(core) == before
    view = again.document
    assert (view.external_id, view.company_external_id, view.kind, view.filename, view.content_type, view.size,
            view.order_id) == ("doc-1", "c1", "invoice", "invoice-519.pdf", "application/pdf", len(PDF), books.order.id)
    assert view.updated_at == view.created_at


async def test_sending_the_same_external_id_again_replaces_the_file_and_its_fields(core: Core, books: Books) -> None:
    await put(core, upload(books))
    later = NOW + dt.timedelta(days=1)
    replaced = await put(core, upload(books, title="СЧ-519/2", filename="Счёт 519.xlsx", content=xlsx(),
                                      content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                      order_id=None), now=later)
    assert replaced.outcome == "updated"
    async with core.uow() as uow:
        document = await uow.session.scalar(select(Document).where(Document.external_id == "doc-1"))
    assert document is not None
    assert (document.title, document.filename, document.order_id, document.content) == (
        "СЧ-519/2", "Счёт 519.xlsx", None, xlsx())
    assert len(await stored(core)) == 1


async def test_text_files_keep_their_charset_and_windows_1251_is_taken(core: Core, books: Books) -> None:
    csv_1251 = "дата;сумма\n01.03.2030;3000\n".encode("cp1251")
    view = (await put(core, upload(books, kind="reconciliation", filename="akt.csv", content=csv_1251,
                                   content_type="text/csv; charset=windows-1251"))).document
    assert view.content_type == "text/csv; charset=windows-1251"
    html = (await put(core, upload(books, external_id="doc-2", filename="invoice.HTML", content=b"<p>Invoice</p>",
                                   content_type="Text/HTML"))).document
    assert html.content_type == "text/html; charset=utf-8"


@pytest.mark.parametrize(("content_type", "content", "filename"), [
    ("image/png", PNG, "scan.png"),
    ("image/jpeg", JPEG, "scan.jpg"),
    ("image/jpeg", JPEG, "scan.jpeg"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", None, "statement.xlsx"),
])
async def test_every_binary_type_is_taken_by_its_bytes(
    core: Core, books: Books, content_type: str, content: bytes | None, filename: str
) -> None:
    done = await put(core, upload(books, content_type=content_type, content=content or xlsx(), filename=filename))
    assert done.document.content_type == content_type


@pytest.mark.parametrize(("change", "message"), [
    ({"company_external_id": "nobody"}, "unknown company nobody"),
    ({"order_id": -1}, "is not an order of this company"),  # set to the other company's order below
    ({"order_id": 999_999}, "order 999999 is not an order of this company"),
    ({"order_id": None, "order_external_id": "nowhere"}, "order nowhere is not an order of this company"),
    ({"kind": "receipt"}, "unknown document kind 'receipt'"),
    ({"kind": "material"}, "unknown document kind 'material'"),
    ({"content": b""}, "the file is empty"),
    ({"content": PDF + b"0" * MAX_DOCUMENT_BYTES}, "the limit is 10,485,760 (10 MB)"),
    ({"content_type": "application/zip"}, "content type 'application/zip' is not taken"),
    ({"content_type": "application/x-msdownload", "filename": "invoice.exe"}, "is not taken"),
    ({"content": PNG}, "the file is not a PDF (it is a PNG image)"),
    ({"content": b"<html>not a pdf</html>"}, "the file is not a PDF"),
    ({"content_type": "image/png", "filename": "scan.png"}, "the file is not a PNG image (it is a PDF)"),
    ({"content_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "content": docx(),
      "filename": "s.xlsx"}, "the file is not an XLSX workbook"),
    ({"content_type": "text/html", "filename": "i.html"}, "the file is a PDF, not HTML"),
    ({"content_type": "text/csv", "filename": "s.csv", "content": "сумма".encode("cp1251")},
     "declare charset=windows-1251"),
    ({"content_type": "text/csv; charset=utf-7", "filename": "s.csv", "content": b"a;b"},
     "charset 'utf-7' is not taken"),
    ({"content_type": "text/csv", "filename": "s.csv", "content": b"a;b\x00"}, "NUL bytes"),
    ({"filename": "../../etc/invoice.pdf"}, "without a path"),
    ({"filename": "C:\\docs\\invoice.pdf"}, "without a path"),
    ({"filename": "invoice\n519.pdf"}, "control or invisible"),
    ({"filename": "invoice\u202efdp.exe"}, "control or invisible"),
    ({"filename": "invoice.exe"}, "a PDF file's name ends in .pdf, not .exe"),
    ({"filename": "invoice"}, "needs a name and an extension"),
    ({"filename": ".pdf"}, "needs a name and an extension"),
    ({"filename": "   "}, "the filename is empty"),
    ({"filename": "x" * 200 + ".pdf"}, "longer than 200"),
    ({"title": " "}, "the title must be"),
    ({"title": "Invoice\r\n519"}, "the title must be"),
    ({"external_id": " doc-1"}, "the external id must be"),
    ({"ledger_entry_external_id": "theirs"}, "ledger entry theirs is not an entry of this company"),
    ({"ledger_entry_external_id": "for-another-order"}, "is for order"),
    ({"ledger_entry_number": "SAME-1"}, "several ledger entries numbered SAME-1"),
    ({"order_id": -1, "order_external_id": "1c-order-519"}, "is not an order of this company"),
])
async def test_a_refused_file_changes_nothing(
    core: Core, books: Books, change: dict[str, object], message: str
) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        theirs = await build.ledger(books.other, LedgerKind.INVOICE, "10")
        theirs.external_id = "theirs"
        elsewhere = await build.order(books.company)
        entry = await build.ledger(books.company, LedgerKind.INVOICE, "10")
        entry.external_id, entry.order_id = "for-another-order", elsewhere.id
        for _ in range(2):
            (await build.ledger(books.company, LedgerKind.INVOICE, "10")).number = "SAME-1"
        await uow.commit()
    await put(core, upload(books))
    if change.get("order_id") == -1:
        change = {**change, "order_id": books.other_order.id}
    before = await stored(core)
    for external_id in ("doc-1", "doc-new"):  # neither a replacement nor a new file lands
        refused = dataclasses.replace(upload(books, **change), external_id=change.get("external_id", external_id))
        with pytest.raises(DomainError) as raised:
            await put(core, refused)
        assert isinstance(raised.value, InvalidInput)
        assert message in raised.value.message
        assert await stored(core) == before


async def test_the_order_is_found_by_its_external_id_or_from_the_ledger_entry(core: Core, books: Books) -> None:
    by_external = await put(core, upload(books, order_id=None, order_external_id="1c-order-519"))
    assert by_external.document.order_id == books.order.id
    async with core.uow() as uow:
        entry = await Build(uow.session).ledger(books.company, LedgerKind.INVOICE, "3000")
        entry.external_id, entry.order_id = "inv-519", books.order.id
        await uow.commit()
    by_entry = await put(core, upload(books, external_id="doc-2", order_id=None, ledger_entry_number=entry.number))
    assert (by_entry.document.order_id, by_entry.document.ledger_entry_external_id) == (books.order.id, "inv-519")


async def test_documents_are_listed_without_content_read_back_and_deleted(core: Core, books: Books) -> None:
    await put(core, upload(books))
    await put(core, upload(books, external_id="doc-2", company_external_id="c2", order_id=books.other_order.id))
    async with core.uow() as uow:
        page = await documents.list_documents(uow.session, limit=10, offset=0, company_external_id="c1")
        assert [d.external_id for d in page.items] == ["doc-1"] and page.total == 1
        everything = await documents.list_documents(uow.session, limit=10, offset=0)
        assert [d.external_id for d in everything.items] == ["doc-2", "doc-1"]
        assert (await documents.document_file(uow.session, "doc-1")).content == PDF
        with pytest.raises(NotFound):
            await documents.list_documents(uow.session, limit=10, offset=0, company_external_id="nobody")
        await documents.delete_document(uow.session, "doc-1")
        await uow.commit()
    async with core.uow() as uow:
        with pytest.raises(NotFound):
            await documents.document_file(uow.session, "doc-1")
        with pytest.raises(NotFound):
            await documents.delete_document(uow.session, "doc-1")
