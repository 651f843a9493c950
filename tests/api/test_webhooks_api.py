"""Webhook administration: endpoints with a signing secret shown once, events, dead-letter redrive."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import select

from core.bootstrap import Core
from core.models import OutboxEvent
from core.services import outbox


async def test_an_endpoint_is_created_with_a_secret_shown_once_listed_and_deactivated(
    admin: httpx.AsyncClient,
) -> None:
    created = await admin.post("/webhooks/endpoints", json={"url": "https://crm.test/hook",
                                                            "topics": ["order.created", "handover.requested"]})
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    listed = await admin.get("/webhooks/endpoints")
    assert secret not in listed.text and listed.json()[0]["topics"] == ["handover.requested", "order.created"]
    endpoint_id = created.json()["endpoint"]["id"]
    assert (await admin.delete(f"/webhooks/endpoints/{endpoint_id}")).json()["active"] is False
    assert (await admin.delete("/webhooks/endpoints/999")).status_code == 404
    bad = await admin.post("/webhooks/endpoints", json={"url": "ftp://x.test", "topics": ["order.created"]})
    assert bad.status_code == 422
    unknown = await admin.post("/webhooks/endpoints", json={"url": "https://x.test", "topics": ["order.eaten"]})
    assert unknown.status_code == 422


async def test_dead_letters_are_listed_and_redriven_one_by_one_or_all(core: Core, admin: httpx.AsyncClient) -> None:
    async with core.uow() as uow:
        for n in range(3):
            event = await outbox.add_event(uow.session, "lead.created", {"n": n})
            event.status, event.attempts, event.last_error = "dead", 10, "HTTP 500"
        await uow.commit()
    dead = (await admin.get("/webhooks/events", params={"status": "dead"})).json()
    assert dead["total"] == 3 and dead["items"][0]["last_error"] == "HTTP 500"
    first_id = dead["items"][-1]["id"]
    assert (await admin.post("/webhooks/events/redrive", json={"event_ids": [first_id]})).json() == {"redriven": 1}
    assert (await admin.post("/webhooks/events/redrive", json={})).json() == {"redriven": 2}
    assert (await admin.post("/webhooks/events/redrive", json={})).json() == {"redriven": 0}
    async with core.uow() as uow:
        events = list(await uow.session.scalars(select(OutboxEvent)))
    assert all(e.status == "pending" and e.attempts == 0 and e.last_error is None for e in events)
    assert all(e.next_attempt_at <= dt.datetime.now(dt.UTC) for e in events)
    assert (await admin.get("/webhooks/events", params={"status": "lost"})).status_code == 422
