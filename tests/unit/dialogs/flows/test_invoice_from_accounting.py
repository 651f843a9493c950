"""End to end: the accounting system puts an order's invoice through the admin API, and the purchaser who asks the
bot for the order's invoice gets that very file; once it is replaced, the new one."""

from __future__ import annotations

import base64

import httpx
from sqlalchemy import update

from admin_api.main import create_admin_api
from core.bootstrap import Core
from core.messaging import DocumentOut
from core.models import Company
from dialogs.flows import orders
from dialogs.understanding import Entity, Parse
from tests.api.conftest import bearer, make_key
from tests.factories import Build
from tests.unit.dialogs.flows.conftest import ChatMaker, Shop


async def test_the_purchaser_gets_the_invoice_file_the_accounting_system_put(
    core: Core, shop: Shop, chat_for: ChatMaker
) -> None:
    async with core.uow() as uow:
        await uow.session.execute(update(Company).where(Company.id == shop.company.id).values(external_id="acme"))
        order = await Build(uow.session).order(shop.company, shop.contact, lines=[(shop.products["a4"], 10, "300")])
        await uow.commit()
    api = create_admin_api(core, rate_burst=1000, rate_per_second=1000)
    headers = bearer(await make_key(core, "sync", name="1c"))
    text = f"invoice {order.id}"
    chat = await chat_for(shop.actor, "en", {text: Parse("invoice_request", 0.9, (
        Entity("order_number", str(order.id), 8, len(text)),))}, extra=orders.FLOWS)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://test",
                                 headers=headers) as accounting:
        for number, pdf in (("СЧ-519", b"%PDF-1.4\nfirst\n%%EOF\n"), ("СЧ-519/2", b"%PDF-1.4\nsecond\n%%EOF\n")):
            put = await accounting.put("/documents/1c-0001", json={
                "company_external_id": "acme", "kind": "invoice", "title": number, "filename": "Счёт 519.pdf",
                "content_type": "application/pdf", "content_base64": base64.b64encode(pdf).decode(),
                "order_id": order.id})
            assert put.status_code == 200, put.text
            await chat.send(text)
            document = next(m for m in chat.last if isinstance(m, DocumentOut))
            assert (document.filename, document.content_type, document.data) == ("Счёт 519.pdf", "application/pdf", pdf)
            assert document.caption is not None and number in document.caption
        # A second invoice file, then the first one corrected: the one sent last is the purchaser's.
        for external_id, number, pdf in (("1c-0002", "СЧ-520", b"%PDF-1.4\nother\n%%EOF\n"),
                                         ("1c-0001", "СЧ-519/3", b"%PDF-1.4\ncorrected\n%%EOF\n")):
            put = await accounting.put(f"/documents/{external_id}", json={
                "company_external_id": "acme", "kind": "invoice", "title": number, "filename": "Счёт 519.pdf",
                "content_type": "application/pdf", "content_base64": base64.b64encode(pdf).decode(),
                "order_id": order.id})
            assert put.status_code == 200, put.text
            await chat.send(text)
            document = next(m for m in chat.last if isinstance(m, DocumentOut))
            assert document.data == pdf
