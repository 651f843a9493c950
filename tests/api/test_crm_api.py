"""CRM reads and actions: companies, contacts, conversations with transcripts, demand signals, invites."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import httpx
from sqlalchemy import select

from core.bootstrap import Core
from core.models import ChannelIdentity, Conversation, DemandSignal, InviteToken, Message
from core.services import invites
from tests.factories import Build


async def test_companies_and_contacts_are_read_back_by_external_id(core: Core, admin: httpx.AsyncClient) -> None:
    await admin.post("/companies/sync", json={"rows": [
        {"external_id": "c1", "name": "Acme", "tax_id": "7701", "region": "North"},
        {"external_id": "c2", "name": "Beta", "tax_id": "7702", "region": "South"}]})
    await admin.post("/contacts/sync", json={"rows": [
        {"external_id": "k1", "company_external_id": "c1", "name": "Ivan", "locale": "ru"}]})
    page = (await admin.get("/companies", params={"limit": 1})).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert [c["external_id"] for c in (await admin.get("/companies", params={"region": "South"})).json()["items"]] == [
        "c2"]
    contacts = (await admin.get("/contacts", params={"company_external_id": "c1"})).json()
    assert [c["name"] for c in contacts["items"]] == ["Ivan"]
    assert (await admin.get("/contacts/k1")).json()["locale"] == "ru"
    assert (await admin.get("/contacts/nobody")).status_code == 404
    assert (await admin.get("/companies", params={"limit": 0})).status_code == 422


async def test_a_conversation_is_read_with_its_transcript_oldest_first(core: Core, admin: httpx.AsyncClient) -> None:
    async with core.uow() as uow:
        identity = ChannelIdentity(channel="telegram", external_id="42")
        uow.session.add(identity)
        await uow.session.flush()
        conversation = Conversation(identity_id=identity.id, channel="telegram",
                                    last_message_at=dt.datetime.now(dt.UTC))
        uow.session.add(conversation)
        await uow.session.flush()
        for n, (direction, sender) in enumerate([("in", "client"), ("out", "bot"), ("in", "client")]):
            uow.session.add(Message(conversation_id=conversation.id, direction=direction, sender=sender,
                                    kind="text", text=f"message {n}"))
        await uow.commit()
    listed = (await admin.get("/conversations")).json()
    assert listed["total"] == 1 and "transcript" not in listed["items"][0]
    detail = (await admin.get(f"/conversations/{conversation.id}", params={"last": 2})).json()
    assert [m["text"] for m in detail["transcript"]] == ["message 1", "message 2"]
    assert (await admin.get("/conversations/999")).status_code == 404


async def test_demand_signals_list_backorders_and_empty_searches(core: Core, admin: httpx.AsyncClient) -> None:
    async with core.uow() as uow:
        uow.session.add_all([DemandSignal(kind="no_result", query="pink stapler"),
                             DemandSignal(kind="backorder", quantity=5)])
        await uow.commit()
    everything = (await admin.get("/demand-signals")).json()
    assert everything["total"] == 2
    searches = (await admin.get("/demand-signals", params={"kind": "no_result"})).json()
    assert [s["query"] for s in searches["items"]] == ["pink stapler"]
    assert (await admin.get("/demand-signals", params={"kind": "other"})).status_code == 422


async def test_an_invite_gives_a_one_time_code_and_a_telegram_deep_link(core: Core, admin: httpx.AsyncClient) -> None:
    await admin.post("/companies/sync", json={"rows": [{"external_id": "c1", "name": "Acme", "tax_id": "7701"}]})
    await admin.post("/contacts/sync", json={"rows": [{"external_id": "k1", "company_external_id": "c1", "name": "I"}]})
    created = await admin.post("/invites", json={"contact_external_id": "k1", "ttl_hours": 24})
    assert created.status_code == 201
    body = created.json()
    link = urlparse(body["telegram_link"])
    assert (link.netloc, link.path) == ("t.me", "/b2bot_test_bot")
    assert parse_qs(link.query)["start"] == [body["token"]]
    assert len(body["token"]) <= 64
    async with core.uow() as uow:
        stored = await uow.session.scalar(select(InviteToken))
        assert stored is not None and stored.token_hash == invites.token_hash(body["token"])
        assert body["token"] not in stored.token_hash
        identity = ChannelIdentity(channel="telegram", external_id="7")
        uow.session.add(identity)
        await uow.session.flush()
        contact_id = await invites.redeem_invite(uow.session, body["token"], identity.id, now=core.clock.now())
        await uow.commit()
    assert contact_id == body["contact_id"]
    assert (await admin.post("/invites", json={"contact_external_id": "nobody"})).status_code == 404
    assert (await admin.post("/invites", json={"contact_external_id": "k1", "ttl_hours": 0})).status_code == 422


async def test_a_contact_of_a_company_is_listed_only_under_that_company(core: Core, admin: httpx.AsyncClient) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        mine = await build.company(external_id="mine")
        theirs = await build.company(external_id="theirs")
        await build.contact(mine)
        await build.contact(theirs)
        await uow.commit()
    listed = (await admin.get("/contacts", params={"company_external_id": "mine"})).json()
    assert [c["company_id"] for c in listed["items"]] == [mine.id]
