"""Documents from accounting over the admin API: put as base64 JSON by external id, read back, deleted; refused
whole with a clear answer; and the file put is the one the purchaser gets as the order's invoice."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from admin_api.routes.documents import MAX_BODY_BYTES
from core.bootstrap import Core
from core.domain.access import Actor
from core.models import Company, Document, Order
from core.services.documents import MAX_DOCUMENT_BYTES
from core.services.invoices import invoice_of
from tests.api.conftest import bearer, make_key
from tests.factories import Build

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def document(order_id: int | None = None, **overrides: object) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "company_external_id": "c1", "kind": "invoice", "title": "СЧ-519", "filename": "invoice-519.pdf",
        "content_type": "application/pdf", "content_base64": base64.b64encode(PDF).decode(), "order_id": order_id,
    }
    fields.update(overrides)
    return fields


async def documents_stored(core: Core) -> list[tuple[object, ...]]:
    async with core.uow() as uow:
        rows = await uow.session.execute(
            select(Document.external_id, Document.title, Document.filename, Document.content, Document.order_id,
                   Document.updated_at).order_by(Document.id))
        return [tuple(row) for row in rows]


@pytest.fixture
async def orders(core: Core, admin: httpx.AsyncClient) -> tuple[Actor, Order, Order]:
    """Company c1 (synced) with a purchaser and an order; company c2 with an order of its own."""
    synced = await admin.post("/companies/sync", json={"rows": [
        {"external_id": "c1", "name": "Acme", "tax_id": "7701"},
        {"external_id": "c2", "name": "Other", "tax_id": "7702"},
    ]})
    assert synced.json()["created"] == 2
    async with core.uow() as uow:
        build = Build(uow.session)
        ours = await uow.session.scalar(select(Company).where(Company.external_id == "c1"))
        theirs = await uow.session.scalar(select(Company).where(Company.external_id == "c2"))
        assert ours is not None and theirs is not None
        buyer = await build.contact(ours)
        order = await build.order(ours, buyer)
        other = await build.order(theirs)
        await uow.commit()
    return Actor(contact_id=buyer.id, company_id=ours.id, role=buyer.role), order, other


async def test_the_file_put_is_the_invoice_the_purchaser_gets(
    core: Core, admin: httpx.AsyncClient, orders: tuple[Actor, Order, Order]
) -> None:
    actor, order, _other = orders
    response = await admin.put("/documents/1c-inv-519", json=document(order.id))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["outcome"] == "created"
    assert {k: body["document"][k] for k in ("external_id", "company_external_id", "kind", "size", "order_id")} == {
        "external_id": "1c-inv-519", "company_external_id": "c1", "kind": "invoice", "size": len(PDF),
        "order_id": order.id}
    async with core.uow() as uow:
        invoice = await invoice_of(uow.session, actor, order.id)
    assert invoice is not None and invoice.file is not None
    assert (invoice.number, invoice.file.filename, invoice.file.content_type, invoice.file.content) == (
        "СЧ-519", "invoice-519.pdf", "application/pdf", PDF)


async def test_a_resend_is_unchanged_and_a_new_file_replaces_the_old(
    core: Core, admin: httpx.AsyncClient, orders: tuple[Actor, Order, Order]
) -> None:
    actor, order, _other = orders
    await admin.put("/documents/1c-inv-519", json=document(order.id))
    before = await documents_stored(core)
    again = await admin.put("/documents/1c-inv-519", json=document(order.id))
    assert again.json()["outcome"] == "unchanged" and await documents_stored(core) == before
    corrected = b"%PDF-1.7\ncorrected\n%%EOF\n"
    # 1C's Base64Строка() breaks lines every 76 characters; the breaks are dropped.
    wrapped = base64.encodebytes(corrected * 10).decode().replace("\n", "\r\n")
    replaced = await admin.put("/documents/1c-inv-519", json=document(
        order.id, title="СЧ-519 (corrected)", filename="invoice-519-v2.pdf", content_base64=wrapped))
    assert replaced.json()["outcome"] == "updated"
    async with core.uow() as uow:
        invoice = await invoice_of(uow.session, actor, order.id)
        assert await uow.session.scalar(select(func.count()).select_from(Document)) == 1
    assert invoice is not None and invoice.file is not None
    assert (invoice.number, invoice.file.filename, invoice.file.content) == (
        "СЧ-519 (corrected)", "invoice-519-v2.pdf", corrected * 10)
    audit = [(e["action"], e["details"]["outcome"]) for e in (await admin.get("/audit-log")).json()["items"]
             if e["action"] == "put_document"]
    assert audit == [("put_document", "updated"), ("put_document", "unchanged"), ("put_document", "created")]


@pytest.mark.parametrize(("change", "status", "message"), [
    ({"company_external_id": "nobody"}, 422, "unknown company nobody"),
    ({"order_id": "theirs"}, 422, "is not an order of this company"),
    ({"content_base64": ""}, 422, "the file is empty"),
    ({"content_base64": base64.b64encode(b"\x89PNG\r\n\x1a\n....").decode()}, 422, "the file is not a PDF"),
    ({"content_type": "application/zip"}, 422, "is not taken"),
    ({"filename": "../invoice.pdf"}, 422, "without a path"),
    ({"filename": "invoice\x07.pdf"}, 422, "control or invisible"),
    ({"kind": "material"}, 422, None),  # not an issued kind: refused by the schema
    ({"kind": "receipt"}, 422, None),
    ({"content_base64": "not base64!"}, 422, None),
    ({"content_base64": 12}, 422, None),
    ({"surprise": 1}, 422, None),
])
async def test_a_refused_put_answers_clearly_and_changes_nothing(
    core: Core, admin: httpx.AsyncClient, orders: tuple[Actor, Order, Order],
    change: dict[str, object], status: int, message: str | None,
) -> None:
    _actor, order, other = orders
    await admin.put("/documents/1c-inv-519", json=document(order.id))
    before = await documents_stored(core)
    if change.get("order_id") == "theirs":
        change = {"order_id": other.id}
    for external_id in ("1c-inv-519", "1c-inv-new"):
        response = await admin.put(f"/documents/{external_id}", json={**document(order.id), **change})
        assert response.status_code == status, response.text
        if message is not None:
            assert message in response.json()["detail"] and response.json()["code"] == "invalid_input"
        assert await documents_stored(core) == before
    assert [e["details"]["outcome"] for e in (await admin.get("/audit-log")).json()["items"]
            if e["action"] == "put_document"] == ["created"]


async def test_a_file_over_the_limit_is_refused_and_a_larger_body_gets_413_unread(
    core: Core, admin: httpx.AsyncClient, orders: tuple[Actor, Order, Order]
) -> None:
    _actor, order, _other = orders
    over = PDF + b"0" * (MAX_DOCUMENT_BYTES - len(PDF) + 1)
    refused = await admin.put("/documents/big", json=document(order.id, content_base64=base64.b64encode(over).decode()))
    assert refused.status_code == 422 and "the limit is 10,485,760" in refused.json()["detail"]
    declared = await admin.put("/documents/big", content=b"{}", headers={
        "Content-Type": "application/json", "Content-Length": str(MAX_BODY_BYTES + 1)})
    assert declared.status_code == 413 and declared.json()["code"] == "file_too_large"

    async def stream() -> Any:  # no Content-Length: counted as it arrives
        for _ in range(MAX_BODY_BYTES // (1024 * 1024) + 2):
            yield b" " * (1024 * 1024)

    streamed = await admin.put("/documents/big", content=stream(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert await documents_stored(core) == []


async def test_documents_are_listed_read_back_as_attachments_and_deleted(
    core: Core, admin: httpx.AsyncClient, orders: tuple[Actor, Order, Order]
) -> None:
    actor, order, other = orders
    await admin.put("/documents/inv-1", json=document(order.id))
    statement = "дата;сумма\n".encode("cp1251")
    await admin.put("/documents/akt-1", json=document(
        None, kind="reconciliation", title="Акт сверки", filename="Акт сверки.csv",
        content_type="text/csv; charset=windows-1251", content_base64=base64.b64encode(statement).decode()))
    await admin.put("/documents/inv-2", json=document(other.id, company_external_id="c2"))
    page = (await admin.get("/documents", params={"company_external_id": "c1"})).json()
    assert (page["total"], [d["external_id"] for d in page["items"]]) == (2, ["akt-1", "inv-1"])
    assert "content" not in page["items"][0] and "content_base64" not in page["items"][0]
    invoices = (await admin.get("/documents", params={"kind": "invoice"})).json()
    assert [d["external_id"] for d in invoices["items"]] == ["inv-2", "inv-1"]
    assert (await admin.get("/documents", params={"company_external_id": "nobody"})).status_code == 404
    assert (await admin.get("/documents/akt-1")).json()["content_type"] == "text/csv; charset=windows-1251"

    content = await admin.get("/documents/akt-1/content")
    assert content.status_code == 200 and content.content == statement
    assert content.headers["content-type"] == "text/csv; charset=windows-1251"
    assert content.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''%D0%90%D0%BA%D1%82%20%D1%81%D0%B2%D0%B5%D1%80%D0%BA%D0%B8.csv")
    assert content.headers["x-content-type-options"] == "nosniff"

    deleted = await admin.delete("/documents/inv-1")
    assert deleted.status_code == 200 and deleted.json()["external_id"] == "inv-1"
    for missing in (admin.get("/documents/inv-1/content"), admin.get("/documents/inv-1"),
                    admin.delete("/documents/inv-1")):
        response = await missing
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    async with core.uow() as uow:
        assert await invoice_of(uow.session, actor, order.id) is None  # no file, no ledger entry: none yet


async def test_only_the_sync_scope_reaches_documents(
    core: Core, api_app: FastAPI, client: httpx.AsyncClient, orders: tuple[Actor, Order, Order]
) -> None:
    _actor, order, _other = orders
    crm = bearer(await make_key(core, "crm", name="crm"))
    orders_key = bearer(await make_key(core, "orders", name="orders"))
    sync = bearer(await make_key(core, "sync", name="accounting"))
    for headers in (crm, orders_key):
        assert (await client.put("/documents/d1", json=document(order.id), headers=headers)).status_code == 403
        assert (await client.get("/documents", headers=headers)).status_code == 403
        assert (await client.get("/documents/d1/content", headers=headers)).status_code == 403
        assert (await client.delete("/documents/d1", headers=headers)).status_code == 403
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api_app), base_url="http://test") as stranger:
        assert (await stranger.put("/documents/d1", json=document(order.id))).status_code == 401
    assert await documents_stored(core) == []
    assert (await client.put("/documents/d1", json=document(order.id), headers=sync)).status_code == 200
    assert (await client.get("/documents/d1/content", headers=sync)).content == PDF


async def test_a_newer_invoice_file_for_the_order_wins(
    core: Core, admin: httpx.AsyncClient, orders: tuple[Actor, Order, Order]
) -> None:
    actor, order, _other = orders
    await admin.put("/documents/first", json=document(order.id))
    second = PDF.replace(b"1.4", b"1.5")
    await admin.put("/documents/second", json=document(order.id, filename="second.pdf",
                                                       content_base64=base64.b64encode(second).decode()))
    async with core.uow() as uow:
        invoice = await invoice_of(uow.session, actor, order.id)
    assert invoice is not None and invoice.file is not None and invoice.file.content == second
