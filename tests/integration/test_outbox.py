"""Outbox delivery: signed webhooks, retries with exponential backoff, dead letters, redrive, the worker."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import select

from b2bot.worker import EmbeddedWorker, build_broker
from core.bootstrap import Core
from core.config import Settings
from core.errors import InvalidInput
from core.models import OutboxEvent, WebhookDelivery
from core.services import outbox

T0 = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
DEFAULT_SECRET = "server-wide-secret"


class Receiver:
    """A receiving server behind `httpx.MockTransport`: answers from a script, keeps what it got."""

    def __init__(self, answer: Callable[[httpx.Request], int] = lambda _r: 200) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.answer(request))

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))


async def endpoint(core: Core, url: str, topics: list[str] | None = None) -> str:
    async with core.uow() as uow:
        created = await outbox.create_endpoint(uow.session, url=url, topics=topics or [], description=None, now=T0)
        await uow.commit()
    return created.secret


async def event(core: Core, topic: str = "order.created", payload: dict[str, object] | None = None) -> int:
    async with core.uow() as uow:
        row = await outbox.add_event(uow.session, topic, payload or {"order_id": 7}, now=T0)
        await uow.commit()
    return row.id


async def deliver(core: Core, receiver: Receiver, at: dt.datetime, **options: int) -> outbox.DeliveryReport:
    async with receiver.client() as http:
        return await outbox.deliver_due(core.uow, http, now=at, default_secret=DEFAULT_SECRET, **options)


async def state(core: Core, event_id: int) -> OutboxEvent:
    async with core.uow() as uow:
        row = await uow.session.get(OutboxEvent, event_id)
    assert row is not None
    return row


async def test_a_delivered_webhook_carries_a_signature_the_receiver_can_verify(core: Core) -> None:
    secret = await endpoint(core, "https://crm.test/hook")
    event_id = await event(core, payload={"order_id": 7, "total": "10.00"})
    receiver = Receiver()
    report = await deliver(core, receiver, T0)
    assert report == outbox.DeliveryReport(delivered=1)
    [request] = receiver.requests
    body = request.content
    assert json.loads(body) == {"id": event_id, "topic": "order.created", "created_at": T0.isoformat(),
                                "data": {"order_id": 7, "total": "10.00"}}
    headers = request.headers
    assert headers["x-b2bot-event"] == "order.created" and headers["x-b2bot-event-id"] == str(event_id)
    assert outbox.verify_signature(secret, headers["x-b2bot-timestamp"], body, headers["x-b2bot-signature"], now=T0)
    assert not outbox.verify_signature("other", headers["x-b2bot-timestamp"], body, headers["x-b2bot-signature"],
                                       now=T0)
    assert not outbox.verify_signature(secret, headers["x-b2bot-timestamp"], body + b" ",
                                       headers["x-b2bot-signature"], now=T0)
    stale = T0 + dt.timedelta(minutes=10)
    assert not outbox.verify_signature(secret, headers["x-b2bot-timestamp"], body, headers["x-b2bot-signature"],
                                       now=stale)
    assert (await state(core, event_id)).status == "delivered"
    assert await deliver(core, receiver, T0 + dt.timedelta(hours=1)) == outbox.DeliveryReport()


async def test_only_endpoints_subscribed_to_the_topic_receive_it(core: Core) -> None:
    await endpoint(core, "https://orders.test/", ["order.created"])
    await endpoint(core, "https://leads.test/", ["lead.created"])
    await endpoint(core, "https://all.test/")
    await event(core, "lead.created")
    receiver = Receiver()
    await deliver(core, receiver, T0)
    assert sorted(r.url.host for r in receiver.requests) == ["all.test", "leads.test"]


def test_backoff_doubles_from_thirty_seconds_up_to_six_hours() -> None:
    assert [outbox.backoff(n).total_seconds() for n in range(1, 6)] == [30, 60, 120, 240, 480]
    assert outbox.backoff(30) == dt.timedelta(hours=6)


async def test_a_failing_endpoint_is_retried_on_the_backoff_schedule_and_then_dead_lettered(core: Core) -> None:
    await endpoint(core, "https://down.test/")
    event_id = await event(core)
    receiver = Receiver(lambda _r: 503)
    at = T0
    for attempt in range(1, 4):
        report = await deliver(core, receiver, at, max_attempts=4)
        assert report == outbox.DeliveryReport(retrying=1)
        row = await state(core, event_id)
        assert (row.attempts, row.next_attempt_at) == (attempt, at + outbox.backoff(attempt))
        assert row.last_error == "endpoint 1: HTTP 503"
        assert await deliver(core, receiver, row.next_attempt_at - dt.timedelta(seconds=1)) == outbox.DeliveryReport()
        at = row.next_attempt_at
    assert await deliver(core, receiver, at, max_attempts=4) == outbox.DeliveryReport(dead=1)
    assert (await state(core, event_id)).status == "dead"
    assert len(receiver.requests) == 4
    assert await deliver(core, receiver, at + dt.timedelta(days=1)) == outbox.DeliveryReport()

    async with core.uow() as uow:
        dead, total = await outbox.events(uow.session, status="dead", limit=10, offset=0)
        assert total == 1 and dead[0].id == event_id
        assert await outbox.redrive(uow.session, [event_id], now=at) == 1
        await uow.commit()
    receiver.answer = lambda _r: 200
    assert await deliver(core, receiver, at) == outbox.DeliveryReport(delivered=1)


async def test_a_retry_goes_only_to_the_endpoints_that_failed(core: Core) -> None:
    await endpoint(core, "https://up.test/")
    await endpoint(core, "https://flaky.test/")
    event_id = await event(core)
    failing = {"flaky.test"}
    receiver = Receiver(lambda r: 500 if r.url.host in failing else 200)
    await deliver(core, receiver, T0)
    failing.clear()
    await deliver(core, receiver, T0 + outbox.backoff(1))
    assert [r.url.host for r in receiver.requests] == ["up.test", "flaky.test", "flaky.test"]
    async with core.uow() as uow:
        deliveries = list(await uow.session.scalars(select(WebhookDelivery.endpoint_id)))
    assert sorted(deliveries) == [1, 2]
    assert (await state(core, event_id)).status == "delivered"


async def test_a_network_error_counts_as_a_failed_attempt(core: Core) -> None:
    await endpoint(core, "https://gone.test/")
    event_id = await event(core)

    def refuse(request: httpx.Request) -> int:
        raise httpx.ConnectError("refused", request=request)

    await deliver(core, Receiver(refuse), T0)
    row = await state(core, event_id)
    assert row.status == "pending" and row.last_error == "endpoint 1: ConnectError"


async def test_a_claimed_event_is_not_sent_twice_by_a_second_worker(core: Core) -> None:
    await endpoint(core, "https://crm.test/")
    event_id = await event(core)
    async with core.uow() as uow:  # another worker's claim: leased until T0 + LEASE
        row = await uow.session.get(OutboxEvent, event_id)
        assert row is not None
        row.next_attempt_at = T0 + outbox.LEASE
        await uow.commit()
    receiver = Receiver()
    assert await deliver(core, receiver, T0) == outbox.DeliveryReport()
    assert receiver.requests == []


async def test_an_unknown_topic_is_refused_when_written(core: Core) -> None:
    async with core.uow() as uow:
        with pytest.raises(InvalidInput):
            await outbox.add_event(uow.session, "order.eaten", {})


async def test_an_event_written_in_a_rolled_back_transaction_is_never_sent(core: Core) -> None:
    async with core.uow() as uow:
        await outbox.add_event(uow.session, "order.created", {"order_id": 1})
    receiver = Receiver()
    await endpoint(core, "https://crm.test/")
    assert await deliver(core, receiver, T0 + dt.timedelta(days=1)) == outbox.DeliveryReport()


async def test_the_in_process_worker_delivers_due_events_through_taskiq(core: Core) -> None:
    await endpoint(core, "https://crm.test/")
    async with core.uow() as uow:
        await outbox.add_event(uow.session, "order.created", {"order_id": 1})  # due now
        await uow.commit()
    receiver = Receiver()
    await core.http.aclose()
    core.http = receiver.client()
    worker = EmbeddedWorker(core, interval_s=3600)
    await worker.start()
    try:
        outcome = await worker.kick()
    finally:
        await worker.stop()
    assert outcome == {"delivered": 1, "retrying": 0, "dead": 0}
    assert len(receiver.requests) == 1


def test_a_redis_url_selects_the_redis_list_queue_broker(settings: Settings) -> None:
    from taskiq import InMemoryBroker
    from taskiq_redis import ListQueueBroker

    assert isinstance(build_broker(settings.model_copy(update={"redis_url": None})), InMemoryBroker)
    assert isinstance(build_broker(settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/0"})),
                      ListQueueBroker)
