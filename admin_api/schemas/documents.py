"""Documents the accounting system sends: the file as base64 in JSON with its fields in, its record out."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from admin_api.schemas.common import Out
from core.services.documents import MAX_DOCUMENT_BYTES, MAX_FILENAME, DocumentUpload, Outcome
from core.services.sync.common import Code, Key, LongName, Positive

IssuedKind = Literal["invoice", "reconciliation", "delivery_note"]  # core.services.documents.ISSUED_KINDS


def _from_base64(value: object) -> bytes:
    if not isinstance(value, str):
        raise ValueError("must be the file as a base64 string")  # a ValueError, so pydantic answers 422
    try:
        # Line breaks and spaces are dropped: 1C's Base64Строка() breaks its output every 76 characters.
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("is not valid base64") from None


Base64File = Annotated[
    bytes,
    BeforeValidator(_from_base64),
    WithJsonSchema({"type": "string", "contentEncoding": "base64",
                    "description": f"The file, base64-encoded (line breaks allowed); at most {MAX_DOCUMENT_BYTES:,} "
                                   "bytes once decoded"}),
]


class DocumentIn(BaseModel):
    """A file for a company. Sent again under the same external id, it replaces the file and every field."""

    model_config = ConfigDict(extra="forbid")

    company_external_id: Key
    kind: IssuedKind
    title: LongName = Field(description="What the purchaser sees, e.g. the invoice's number")
    filename: str = Field(min_length=1, max_length=MAX_FILENAME,
                          description="A bare file name whose extension fits the type, e.g. `invoice-519.pdf`")
    content_type: str = Field(
        min_length=1, max_length=100,
        description="application/pdf, text/html, text/csv (`; charset=windows-1251` if not UTF-8), image/png, "
                    "image/jpeg, or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    content_base64: Base64File
    order_id: Positive | None = Field(default=None, description="b2bot's order number, as the order export gives it")
    order_external_id: Key | None = None
    ledger_entry_external_id: Key | None = None
    ledger_entry_number: Code | None = Field(default=None, description="The ledger entry's number in the company")

    def upload(self, external_id: str) -> DocumentUpload:
        return DocumentUpload(
            external_id=external_id, company_external_id=self.company_external_id, kind=self.kind, title=self.title,
            filename=self.filename, content_type=self.content_type, content=self.content_base64,
            order_id=self.order_id, order_external_id=self.order_external_id,
            ledger_entry_external_id=self.ledger_entry_external_id, ledger_entry_number=self.ledger_entry_number,
        )


class DocumentOut(Out):
    external_id: str
    company_external_id: str | None
    kind: str
    title: str
    filename: str
    content_type: str = Field(description="As stored: text types carry their charset")
    size: int = Field(description="Bytes")
    order_id: int | None
    ledger_entry_external_id: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class DocumentPutOut(Out):
    outcome: Outcome = Field(description="`unchanged` when the same file and fields were sent again")
    document: DocumentOut
