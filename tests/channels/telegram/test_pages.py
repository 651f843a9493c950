"""Paged keyboards are remembered per (chat, message): in the process, or in Redis for every replica."""

from __future__ import annotations

import os

import pytest

from bots.telegram import KeyboardPages, MemoryKeyboardPages, RedisKeyboardPages
from core.config import Settings
from core.messaging import Button

BUTTONS = tuple(Button(f"Товар {n}", f"card:{n}") for n in range(12))


async def remembers_and_forgets_nothing_else(write: KeyboardPages, read: KeyboardPages) -> None:
    await write.keep(7, 100, BUTTONS)
    assert await read.get(7, 100) == BUTTONS
    assert await read.get(7, 101) is None and await read.get(8, 100) is None


async def test_in_memory_the_oldest_keyboards_are_forgotten() -> None:
    pages = MemoryKeyboardPages(capacity=2)
    await remembers_and_forgets_nothing_else(pages, pages)
    await pages.keep(7, 101, BUTTONS[:2])
    await pages.keep(7, 102, BUTTONS[:3])
    assert await pages.get(7, 100) is None and await pages.get(7, 102) == BUTTONS[:3]


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
async def test_in_redis_a_keyboard_kept_by_one_replica_is_turned_by_another(settings: Settings) -> None:
    from redis.asyncio import Redis

    assert settings.redis_url is not None
    first, second = Redis.from_url(settings.redis_url), Redis.from_url(settings.redis_url)
    try:
        await remembers_and_forgets_nothing_else(RedisKeyboardPages(first), RedisKeyboardPages(second))
        assert 0 < await first.ttl("b2bot:tg:pages:7:100") <= 2 * 24 * 3600
    finally:
        await first.aclose()
        await second.aclose()
