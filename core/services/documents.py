"""Files the accounting system issues for a company (invoices, reconciliation statements, delivery notes): put by
the accounting system's own id, every rule checked before anything is written, listed and read back.

A file is taken only when its bytes are what it says it is (PDF, XLSX, PNG and JPEG by their magic bytes; HTML and
CSV as text in a declared charset), its name is a bare file name whose extension fits the type, and it is at most
`MAX_DOCUMENT_BYTES`. The purchaser's side reads these files in `core.services.invoices`.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound
from core.models import Company, Document, DocumentKind, LedgerEntry, Order
from core.services.sync.reads import Page

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
"""The largest file taken (10 MB): invoices and statements are far smaller, and every channel sends this much."""
MAX_FILENAME = 200  # the column; also what the bots keep of a file name
MAX_TITLE = 300
MAX_EXTERNAL_ID = 100
MAX_PAGE = 500

ISSUED_KINDS = (DocumentKind.INVOICE, DocumentKind.RECONCILIATION, DocumentKind.DELIVERY_NOTE)
"""What the accounting system issues for a company. `material` is the shared library's, without a company."""

Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class FileType:
    content_type: str
    extensions: tuple[str, ...]
    text: bool = False  # checked as text in its charset, rather than by magic bytes


PDF = FileType("application/pdf", (".pdf",))
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
PNG = FileType("image/png", (".png",))
JPEG = FileType("image/jpeg", (".jpg", ".jpeg"))
HTML = FileType("text/html", (".html", ".htm"), text=True)
CSV = FileType("text/csv", (".csv",), text=True)
FILE_TYPES = {t.content_type: t for t in (PDF, XLSX, PNG, JPEG, HTML, CSV)}

# Text files in UTF-8 unless the type names another of these (1C writes CSV in Windows-1251 by default). Kept
# short on purpose: a charset such as UTF-7 would let markup hide from whoever opens the HTML.
CHARSETS = {"utf-8": "utf-8", "utf8": "utf-8", "windows-1251": "windows-1251", "cp1251": "windows-1251"}

_XLSX_PARTS = ("[Content_Types].xml", "xl/workbook.xml")


@dataclass(frozen=True, slots=True)
class DocumentUpload:
    """One file as the accounting system sends it. The order is b2bot's order number (`order_id`, as the order
    export gives it) or the order's external id; the ledger entry, its external id or its number in the company."""

    external_id: str
    company_external_id: str
    kind: str
    title: str
    filename: str
    content_type: str
    content: bytes = field(repr=False)
    order_id: int | None = None
    order_external_id: str | None = None
    ledger_entry_external_id: str | None = None
    ledger_entry_number: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentView:
    """A stored file's record, without its bytes."""

    external_id: str
    company_external_id: str | None
    kind: str
    title: str
    filename: str
    content_type: str
    size: int
    order_id: int | None
    ledger_entry_external_id: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class PutDocument:
    document: DocumentView
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class DocumentFile:
    filename: str
    content_type: str
    content: bytes = field(repr=False)


async def put_document(session: AsyncSession, upload: DocumentUpload, *, now: dt.datetime) -> PutDocument:
    """Create the file, or replace the one with this external id (its bytes and every field). Sending the same
    file again changes nothing. Anything wrong is refused before a row is touched."""
    external_id = _external_id(upload.external_id)
    kind = _kind(upload.kind)
    title = _title(upload.title)
    content_type = checked_content_type(upload.content_type, upload.content)
    filename = checked_filename(upload.filename, FILE_TYPES[_base(content_type)])
    company = await session.scalar(select(Company).where(Company.external_id == upload.company_external_id))
    if company is None:
        raise InvalidInput(f"unknown company {upload.company_external_id}",
                           company_external_id=upload.company_external_id)
    order_id = await _order_of(session, upload, company.id)
    entry = await _ledger_entry_of(session, upload, company.id)
    if entry is not None and entry.order_id is not None:
        if order_id is not None and order_id != entry.order_id:
            raise InvalidInput(f"ledger entry {entry.number} is for order {entry.order_id}, not order {order_id}",
                               order_id=order_id, ledger_entry=entry.number)
        order_id = entry.order_id  # an invoice's file is the order's invoice, as its ledger entry is
    wanted: dict[str, Any] = {
        "company_id": company.id, "kind": kind, "title": title, "filename": filename, "content_type": content_type,
        "content": upload.content, "order_id": order_id, "ledger_entry_id": entry.id if entry else None,
    }
    document = await session.scalar(select(Document).where(Document.external_id == external_id))
    outcome: Outcome
    if document is None:
        document = Document(external_id=external_id, created_at=now, updated_at=now, **wanted)
        session.add(document)
        outcome = "created"
    elif any(getattr(document, name) != value for name, value in wanted.items()):
        for name, value in wanted.items():
            setattr(document, name, value)
        document.updated_at = now
        outcome = "updated"
    else:
        outcome = "unchanged"
    await session.flush()
    view = DocumentView(external_id, company.external_id, kind.value, title, filename, content_type,
                        len(upload.content), order_id, entry.external_id if entry else None,
                        document.created_at, document.updated_at)
    return PutDocument(view, outcome)


async def list_documents(
    session: AsyncSession, *, limit: int, offset: int, company_external_id: str | None = None,
    kind: str | None = None, order_id: int | None = None,
) -> Page[DocumentView]:
    """The files the accounting system sent (those with an external id), newest first, without their bytes."""
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE} and offset not negative")
    query = _views().where(Document.external_id.is_not(None))
    if company_external_id is not None:
        company_id = await session.scalar(select(Company.id).where(Company.external_id == company_external_id))
        if company_id is None:
            raise NotFound(f"unknown company {company_external_id}", company_external_id=company_external_id)
        query = query.where(Document.company_id == company_id)
    if kind is not None:
        query = query.where(Document.kind == _kind(kind))
    if order_id is not None:
        query = query.where(Document.order_id == order_id)
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = await session.execute(query.order_by(Document.id.desc()).limit(limit).offset(offset))
    return Page(tuple(DocumentView(*row) for row in rows), int(total), limit, offset)


async def get_document(session: AsyncSession, external_id: str) -> DocumentView:
    row = (await session.execute(_views().where(Document.external_id == external_id))).first()
    if row is None:
        raise NotFound(f"no document {external_id}", external_id=external_id)
    return DocumentView(*row)


async def document_file(session: AsyncSession, external_id: str) -> DocumentFile:
    row = (await session.execute(
        select(Document.filename, Document.content_type, Document.content).where(Document.external_id == external_id)
    )).first()
    if row is None:
        raise NotFound(f"no document {external_id}", external_id=external_id)
    return DocumentFile(row.filename, row.content_type, bytes(row.content))


async def delete_document(session: AsyncSession, external_id: str) -> DocumentView:
    """Remove the file; the purchaser then gets the next newest of its kind, or the ledger's own invoice."""
    view = await get_document(session, external_id)
    await session.execute(delete(Document).where(Document.external_id == external_id))
    return view


def _views() -> Select[Any]:
    # Columns only: a listing never loads the files themselves.
    return (
        select(Document.external_id, Company.external_id, Document.kind, Document.title, Document.filename,
               Document.content_type, func.length(Document.content), Document.order_id, LedgerEntry.external_id,
               Document.created_at, Document.updated_at)
        .outerjoin(Company, Company.id == Document.company_id)
        .outerjoin(LedgerEntry, LedgerEntry.id == Document.ledger_entry_id)
    )


# Checks -------------------------------------------------------------------------------------------


def checked_content_type(declared: str, content: bytes) -> str:
    """The type to store (with its charset for text), when `content` is a file of the `declared` type; the
    bytes decide, so a file that says it is a PDF but is not one is refused."""
    if not content:
        raise InvalidInput("the file is empty")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise InvalidInput(f"the file is {len(content):,} bytes; the limit is {MAX_DOCUMENT_BYTES:,} (10 MB)",
                           size=len(content), limit=MAX_DOCUMENT_BYTES)
    base, params = _parse_type(declared)
    file_type = FILE_TYPES.get(base)
    if file_type is None:
        raise InvalidInput(f"content type {base or declared!r} is not taken; send one of {', '.join(FILE_TYPES)}",
                           content_type=declared)
    found = sniff(content)
    if not file_type.text:
        if found is not file_type:
            raise InvalidInput(f"the file is not {_name(file_type)}" + (f" (it is {_name(found)})" if found else ""),
                               content_type=base)
        return base
    if found is not None:
        raise InvalidInput(f"the file is {_name(found)}, not {_name(file_type)}", content_type=base)
    charset = CHARSETS.get(params.get("charset", "utf-8").lower())
    if charset is None:
        raise InvalidInput(f"charset {params['charset']!r} is not taken; send UTF-8 or Windows-1251",
                           charset=params["charset"])
    if b"\x00" in content:
        raise InvalidInput(f"the file is not {_name(file_type)}: it holds NUL bytes", content_type=base)
    try:
        content.decode(charset)
    except UnicodeDecodeError:
        hint = "; declare charset=windows-1251 if it is in that" if charset == "utf-8" else ""
        raise InvalidInput(f"the file is not valid {charset} text{hint}", charset=charset) from None
    return f"{base}; charset={charset}"


def sniff(content: bytes) -> FileType | None:
    """The binary type `content` is, by its first bytes (and, for XLSX, the parts of its ZIP), else None."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"PK\x03\x04") and _is_xlsx(content):
        return XLSX
    return None


def _is_xlsx(content: bytes) -> bool:
    # Only the ZIP's directory is read (nothing is unpacked): a Word file or any other ZIP is not a workbook.
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return all(part in names for part in _XLSX_PARTS)


def checked_filename(raw: str, file_type: FileType) -> str:
    """A bare file name, as every channel sends it on: no path, no control or invisible formatting characters
    (a right-to-left mark can make `invoice‮fdp.exe` read as `invoiceexe.pdf`), an extension of its type."""
    name = raw.strip()
    if not name:
        raise InvalidInput("the filename is empty")
    if len(name) > MAX_FILENAME:
        raise InvalidInput(f"the filename is longer than {MAX_FILENAME} characters", filename=name[:MAX_FILENAME])
    if "/" in name or "\\" in name:
        raise InvalidInput("the filename must be a bare name, without a path (no / or \\)", filename=name)
    if _has_controls(name):
        raise InvalidInput("the filename holds control or invisible formatting characters", filename=repr(name))
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem.strip(" ."):
        raise InvalidInput(f"the filename needs a name and an extension ({', '.join(file_type.extensions)})",
                           filename=name)
    if f".{extension.lower()}" not in file_type.extensions:
        raise InvalidInput(f"a {_name(file_type)} file's name ends in {' or '.join(file_type.extensions)}, "
                           f"not .{extension}", filename=name)
    return name


def _external_id(value: str) -> str:
    if not 1 <= len(value) <= MAX_EXTERNAL_ID or value != value.strip() or _has_controls(value):
        raise InvalidInput(f"the external id must be 1 to {MAX_EXTERNAL_ID} characters, without control characters "
                           "or surrounding spaces")
    return value


def _kind(value: str) -> DocumentKind:
    try:
        kind = DocumentKind(value)
    except ValueError:
        kind = None
    if kind not in ISSUED_KINDS:
        raise InvalidInput(f"unknown document kind {value!r}; send one of {', '.join(ISSUED_KINDS)}", kind=value)
    assert kind is not None
    return kind


def _title(value: str) -> str:
    title = value.strip()
    if not 1 <= len(title) <= MAX_TITLE or _has_controls(title):
        raise InvalidInput(f"the title must be 1 to {MAX_TITLE} characters on one line")
    return title


async def _order_of(session: AsyncSession, upload: DocumentUpload, company_id: int) -> int | None:
    """The company's order the file is for, by number or external id (both must then name the same order)."""
    if upload.order_id is None and upload.order_external_id is None:
        return None
    query = select(Order.id, Order.company_id)
    if upload.order_id is not None:
        query = query.where(Order.id == upload.order_id)
    if upload.order_external_id is not None:
        query = query.where(Order.external_id == upload.order_external_id)
    found = (await session.execute(query)).first()
    label = upload.order_id if upload.order_id is not None else upload.order_external_id
    if found is None or found.company_id != company_id:
        # One answer for a stranger's order and a missing one, as the ledger sync gives.
        raise InvalidInput(f"order {label} is not an order of this company", order=str(label))
    return int(found.id)


async def _ledger_entry_of(session: AsyncSession, upload: DocumentUpload, company_id: int) -> LedgerEntry | None:
    if upload.ledger_entry_external_id is not None:
        entry = await session.scalar(
            select(LedgerEntry).where(LedgerEntry.external_id == upload.ledger_entry_external_id)
        )
        label = upload.ledger_entry_external_id
    elif upload.ledger_entry_number is not None:
        label = upload.ledger_entry_number
        found = (await session.scalars(
            select(LedgerEntry).where(LedgerEntry.company_id == company_id, LedgerEntry.number == label).limit(2)
        )).all()
        if len(found) > 1:
            raise InvalidInput(f"the company has several ledger entries numbered {label}; send "
                               "ledger_entry_external_id", ledger_entry=label)
        entry = found[0] if found else None
    else:
        return None
    if entry is None or entry.company_id != company_id:
        raise InvalidInput(f"ledger entry {label} is not an entry of this company", ledger_entry=label)
    return entry


def _parse_type(declared: str) -> tuple[str, dict[str, str]]:
    base, *rest = declared.split(";")
    params: dict[str, str] = {}
    for part in rest:
        key, _, value = part.partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return base.strip().lower(), params


def _base(content_type: str) -> str:
    return content_type.split(";", 1)[0]


def _name(file_type: FileType) -> str:
    return {PDF: "a PDF", XLSX: "an XLSX workbook", PNG: "a PNG image", JPEG: "a JPEG image", HTML: "HTML",
            CSV: "CSV"}[file_type]


def _has_controls(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)
