"""Conversation state: JSON round trip, and the memory store's TTL measured on an injected clock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dialogs.state import ConversationState, FlowFrame, MemoryStateStore

T0 = dt.datetime(2025, 3, 5, 12, 0, tzinfo=dt.UTC)


class FakeClock:
    def __init__(self, now: dt.datetime) -> None:
        self.current = now

    def now(self) -> dt.datetime:
        return self.current


def sample_state() -> ConversationState:
    return ConversationState(
        current=FlowFrame(flow="checkout", step="quantity", slots={"sku": "M500", "qty": "12.5"}, args=["7"]),
        stack=[FlowFrame(flow="search", step="query", slots={"page": 2})],
        pending_choices={"1": "opt:1", "2": "opt:2"},
        locale="ru",
        last_activity=T0,
    )


def test_state_survives_a_json_round_trip() -> None:
    state = sample_state()
    restored = ConversationState.from_json(state.to_json())
    assert restored == state
    assert (restored.flow, restored.step, restored.slots) == ("checkout", "quantity", {"sku": "M500", "qty": "12.5"})


def test_a_slot_json_cannot_carry_is_refused_at_write_time() -> None:
    state = ConversationState(current=FlowFrame(flow="checkout", slots={"qty": Decimal("1.5")}))
    with pytest.raises(TypeError):
        state.to_json()


def test_state_of_an_unknown_version_is_dropped_not_misread() -> None:
    assert ConversationState.from_json('{"v": 99, "current": {"flow": "x"}}') == ConversationState()


async def test_memory_state_expires_after_its_ttl() -> None:
    clock = FakeClock(T0)
    store = MemoryStateStore(ttl=dt.timedelta(minutes=30), clock=clock)
    await store.save("c1", sample_state())
    clock.current = T0 + dt.timedelta(minutes=29)
    assert await store.load("c1") == sample_state()
    clock.current = T0 + dt.timedelta(minutes=30)
    assert await store.load("c1") is None


async def test_every_write_restarts_the_ttl() -> None:
    clock = FakeClock(T0)
    store = MemoryStateStore(ttl=dt.timedelta(minutes=30), clock=clock)
    await store.save("c1", sample_state())
    clock.current = T0 + dt.timedelta(minutes=20)
    await store.save("c1", sample_state())
    clock.current = T0 + dt.timedelta(minutes=45)
    assert await store.load("c1") is not None


async def test_loaded_state_is_a_copy_not_the_stored_object() -> None:
    store = MemoryStateStore()
    state = sample_state()
    await store.save("c1", state)
    state.pending_choices.clear()
    loaded = await store.load("c1")
    assert loaded is not None and loaded.pending_choices == {"1": "opt:1", "2": "opt:2"}


async def test_conversations_that_never_return_are_swept_from_memory() -> None:
    clock = FakeClock(T0)
    store = MemoryStateStore(ttl=dt.timedelta(minutes=30), clock=clock)
    await store.save("gone", sample_state())
    clock.current = T0 + dt.timedelta(hours=1)
    for i in range(1000):
        await store.save(f"c{i}", sample_state())
    assert "gone" not in store._data  # the sweep, not a load, removed it
