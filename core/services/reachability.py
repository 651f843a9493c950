"""Whether a channel identity can be written to: a user who blocked the bot is unreachable until they return."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import ChannelIdentity


async def set_reachable(session: AsyncSession, channel: str, external_id: str, reachable: bool) -> bool:
    """Mark the identity (channel, external id) reachable or not; False when there is no such identity."""
    result = await session.execute(
        update(ChannelIdentity)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
        .values(unreachable=not reachable)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
