"""The outbox: events written in the changing transaction, delivered as signed webhooks by a worker.

Delivery is at least once. Each event goes to every active endpoint subscribed to its topic; an
endpoint that accepted it (2xx) is remembered, so a retry goes only to the ones that failed. Failed
events wait on an exponential backoff; after `max_attempts` they become dead letters, listed and
re-driven through the admin API.

Receivers check `X-B2bot-Signature: v1=<hex>`, an HMAC-SHA256 under the endpoint's secret of
`<X-B2bot-Timestamp>.<raw body>`, and refuse stale timestamps to stop replays.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound
from core.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from core.uow import UnitOfWorkFactory

TOPICS = ("order.created", "order.status_changed", "handover.requested", "lead.created", "backorder.requested")
PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=6)
MAX_ATTEMPTS = 10
LEASE = dt.timedelta(minutes=2)  # a claimed event is left alone this long, then any worker may retry it
SIGNATURE_TOLERANCE = dt.timedelta(minutes=5)


async def add_event(
    session: AsyncSession, topic: str, payload: dict[str, Any], *, now: dt.datetime | None = None
) -> OutboxEvent:
    """Record an event in the caller's transaction: it is delivered only if that transaction commits."""
    if topic not in TOPICS:
        raise InvalidInput("unknown outbox topic", topic=topic, allowed=list(TOPICS))
    event = OutboxEvent(topic=topic, payload=payload)
    if now is not None:
        event.created_at = event.next_attempt_at = now
    session.add(event)
    await session.flush()
    return event


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try after `attempts` failures: 30 s, 1 min, 2 min, ... capped at 6 h."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def verify_signature(
    secret: str, timestamp: str, body: bytes, signature: str, *, now: dt.datetime,
    tolerance: dt.timedelta = SIGNATURE_TOLERANCE,
) -> bool:
    """What a receiver does: a valid MAC over a timestamp close to now."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now.timestamp() - sent) > tolerance.total_seconds():
        return False
    return hmac.compare_digest(sign(secret, sent, body), signature)


# --- endpoints --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EndpointView:
    id: int
    url: str
    topics: tuple[str, ...]
    active: bool
    description: str | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class CreatedEndpoint:
    endpoint: EndpointView
    secret: str  # shown once; the receiver keeps it to check signatures


async def create_endpoint(
    session: AsyncSession, *, url: str, topics: Sequence[str], description: str | None, now: dt.datetime
) -> CreatedEndpoint:
    if not url.startswith(("https://", "http://")) or len(url) > 500:
        raise InvalidInput("the endpoint URL must be http(s) and at most 500 characters")
    unknown = sorted(set(topics) - set(TOPICS))
    if unknown:
        raise InvalidInput("unknown topics", unknown=unknown, allowed=list(TOPICS))
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    row = WebhookEndpoint(url=url, secret=secret, topics=sorted(set(topics)), active=True,
                          description=description, created_at=now)
    session.add(row)
    await session.flush()
    return CreatedEndpoint(_endpoint_view(row), secret)


async def list_endpoints(session: AsyncSession) -> list[EndpointView]:
    return [_endpoint_view(r) for r in await session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id))]


async def deactivate_endpoint(session: AsyncSession, endpoint_id: int) -> EndpointView:
    row = await session.get(WebhookEndpoint, endpoint_id)
    if row is None:
        raise NotFound("no such webhook endpoint", endpoint_id=endpoint_id)
    row.active = False
    await session.flush()
    return _endpoint_view(row)


def _endpoint_view(row: WebhookEndpoint) -> EndpointView:
    return EndpointView(row.id, row.url, tuple(row.topics), row.active, row.description, row.created_at)


# --- delivery ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    dead: int = 0


async def deliver_due(
    uow: UnitOfWorkFactory,
    http: httpx.AsyncClient,
    *,
    now: dt.datetime,
    default_secret: str,
    batch: int = 100,
    max_attempts: int = MAX_ATTEMPTS,
    request_timeout_s: float = 10.0,
) -> DeliveryReport:
    """Deliver the events that are due. Several workers may run this at once: each event is claimed
    with a conditional UPDATE first, and no transaction stays open across the HTTP calls."""
    async with uow() as claim:
        due = list(
            await claim.session.scalars(
                select(OutboxEvent.id)
                .where(OutboxEvent.status == PENDING, OutboxEvent.next_attempt_at <= now)
                .order_by(OutboxEvent.id)
                .limit(batch)
            )
        )
        claimed: list[int] = []
        if due:
            claimed = list(
                await claim.session.scalars(
                    update(OutboxEvent)
                    .where(OutboxEvent.id.in_(due), OutboxEvent.status == PENDING, OutboxEvent.next_attempt_at <= now)
                    .values(next_attempt_at=now + LEASE)
                    .returning(OutboxEvent.id)
                )
            )
        await claim.commit()
    delivered = retrying = dead = 0
    for event_id in sorted(claimed):
        outcome = await _deliver_one(uow, http, event_id, now=now, default_secret=default_secret,
                                     max_attempts=max_attempts, request_timeout_s=request_timeout_s)
        delivered += outcome == DELIVERED
        retrying += outcome == PENDING
        dead += outcome == DEAD
    return DeliveryReport(delivered, retrying, dead)


async def _deliver_one(
    uow: UnitOfWorkFactory, http: httpx.AsyncClient, event_id: int, *, now: dt.datetime, default_secret: str,
    max_attempts: int, request_timeout_s: float,
) -> str:
    async with uow() as read:
        event = await read.session.get(OutboxEvent, event_id)
        assert event is not None
        done = set(await read.session.scalars(
            select(WebhookDelivery.endpoint_id).where(WebhookDelivery.event_id == event_id)
        ))
        endpoints = [
            e for e in await read.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True)))
            if (not e.topics or event.topic in e.topics) and e.id not in done
        ]
    body = json.dumps(
        {"id": event.id, "topic": event.topic, "created_at": event.created_at.isoformat(), "data": event.payload},
        separators=(",", ":"), sort_keys=True, default=str,
    ).encode()
    accepted: list[int] = []
    errors: list[str] = []
    timestamp = int(now.timestamp())
    for endpoint in endpoints:
        headers = {
            "Content-Type": "application/json",
            "X-B2bot-Event": event.topic,
            "X-B2bot-Event-Id": str(event.id),
            "X-B2bot-Timestamp": str(timestamp),
            "X-B2bot-Signature": sign(endpoint.secret or default_secret, timestamp, body),
        }
        try:
            response = await http.post(endpoint.url, content=body, headers=headers, timeout=request_timeout_s)
        except httpx.HTTPError as error:
            errors.append(f"endpoint {endpoint.id}: {type(error).__name__}")
            continue
        if 200 <= response.status_code < 300:
            accepted.append(endpoint.id)
        else:
            errors.append(f"endpoint {endpoint.id}: HTTP {response.status_code}")
    async with uow() as write:
        for endpoint_id in accepted:
            write.session.add(WebhookDelivery(event_id=event_id, endpoint_id=endpoint_id, delivered_at=now))
        attempts = event.attempts + 1
        if not errors:
            values: dict[str, Any] = {"status": DELIVERED, "attempts": attempts, "last_error": None}
        elif attempts >= max_attempts:
            values = {"status": DEAD, "attempts": attempts, "last_error": "; ".join(errors)[:500]}
        else:
            values = {"attempts": attempts, "next_attempt_at": now + backoff(attempts),
                      "last_error": "; ".join(errors)[:500]}
        await write.session.execute(
            update(OutboxEvent).where(OutboxEvent.id == event_id).values(**values)
            .execution_options(synchronize_session=False)
        )
        await write.commit()
    return str(values.get("status", PENDING))


# --- dead letters -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventView:
    id: int
    topic: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    created_at: dt.datetime


async def events(
    session: AsyncSession, *, status: str | None, limit: int, offset: int
) -> tuple[list[EventView], int]:
    """Outbox events, newest first, optionally of one status (`dead` lists the dead letters)."""
    if status is not None and status not in (PENDING, DELIVERED, DEAD):
        raise InvalidInput("status is one of pending, delivered, dead", status=status)
    if not 1 <= limit <= 500 or offset < 0:
        raise InvalidInput("limit must be between 1 and 500 and offset not negative")
    conditions = [OutboxEvent.status == status] if status else []
    total = await session.scalar(select(func.count()).select_from(OutboxEvent).where(*conditions)) or 0
    rows = await session.scalars(
        select(OutboxEvent).where(*conditions).order_by(OutboxEvent.id.desc()).limit(limit).offset(offset)
    )
    return [_event_view(r) for r in rows], int(total)


async def redrive(session: AsyncSession, event_ids: Sequence[int] | None, *, now: dt.datetime) -> int:
    """Put dead letters (these, or all of them) back in the queue for a fresh round of attempts."""
    query = update(OutboxEvent).where(OutboxEvent.status == DEAD)
    if event_ids is not None:
        if not event_ids or len(event_ids) > 10_000:
            raise InvalidInput("give 1 to 10,000 event ids, or none to redrive every dead letter")
        query = query.where(OutboxEvent.id.in_(list(event_ids)))
    result = await session.execute(
        query.values(status=PENDING, attempts=0, next_attempt_at=now, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _event_view(row: OutboxEvent) -> EventView:
    return EventView(row.id, row.topic, dict(row.payload), row.status, row.attempts, row.next_attempt_at,
                     row.last_error, row.created_at)
