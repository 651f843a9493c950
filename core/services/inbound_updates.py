"""Raw channel updates: recorded (and so deduplicated) before a webhook is acknowledged, marked when handled.

A channel records an update under its own id (Telegram's `update_id`); the unique (channel, external id)
decides between two deliveries of one update, so a redelivery is recognised and handled once. An update
recorded but never finished (the process died after the ack) is taken up again by `claim_unfinished`, by one
replica only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Insert, Update, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import conflict_insert, dialect_of, table_of
from core.errors import InvalidInput
from core.models import InboundUpdate

MAX_EXTERNAL_ID = 100
MAX_ERROR = 2000


# Built once: every update runs these two (see conversations' message statements).
_UPDATES = table_of(InboundUpdate)
_FINISH_STATEMENT = (
    update(_UPDATES)
    .where(_UPDATES.c.id == bindparam("update_id"))
    .values(processed_at=bindparam("processed_at"), error=bindparam("error"))
)


@cache
def _record_statement(dialect: str) -> Insert:
    columns = _UPDATES.c
    return (
        conflict_insert(dialect)(_UPDATES)
        .values({name: bindparam(name) for name in ("channel", "external_id", "payload", "received_at",
                                                    "processed_at")})
        .on_conflict_do_nothing(index_elements=[columns.channel, columns.external_id])
        .returning(columns.id)
    )


@dataclass(frozen=True, slots=True)
class RecordedUpdate:
    id: int
    external_id: str
    payload: Mapping[str, Any]


async def record(
    session: AsyncSession, channel: str, external_id: str, payload: Mapping[str, Any], *, now: dt.datetime,
    finished: bool = False,
) -> int | None:
    """Record an update (`finished`: as handled already, for a caller that handles it in the same transaction);
    its row id, or None when this (channel, external id) was recorded before."""
    if not channel or not external_id or len(external_id) > MAX_EXTERNAL_ID:
        raise InvalidInput("an update needs a channel and an id of at most 100 characters")
    # One round trip: INSERT .. ON CONFLICT DO NOTHING RETURNING id answers both "new" and "seen before",
    # and a concurrent delivery of the same update cannot abort the caller's transaction.
    row_id = await session.scalar(_record_statement(dialect_of(session)), {
        "channel": channel, "external_id": external_id, "payload": dict(payload), "received_at": now,
        "processed_at": now if finished else None,
    })
    return None if row_id is None else int(row_id)


async def finish(session: AsyncSession, update_id: int, *, now: dt.datetime, error: str | None = None) -> None:
    """Mark a recorded update handled (with the error that stopped it, if any): it is not replayed again."""
    await session.execute(_FINISH_STATEMENT, {
        "update_id": update_id, "processed_at": now, "error": error[:MAX_ERROR] if error else None,
    })


async def claim_unfinished(
    session: AsyncSession, channel: str, *, received_before: dt.datetime, now: dt.datetime, limit: int = 100
) -> list[RecordedUpdate]:
    """Take `channel`'s updates recorded before `received_before` and never finished, oldest first and at most
    `limit`, each for this caller alone, in one statement: it moves their `received_at` to `now` where it is still
    before `received_before`, so a replica claiming at the same time takes none of them (on PostgreSQL it skips
    the rows another claimant holds), and an update whose claimant dies too is found again once it is
    `received_before` old once more. Commit to hold the claims.
    """
    rows = await session.execute(_CLAIM, {"claim_channel": channel, "claim_before": received_before,
                                          "claim_limit": limit, "claimed_at": now})
    return sorted((RecordedUpdate(row_id, external_id, payload) for row_id, external_id, payload in rows),
                  key=lambda claimed: claimed.id)  # RETURNING keeps no order


def _claim_statement() -> Update:
    columns = _UPDATES.c
    still_unfinished = (columns.processed_at.is_(None), columns.received_at < bindparam("claim_before"))
    oldest = (
        select(columns.id)
        .where(columns.channel == bindparam("claim_channel"), *still_unfinished)
        .order_by(columns.id)
        .limit(bindparam("claim_limit"))
        .with_for_update(skip_locked=True)  # PostgreSQL: rows another claimant holds are left to it
    )
    return (
        update(_UPDATES)
        .where(columns.id.in_(oldest), *still_unfinished)
        .values(received_at=bindparam("claimed_at"))
        .returning(columns.id, columns.external_id, columns.payload)
    )


_CLAIM = _claim_statement()
