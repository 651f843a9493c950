"""The connection hub: tells the sockets of a visitor, in whichever process they are, that there is news.

A publish carries only the visitor key; each socket then reads what it has not sent yet from the
transcript, so ordering and completeness come from the database, not from the pub/sub. In one process the
hub is a dictionary; with Redis, every process subscribes to one channel and wakes its own sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis

log = logging.getLogger(__name__)

Wake = Callable[[], None]
REDIS_CHANNEL = "b2bot:webchat"


class Hub(Protocol):
    async def subscribe(self, visitor: str, wake: Wake) -> Callable[[], None]:
        """Call `wake` on news for `visitor` until the returned function is called."""
        ...

    async def publish(self, visitor: str) -> None: ...

    async def close(self) -> None: ...


class MemoryHub:
    """Sockets of this process only."""

    def __init__(self) -> None:
        self._wakes: dict[str, set[Wake]] = {}

    async def subscribe(self, visitor: str, wake: Wake) -> Callable[[], None]:
        self._wakes.setdefault(visitor, set()).add(wake)

        def unsubscribe() -> None:
            wakes = self._wakes.get(visitor)
            if wakes is not None:
                wakes.discard(wake)
                if not wakes:
                    del self._wakes[visitor]

        return unsubscribe

    async def publish(self, visitor: str) -> None:
        self.wake_local(visitor)

    def wake_local(self, visitor: str) -> None:
        for wake in list(self._wakes.get(visitor, ())):
            wake()

    @property
    def visitors(self) -> frozenset[str]:
        return frozenset(self._wakes)

    async def close(self) -> None:
        self._wakes.clear()


class RedisHub:
    """Sockets of every process sharing one Redis: publish goes to Redis, one listener per process wakes."""

    def __init__(self, redis: Redis, *, channel: str = REDIS_CHANNEL) -> None:
        self._redis = redis
        self._channel = channel
        self._local = MemoryHub()
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    @classmethod
    def from_url(cls, url: str) -> RedisHub:
        return cls(Redis.from_url(url))

    async def subscribe(self, visitor: str, wake: Wake) -> Callable[[], None]:
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="webchat-redis-listener")
        await self._ready.wait()
        return await self._local.subscribe(visitor, wake)

    async def publish(self, visitor: str) -> None:
        await self._redis.publish(self._channel, visitor)

    async def _listen(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    self._ready.set()
                    # A message lost while reconnecting is found anyway: every socket rereads on its next wake,
                    # and wakes everyone once back, in case something was published meanwhile.
                    for visitor in self._local.visitors:
                        self._local.wake_local(visitor)
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            data = message["data"]
                            self._local.wake_local(data.decode() if isinstance(data, bytes) else str(data))
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis went away: log, wait, resubscribe; sockets keep their state meanwhile
                log.exception("web chat pub/sub listener failed; reconnecting")
                await asyncio.sleep(1)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        await self._local.close()
        await self._redis.aclose()
