"""Conversation state and where it lives: JSON-serialisable state, memory and Redis stores, per-conversation locks.

A turn runs as `async with store.turn(key) as held: ... held.save(state)`: the conversation's lock taken and its
state loaded on the way in, the new state saved and the lock released on a clean way out (on Redis, one round
trip each way). So two messages of one conversation never interleave, while different conversations run in
parallel. Every write sets the TTL: an idle conversation's state expires and the next message starts fresh.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import LockError, LockNotOwnedError

from core.ports import Clock, SystemClock

STATE_VERSION = 1
_SWEEP_EVERY = 1000  # memory store writes between sweeps of expired conversations
JsonValue = Any  # a value json.dumps accepts: str, int, float, bool, None, and lists/dicts of them


class ConversationBusy(RuntimeError):
    """Another turn of this conversation holds the lock longer than we are willing to wait."""


class ConversationLockLost(RuntimeError):
    """The turn outlived its lock's timeout, so another turn may have run at the same time."""


@dataclass(slots=True)
class FlowFrame:
    """A flow in progress: its name, the step it waits on, the slots filled so far, its start arguments."""

    flow: str
    step: str | None = None
    slots: dict[str, JsonValue] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, JsonValue]:
        return {"flow": self.flow, "step": self.step, "slots": self.slots, "args": self.args}

    @classmethod
    def from_dict(cls, data: dict[str, JsonValue]) -> FlowFrame:
        return cls(flow=str(data["flow"]), step=data.get("step"), slots=dict(data.get("slots") or {}),
                   args=[str(arg) for arg in data.get("args") or ()])


@dataclass(slots=True)
class ConversationState:
    """Everything the engine remembers between turns of one conversation.

    `current` is the flow in progress (None when idle); `stack` holds interrupted flows, the last one resumes
    first; `pending_choices` maps a numbered reply to a payload when the last answer showed numbered options;
    `locale` is a language the user chose in this conversation (None: use their setting or messenger's).
    """

    current: FlowFrame | None = None
    stack: list[FlowFrame] = field(default_factory=list)
    pending_choices: dict[str, str] = field(default_factory=dict)
    locale: str | None = None
    last_activity: dt.datetime | None = None

    @property
    def flow(self) -> str | None:
        return self.current.flow if self.current else None

    @property
    def step(self) -> str | None:
        return self.current.step if self.current else None

    @property
    def slots(self) -> dict[str, JsonValue]:
        return self.current.slots if self.current else {}

    def to_json(self) -> str:
        """JSON text; `TypeError` if a slot holds something JSON cannot carry (store Decimals as strings)."""
        return json.dumps(
            {
                "v": STATE_VERSION,
                "current": self.current.to_dict() if self.current else None,
                "stack": [frame.to_dict() for frame in self.stack],
                "pending_choices": self.pending_choices,
                "locale": self.locale,
                "last_activity": self.last_activity.isoformat() if self.last_activity else None,
            },
            ensure_ascii=False,
            allow_nan=False,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> ConversationState:
        data = json.loads(text)
        if data.get("v") != STATE_VERSION:
            # State is short-lived; an unknown version is dropped rather than migrated.
            return cls()
        last = data.get("last_activity")
        return cls(
            current=FlowFrame.from_dict(data["current"]) if data.get("current") else None,
            stack=[FlowFrame.from_dict(frame) for frame in data.get("stack") or ()],
            pending_choices={str(k): str(v) for k, v in (data.get("pending_choices") or {}).items()},
            locale=data.get("locale"),
            last_activity=dt.datetime.fromisoformat(last) if last else None,
        )

    def copy(self) -> ConversationState:
        return ConversationState.from_json(self.to_json())


class HeldState:
    """A conversation's state held for one turn (`StateStore.turn`): `state` as loaded (None: a fresh start),
    and `save` to keep a new one once the turn ends without an error."""

    __slots__ = ("state", "to_save")

    def __init__(self, state: ConversationState | None) -> None:
        self.state = state
        self.to_save: ConversationState | None = None

    def save(self, state: ConversationState) -> None:
        self.to_save = state


class StateStore(Protocol):
    def turn(self, key: str) -> AbstractAsyncContextManager[HeldState]:
        """Lock the conversation and load its state; on a clean exit save what was given to `save`, then
        unlock. Raises `ConversationBusy` if the lock cannot be had in time."""

    async def load(self, key: str) -> ConversationState | None: ...

    async def save(self, key: str, state: ConversationState) -> None:
        """Write the state and (re)start its TTL."""

    async def delete(self, key: str) -> None: ...

    def lock(self, key: str) -> AbstractAsyncContextManager[None]:
        """Hold the conversation for one turn; raises `ConversationBusy` if it cannot be had in time."""


class MemoryStateStore:
    """State in this process (the embedded deployment); kept as JSON so it behaves exactly like Redis."""

    def __init__(self, ttl: dt.timedelta = dt.timedelta(hours=24), clock: Clock | None = None,
                 lock_wait: float = 10.0) -> None:
        self._ttl = ttl
        self._clock = clock or SystemClock()
        self._lock_wait = lock_wait
        self._data: dict[str, tuple[str, dt.datetime]] = {}
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._writes = 0

    async def load(self, key: str) -> ConversationState | None:
        stored = self._data.get(key)
        if stored is None:
            return None
        text, expires_at = stored
        if self._clock.now() >= expires_at:
            del self._data[key]
            return None
        return ConversationState.from_json(text)

    async def save(self, key: str, state: ConversationState) -> None:
        now = self._clock.now()
        self._data[key] = (state.to_json(), now + self._ttl)
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            # Conversations that never come back are never loaded again: drop them now and then.
            for stale in [k for k, (_, expires_at) in self._data.items() if now >= expires_at]:
                del self._data[stale]

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    @asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[HeldState]:
        async with self.lock(key):
            held = HeldState(await self.load(key))
            yield held
            if held.to_save is not None:
                await self.save(key, held.to_save)

    @asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            try:
                await asyncio.wait_for(lock.acquire(), timeout=self._lock_wait)
            except TimeoutError:
                raise ConversationBusy(key) from None
            try:
                yield
            finally:
                lock.release()
        finally:
            # Forget the lock once nobody holds or waits for it, so idle conversations cost nothing.
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


# KEYS: the lock, the state; ARGV: the lock's token, the state's JSON ("" keeps it as it is), its TTL in ms.
_SAVE_AND_UNLOCK = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then redis.call('set', KEYS[2], ARGV[2], 'PX', ARGV[3]) end
redis.call('del', KEYS[1])
return 1
"""


class RedisStateStore:
    """State in Redis (production): one JSON string per conversation with a TTL, and a Redis lock per turn.

    The lock is redis-py's `Lock` (a random token set with NX PX, released by a Lua compare-and-delete), so it
    holds across processes and replicas. `lock_timeout` bounds a crashed turn; keep it above the slowest turn.
    """

    def __init__(self, redis: Redis, *, ttl: dt.timedelta = dt.timedelta(hours=24), prefix: str = "b2bot:conv:",
                 lock_timeout: float = 30.0, lock_wait: float = 10.0) -> None:
        self._redis = redis
        self._ttl_ms = int(ttl.total_seconds() * 1000)
        if self._ttl_ms <= 0:
            raise ValueError("state TTL must be positive")
        self._prefix = prefix
        self._lock_timeout = lock_timeout
        self._lock_wait = lock_wait
        self._save_and_unlock = redis.register_script(_SAVE_AND_UNLOCK)

    def state_key(self, key: str) -> str:
        return f"{self._prefix}state:{key}"

    def lock_key(self, key: str) -> str:
        return f"{self._prefix}lock:{key}"

    async def load(self, key: str) -> ConversationState | None:
        text = await self._redis.get(self.state_key(key))
        return None if text is None else ConversationState.from_json(text)

    async def save(self, key: str, state: ConversationState) -> None:
        await self._redis.set(self.state_key(key), state.to_json(), px=self._ttl_ms)

    async def delete(self, key: str) -> None:
        await self._redis.delete(self.state_key(key))

    @asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[HeldState]:
        """Two round trips a turn instead of four: the lock is set (NX PX, a random token, as redis-py's `Lock`
        does) with the state read in the same pipeline, and the state is written with the lock's
        compare-and-delete in one script. The read is sound: it follows our successful SET NX, and every
        writer writes before it releases. A turn whose lock ran out saves nothing and is reported."""
        lock_key, state_key = self.lock_key(key), self.state_key(key)
        token = secrets.token_hex(16)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._lock_wait
        while True:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.set(lock_key, token, nx=True, px=int(self._lock_timeout * 1000))
                pipe.get(state_key)
                acquired, text = await pipe.execute()
            if acquired:
                break
            if loop.time() >= deadline:
                raise ConversationBusy(key)
            await asyncio.sleep(0.01)
        held = HeldState(None if text is None else ConversationState.from_json(text))
        to_save = ""
        try:
            yield held
            to_save = held.to_save.to_json() if held.to_save is not None else ""
        finally:
            owned = await self._save_and_unlock(keys=[lock_key, state_key], args=[token, to_save, self._ttl_ms])
            if not owned:
                raise ConversationLockLost(key)

    @asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        lock = self._redis.lock(
            self.lock_key(key),
            timeout=self._lock_timeout,
            blocking_timeout=self._lock_wait,
            sleep=0.01,
            thread_local=False,  # one Lock object per turn, awaited from tasks on one thread
        )
        if not await lock.acquire(token=secrets.token_hex(16)):
            raise ConversationBusy(key)
        try:
            yield
        finally:
            try:
                await lock.release()
            except LockNotOwnedError as exc:
                raise ConversationLockLost(key) from exc
            except LockError as exc:  # pragma: no cover - redis-py raises LockNotOwnedError for this today
                raise ConversationLockLost(key) from exc
