"""Sending pace shared by the channels: a messenger's per-recipient and overall limits, kept in this process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable

Sleep = Callable[[float], Awaitable[None]]
Monotonic = Callable[[], float]


class RateLimiter:
    """Two generic cell-rate limiters: one per chat (recipient) and one for the whole bot (business number).

    A call reserves the earliest moment both allow (reservation is synchronous, so concurrent senders never
    take the same slot) and then sleeps until it. `monotonic` and `sleep` are injected for tests.
    """

    def __init__(self, *, per_chat: float = 1.0, chat_burst: int = 3, overall: float = 30.0,
                 monotonic: Monotonic = time.monotonic, sleep: Sleep = asyncio.sleep,
                 max_tracked_chats: int = 10_000) -> None:
        self._chat_interval = 1.0 / per_chat
        self._chat_burst = chat_burst
        self._interval = 1.0 / overall
        self._monotonic = monotonic
        self._sleep = sleep
        self._max_tracked = max_tracked_chats
        self._chat_tat: dict[Hashable, float] = {}  # theoretical arrival time of each chat's next message
        self._tat = 0.0

    def reserve(self, chat_id: Hashable) -> float:
        """Take the next slot for `chat_id`; how many seconds from now it is."""
        now = self._monotonic()
        chat_tat = self._chat_tat.get(chat_id, now)
        at = max(now, chat_tat - (self._chat_burst - 1) * self._chat_interval, self._tat)
        self._chat_tat[chat_id] = max(chat_tat, at) + self._chat_interval
        self._tat = max(self._tat, at) + self._interval
        if len(self._chat_tat) > self._max_tracked:
            self._chat_tat = {chat: tat for chat, tat in self._chat_tat.items() if tat > now}
        return at - now

    async def acquire(self, chat_id: Hashable) -> None:
        wait = self.reserve(chat_id)
        if wait > 0:
            await self._sleep(wait)

    def hold(self, chat_id: Hashable, seconds: float) -> None:
        """After a 429: nothing more to this chat for `seconds`, then its burst again."""
        resume = self._monotonic() + seconds
        self._chat_tat[chat_id] = max(self._chat_tat.get(chat_id, 0.0),
                                      resume + (self._chat_burst - 1) * self._chat_interval)
