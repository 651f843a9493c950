"""Channel updates recorded before the webhook (or poll) is acknowledged, then handled once.

A channel records each update under its own id (`core.services.inbound_updates`), acknowledges, and hands the
recorded rows here: each is handled and marked finished (with the error that stopped it, if any; later updates
are still handled). Updates recorded but never finished, because the process died after the ack, are claimed
by one replica and handled on start-up.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from core.bootstrap import Core
from core.services import inbound_updates

log = logging.getLogger(__name__)

REPLAY_AFTER = dt.timedelta(minutes=2)  # an unfinished update younger than this may still be in hand

# Handles a recorded update's payload; True when it marked the update finished itself (the gateway does, in the
# commit that logs the message), so no second write is needed.
Handle = Callable[[Mapping[str, Any]], Awaitable[bool | None]]


class RecordedUpdates:
    """Handles `channel`'s recorded updates with `handle` (the raw payload in, the turn done)."""

    def __init__(self, core: Core, channel: str, handle: Handle) -> None:
        self.core = core
        self.channel = channel
        self._handle = handle

    async def process(self, row_id: int, payload: Mapping[str, Any], handle: Handle | None = None) -> None:
        """Handle one recorded update (with `handle` instead of the usual when given) and mark it finished,
        keeping the error that stopped it if any."""
        error: str | None = None
        try:
            if await (handle or self._handle)(payload):
                return
        except Exception as exc:  # the row keeps the error; the next updates must still be handled
            log.exception("%s update %s failed", self.channel, row_id)
            error = f"{type(exc).__name__}: {exc}"
        async with self.core.uow() as uow:
            await inbound_updates.finish(uow.session, row_id, now=self.core.clock.now(), error=error)
            await uow.commit()

    async def replay_unfinished(self, older_than: dt.timedelta = REPLAY_AFTER) -> int:
        """Claim and handle updates recorded but never finished (a crash after the ack); how many."""
        now = self.core.clock.now()
        async with self.core.uow() as uow:
            pending = await inbound_updates.claim_unfinished(uow.session, self.channel,
                                                             received_before=now - older_than, now=now)
            await uow.commit()
        for update in pending:
            await self.process(update.id, update.payload)
        return len(pending)
