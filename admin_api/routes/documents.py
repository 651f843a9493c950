"""Documents from accounting: invoices, reconciliation statements and delivery notes the accounting system issues
for a company, put by its own id so that the purchaser who asks the bot gets that very file.

The file travels as base64 in a JSON body, like every other sync request (multipart would need python-multipart
and a second way to read requests). A body larger than a file at the limit can be is refused with 413 while it
is being read, before anything parses it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.types import Message

from admin_api.deps import CompanyFilter, CoreDep, Limit, Offset, audited
from admin_api.schemas.common import Page
from admin_api.schemas.documents import DocumentIn, DocumentOut, DocumentPutOut, IssuedKind
from admin_api.security import RequireScopes
from core.services import documents
from core.services.documents import FILE_TYPES, MAX_DOCUMENT_BYTES
from core.services.sync.common import MAX_INT

# The largest body a file at the limit makes: base64 (4 characters per 3 bytes) with a line break every 76
# characters (CRLF, as 1C writes it), and room for the other fields.
MAX_BODY_BYTES = -(-MAX_DOCUMENT_BYTES // 3) * 4 * 78 // 76 + 64 * 1024


class BoundedBodyRoute(APIRoute):
    """Reads the request body up to `MAX_BODY_BYTES` and answers 413 beyond it, rather than holding any size."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def bounded(request: Request) -> Response:
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
                return _too_large()
            body = bytearray()
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    return _too_large()
            read = bytes(body)

            async def replay() -> Message:
                return {"type": "http.request", "body": read, "more_body": False}

            return await handler(Request(request.scope, replay))

        return bounded


def _too_large() -> Response:
    return JSONResponse({"detail": f"the request is too large: a file may be at most {MAX_DOCUMENT_BYTES:,} bytes",
                         "code": "file_too_large", "details": {"limit": MAX_DOCUMENT_BYTES}}, 413)


router = APIRouter(prefix="/documents", tags=["documents"], dependencies=[Depends(RequireScopes("sync"))],
                   route_class=BoundedBodyRoute)
ExternalId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$",
                                 description="The accounting system's id of the file")]


@router.put("/{external_id}", operation_id="put_document",
            responses={413: {"description": "The body is larger than a file at the limit can make"}})
async def put_document(external_id: ExternalId, body: DocumentIn, core: CoreDep, request: Request) -> DocumentPutOut:
    """Create the file, or replace the one with this external id. The same file sent again changes nothing."""
    async with audited(core, request, "documents") as write:
        put = await documents.put_document(write.uow.session, body.upload(external_id), now=core.clock.now())
        view = put.document
        write.details = {"external_id": external_id, "outcome": put.outcome, "kind": view.kind,
                         "company_external_id": view.company_external_id, "order_id": view.order_id,
                         "filename": view.filename, "size": view.size}
    return DocumentPutOut.model_validate(put)


@router.get("", operation_id="list_documents")
async def list_documents(
    core: CoreDep, limit: Limit = 50, offset: Offset = 0, company_external_id: CompanyFilter = None,
    kind: IssuedKind | None = None,
    order_id: Annotated[int | None, Query(ge=1, le=MAX_INT, description="b2bot's order number")] = None,
) -> Page[DocumentOut]:
    """The files sent, newest first, without their content."""
    async with core.uow() as uow:
        page = await documents.list_documents(uow.session, limit=limit, offset=offset,
                                              company_external_id=company_external_id, kind=kind, order_id=order_id)
    return Page[DocumentOut].model_validate(page, from_attributes=True)


@router.get("/{external_id}", operation_id="get_document")
async def get_document(external_id: ExternalId, core: CoreDep) -> DocumentOut:
    async with core.uow() as uow:
        return DocumentOut.model_validate(await documents.get_document(uow.session, external_id))


@router.get("/{external_id}/content", operation_id="get_document_content", response_class=Response,
            responses={200: {"description": "The file as stored",
                             "content": {content_type: {} for content_type in FILE_TYPES}}})
async def get_document_content(external_id: ExternalId, core: CoreDep) -> Response:
    async with core.uow() as uow:
        file = await documents.document_file(uow.session, external_id)
    # An attachment that no browser sniffs or runs: an HTML invoice must not script the admin's pages.
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(file.filename, safe='')}",
               "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox", "Cache-Control": "private"}
    return Response(file.content, media_type=file.content_type, headers=headers)


@router.delete("/{external_id}", operation_id="delete_document")
async def delete_document(external_id: ExternalId, core: CoreDep, request: Request) -> DocumentOut:
    """Remove the file; a purchaser asking for the invoice then gets the ledger's own, or the next file sent."""
    async with audited(core, request, "documents") as write:
        view = await documents.delete_document(write.uow.session, external_id)
        write.details = {"external_id": external_id, "kind": view.kind,
                         "company_external_id": view.company_external_id}
    return DocumentOut.model_validate(view)
