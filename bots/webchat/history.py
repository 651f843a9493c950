"""The web chat transcript store: append with gap-free per-visitor sequence numbers, read after a number.

Sequence numbers are allocated as max+1 under the (identity, seq) unique constraint: a writer that loses a
race retries with the next number, so numbers have no gaps and a reader that resumes "after N" never skips
a message committed late. Nothing here commits; callers own the unit of work.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bots.webchat.translate import CHANNEL, outbound_body
from core.messaging import DocumentOut, Outbound
from core.models import ChannelIdentity, WebchatFile, WebchatMessage
from core.services import conversations

FILES_PATH = "/webchat/files/"
PAGE = 200
_RETRIES = 8


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    direction: str
    body: dict[str, Any]
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class StoredFile:
    filename: str
    content_type: str
    data: bytes


async def identity_id(session: AsyncSession, visitor: str) -> int | None:
    """The channel identity of a visitor key, if they ever wrote or were written to."""
    return await session.scalar(
        select(ChannelIdentity.id).where(ChannelIdentity.channel == CHANNEL, ChannelIdentity.external_id == visitor)
    )


async def ensure_identity(session: AsyncSession, visitor: str, *, now: dt.datetime,
                          locale_hint: str | None = None) -> int:
    """The visitor's identity, created as a guest the first time."""
    view = await conversations.resolve_identity(session, CHANNEL, visitor, now=now, locale_hint=locale_hint)
    return view.id


async def append_inbound(session: AsyncSession, identity: int, client_id: str, body: dict[str, Any], *,
                         now: dt.datetime) -> tuple[int, bool]:
    """Store the visitor's message once: (its seq, True), or (the earlier seq, False) for a repeated id."""
    seen = await _seq_of_client_id(session, identity, client_id)
    if seen is not None:
        return seen, False
    for _ in range(_RETRIES):
        seq = await last_seq(session, identity) + 1
        try:
            async with session.begin_nested():
                session.add(WebchatMessage(identity_id=identity, seq=seq, direction="in", client_message_id=client_id,
                                           body=body, created_at=now))
                await session.flush()
            return seq, True
        except IntegrityError:
            seen = await _seq_of_client_id(session, identity, client_id)
            if seen is not None:
                return seen, False
    raise RuntimeError("could not allocate a web chat sequence number")  # pragma: no cover


async def append_outbound(session: AsyncSession, identity: int, messages: Sequence[Outbound], *,
                          now: dt.datetime) -> list[int]:
    """Store messages sent to the visitor (documents as downloadable files); their seqs, in order."""
    bodies = []
    for message in messages:
        url = await _store_file(session, identity, message, now) if isinstance(message, DocumentOut) else None
        bodies.append(outbound_body(message, url))
    if not bodies:
        return []
    for _ in range(_RETRIES):
        first = await last_seq(session, identity) + 1
        try:
            async with session.begin_nested():
                session.add_all(WebchatMessage(identity_id=identity, seq=first + i, direction="out", body=body,
                                               created_at=now) for i, body in enumerate(bodies))
                await session.flush()
            return list(range(first, first + len(bodies)))
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate a web chat sequence number")  # pragma: no cover


async def after(session: AsyncSession, identity: int, seq: int, *, limit: int = PAGE) -> list[Entry]:
    """Transcript entries with a seq above `seq`, oldest first, at most `limit`."""
    rows = await session.execute(
        select(WebchatMessage.seq, WebchatMessage.direction, WebchatMessage.body, WebchatMessage.created_at)
        .where(WebchatMessage.identity_id == identity, WebchatMessage.seq > seq)
        .order_by(WebchatMessage.seq)
        .limit(limit)
    )
    return [Entry(row.seq, row.direction, dict(row.body), row.created_at) for row in rows]


async def last_seq(session: AsyncSession, identity: int) -> int:
    value = await session.scalar(select(func.max(WebchatMessage.seq)).where(WebchatMessage.identity_id == identity))
    return int(value or 0)


async def file_by_token(session: AsyncSession, token: str) -> StoredFile | None:
    row = (await session.execute(
        select(WebchatFile.filename, WebchatFile.content_type, WebchatFile.data).where(WebchatFile.token == token)
    )).first()
    return StoredFile(row.filename, row.content_type, bytes(row.data)) if row else None


async def _seq_of_client_id(session: AsyncSession, identity: int, client_id: str) -> int | None:
    return await session.scalar(select(WebchatMessage.seq).where(WebchatMessage.identity_id == identity,
                                                                 WebchatMessage.client_message_id == client_id))


async def _store_file(session: AsyncSession, identity: int, document: DocumentOut, now: dt.datetime) -> str:
    token = secrets.token_urlsafe(32)
    session.add(WebchatFile(identity_id=identity, token=token, filename=document.filename[:255],
                            content_type=document.content_type[:100], data=document.data, created_at=now))
    await session.flush()
    return FILES_PATH + token
