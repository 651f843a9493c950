"""Proactive messages a channel holds until it may send them (WhatsApp outside the 24-hour window without an
approved template): kept, reported, and released when the customer next writes; never silently dropped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import HeldNotification
from core.ports import Notification

MAX_REASON = 200


@dataclass(frozen=True, slots=True)
class Held:
    id: int
    notification: Notification
    reason: str
    created_at: dt.datetime


async def hold(
    session: AsyncSession, identity_id: int, notification: Notification, *, reason: str, now: dt.datetime
) -> int:
    """Keep `notification` for the identity; the row id."""
    row = HeldNotification(identity_id=identity_id, contact_id=notification.contact_id, kind=notification.kind,
                           data=dict(notification.data), reason=reason[:MAX_REASON], created_at=now)
    session.add(row)
    await session.flush()
    return row.id


async def pending(session: AsyncSession, identity_id: int, *, limit: int = 20) -> list[Held]:
    """The identity's held notifications not yet released, oldest first."""
    rows = await session.scalars(
        select(HeldNotification)
        .where(HeldNotification.identity_id == identity_id, HeldNotification.released_at.is_(None))
        .order_by(HeldNotification.id)
        .limit(limit)
    )
    return [Held(row.id, Notification(row.contact_id or 0, row.kind, dict(row.data)), row.reason, row.created_at)
            for row in rows]


async def release(session: AsyncSession, held_id: int, *, now: dt.datetime) -> bool:
    """Mark one held notification sent; False when it was released already (by another process)."""
    result = await session.execute(
        update(HeldNotification)
        .where(HeldNotification.id == held_id, HeldNotification.released_at.is_(None))
        .values(released_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def reopen(session: AsyncSession, held_id: int) -> None:
    """Hold a released notification again: sending it failed, and it must not be lost."""
    await session.execute(
        update(HeldNotification)
        .where(HeldNotification.id == held_id)
        .values(released_at=None)
        .execution_options(synchronize_session=False)
    )
