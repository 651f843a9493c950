"""Delivery statuses of sent messages on the message log: the ids a channel gave them, and what became of them.

A channel that reports delivery (WhatsApp's sent / delivered / read / failed) finds the logged message by the id
it gave it. Statuses only move forward: a late "delivered" after "read" changes nothing, and "failed" is final.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import Conversation, Message

STATUSES = ("held", "sent", "delivered", "read", "failed")
_RANK = {status: rank for rank, status in enumerate(STATUSES)}
MAX_ERROR = 300


async def attach_channel_ids(
    session: AsyncSession, conversation_id: int, channel_message_ids: Sequence[str | None]
) -> int:
    """Give the conversation's latest outbound messages without an id the ids the channel answered, in order.

    The gateway logs a turn's answer before the channel sends it; this completes those rows afterwards. How
    many rows got an id is returned.
    """
    if not channel_message_ids:
        return 0
    rows = list(await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.direction == "out",
               Message.channel_message_id.is_(None))
        .order_by(Message.id.desc())
        .limit(len(channel_message_ids))
    ))
    rows.reverse()
    attached = 0
    for row, channel_id in zip(rows, channel_message_ids[-len(rows):] if rows else (), strict=False):
        if channel_id is not None:
            row.channel_message_id = channel_id
            row.status = row.status or "sent"
            attached += 1
    await session.flush()
    return attached


async def record_status(
    session: AsyncSession, channel: str, channel_message_id: str, status: str, *, error: str | None = None
) -> bool:
    """Record what became of a sent message; False when no logged message of `channel` has that id."""
    if status not in _RANK:
        raise InvalidInput("unknown delivery status", status=status[:40])
    row = await session.scalar(
        select(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.channel_message_id == channel_message_id, Message.direction == "out",
               Conversation.channel == channel)
        .limit(1)
    )
    if row is None:
        return False
    if row.status == "failed" or _RANK.get(row.status or "", -1) >= _RANK[status]:
        return True
    row.status = status
    if error:
        row.payload = {**row.payload, "error": error[:MAX_ERROR]}
    await session.flush()
    return True
