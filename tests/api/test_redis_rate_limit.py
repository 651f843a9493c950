"""The Redis token bucket: shared by every replica, so two limiters on one Redis share one budget."""

from __future__ import annotations

import os
import uuid

import pytest

from admin_api.security import RedisRateLimiter

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL")


async def test_two_replicas_share_one_bucket_per_key() -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    prefix = f"test:{uuid.uuid4().hex}:"
    try:
        one = RedisRateLimiter(redis, per_second=0.001, burst=3, prefix=prefix)
        two = RedisRateLimiter(redis, per_second=0.001, burst=3, prefix=prefix)
        waits = [await limiter.acquire("apikey:1") for limiter in (one, two, one, two)]
        assert waits[:3] == [0.0, 0.0, 0.0] and waits[3] > 0
        assert await two.acquire("apikey:2") == 0.0
    finally:
        await redis.aclose()
