"""State stores, memory and Redis: round trip, TTL on every write, and per-conversation locks.

The Redis cases run when REDIS_URL is set (CI: redis://127.0.0.1:6379/0); each test uses its own key prefix
and deletes its keys afterwards.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from dialogs.state import (
    ConversationBusy,
    ConversationLockLost,
    ConversationState,
    FlowFrame,
    MemoryStateStore,
    RedisStateStore,
    StateStore,
)

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set")
TTL = dt.timedelta(minutes=10)

# Builds a store sharing whatever backend the test is on; the lock tests make two, as two processes would.
StoreFactory = Callable[..., Awaitable[StateStore]]


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"test:{uuid.uuid4().hex}:"
    yield prefix
    if REDIS_URL:
        with SyncRedis.from_url(REDIS_URL) as client:
            keys = list(client.scan_iter(match=f"{prefix}*"))
            if keys:
                client.delete(*keys)


@pytest.fixture(params=["memory", pytest.param("redis", marks=needs_redis)])
async def make_store(request: pytest.FixtureRequest, redis_prefix: str) -> AsyncIterator[StoreFactory]:
    clients: list[Redis] = []
    memory: list[MemoryStateStore] = []

    if request.param == "memory":
        async def build_memory(lock_wait: float = 5.0) -> StateStore:
            # One process: every "instance" is the same store, made with the first caller's lock wait.
            if not memory:
                memory.append(MemoryStateStore(ttl=TTL, lock_wait=lock_wait))
            return memory[0]

        yield build_memory
        return

    async def build_redis(lock_wait: float = 5.0) -> StateStore:
        client = Redis.from_url(REDIS_URL)
        clients.append(client)
        return RedisStateStore(client, ttl=TTL, prefix=redis_prefix, lock_wait=lock_wait)

    yield build_redis
    for client in clients:
        await client.aclose()


def state_with(counter: int) -> ConversationState:
    return ConversationState(current=FlowFrame(flow="count", step="n", slots={"n": counter}))


async def test_state_round_trips_through_the_store(make_store: StoreFactory) -> None:
    store = await make_store()
    state = ConversationState(current=FlowFrame(flow="checkout", step="qty", slots={"sku": "Ц-500"}),
                              pending_choices={"1": "a:checkout:qty:5"}, locale="ru",
                              last_activity=dt.datetime(2025, 3, 5, tzinfo=dt.UTC))
    assert await store.load("telegram:1") is None
    await store.save("telegram:1", state)
    assert await store.load("telegram:1") == state
    await store.delete("telegram:1")
    assert await store.load("telegram:1") is None


async def test_turns_of_one_conversation_never_interleave(make_store: StoreFactory) -> None:
    # Two stores stand for two app processes handling the same conversation at once.
    stores = [await make_store(), await make_store()]
    events: list[str] = []

    async def turn(store: StateStore, name: str) -> None:
        async with store.lock("telegram:7"):
            events.append(f"enter {name}")
            state = await store.load("telegram:7") or state_with(0)
            for _ in range(5):
                await asyncio.sleep(0)  # give the other turn every chance to run in between
            await store.save("telegram:7", state_with(state.slots["n"] + 1))
            events.append(f"exit {name}")

    await asyncio.gather(turn(stores[0], "a"), turn(stores[1], "b"))
    final = await stores[0].load("telegram:7")
    assert final is not None and final.slots["n"] == 2  # no lost update
    assert events in (["enter a", "exit a", "enter b", "exit b"], ["enter b", "exit b", "enter a", "exit a"])


async def test_different_conversations_run_in_parallel(make_store: StoreFactory) -> None:
    store = await make_store()
    first_inside = asyncio.Event()
    second_done = asyncio.Event()

    async def first() -> None:
        async with store.lock("telegram:1"):
            first_inside.set()
            # Finishes only once the other conversation's turn has completed inside its own lock.
            await second_done.wait()

    async def second() -> None:
        await first_inside.wait()
        async with store.lock("telegram:2"):
            second_done.set()

    await asyncio.wait_for(asyncio.gather(first(), second()), timeout=10)


async def test_a_conversation_held_too_long_reports_busy(make_store: StoreFactory) -> None:
    waiter = await make_store(lock_wait=0.05)
    holder = await make_store()
    async with holder.lock("telegram:9"):
        with pytest.raises(ConversationBusy):
            async with waiter.lock("telegram:9"):
                pass
    async with waiter.lock("telegram:9"):  # released: free again
        pass


@needs_redis
async def test_every_redis_write_sets_the_ttl(redis_prefix: str) -> None:
    client = Redis.from_url(REDIS_URL)
    try:
        store = RedisStateStore(client, ttl=TTL, prefix=redis_prefix)
        await store.save("webchat:5", state_with(1))
        key = store.state_key("webchat:5")
        assert 0 < await client.pttl(key) <= TTL.total_seconds() * 1000
        await client.pexpire(key, 1000)
        await store.save("webchat:5", state_with(2))
        assert await client.pttl(key) > 1000  # the second write restarted the TTL
    finally:
        await client.aclose()


@needs_redis
async def test_redis_state_is_gone_once_its_ttl_has_run_out(redis_prefix: str) -> None:
    client = Redis.from_url(REDIS_URL)
    try:
        store = RedisStateStore(client, ttl=TTL, prefix=redis_prefix)
        await store.save("webchat:6", state_with(1))
        await client.pexpire(store.state_key("webchat:6"), 0)  # expire it now rather than wait for it
        assert await store.load("webchat:6") is None
    finally:
        await client.aclose()


@needs_redis
async def test_a_turn_that_outlives_its_redis_lock_is_reported(redis_prefix: str) -> None:
    client = Redis.from_url(REDIS_URL)
    try:
        store = RedisStateStore(client, ttl=TTL, prefix=redis_prefix)
        with pytest.raises(ConversationLockLost):
            async with store.lock("telegram:3"):
                await client.delete(store.lock_key("telegram:3"))  # as if its timeout had passed
    finally:
        await client.aclose()


async def test_a_turn_loads_the_state_and_saves_only_what_a_clean_turn_gave(make_store: StoreFactory) -> None:
    store = await make_store()
    async with store.turn("telegram:11") as held:
        assert held.state is None
        held.save(state_with(1))
    async with store.turn("telegram:11") as held:
        assert held.state == state_with(1)  # nothing saved: the state stays as it was
    with pytest.raises(KeyError):
        async with store.turn("telegram:11") as held:
            held.save(state_with(99))
            raise KeyError("the turn failed")
    assert await store.load("telegram:11") == state_with(1)
    async with store.lock("telegram:11"):  # and the failed turn let the conversation go
        pass


async def test_turns_held_with_turn_never_interleave_and_lose_no_update(make_store: StoreFactory) -> None:
    stores = [await make_store(), await make_store()]

    async def turn(store: StateStore) -> None:
        async with store.turn("telegram:12") as held:
            counter = held.state.slots["n"] if held.state is not None else 0
            for _ in range(5):
                await asyncio.sleep(0)
            held.save(state_with(counter + 1))

    await asyncio.gather(*(turn(stores[i % 2]) for i in range(6)))
    final = await stores[0].load("telegram:12")
    assert final is not None and final.slots["n"] == 6


async def test_a_turn_waits_for_a_held_lock_then_reports_busy(make_store: StoreFactory) -> None:
    waiter = await make_store(lock_wait=0.05)
    holder = await make_store()
    async with holder.lock("telegram:13"):
        with pytest.raises(ConversationBusy):
            async with waiter.turn("telegram:13"):
                pass


@needs_redis
async def test_a_turn_that_outlives_its_redis_lock_saves_nothing_and_is_reported(redis_prefix: str) -> None:
    client = Redis.from_url(REDIS_URL)
    try:
        store = RedisStateStore(client, ttl=TTL, prefix=redis_prefix)
        with pytest.raises(ConversationLockLost):
            async with store.turn("telegram:14") as held:
                await client.set(store.lock_key("telegram:14"), "another turn's token")  # it expired, was taken
                held.save(state_with(5))
        assert await store.load("telegram:14") is None
        assert await client.get(store.lock_key("telegram:14")) == b"another turn's token"  # not ours to free
    finally:
        await client.aclose()
