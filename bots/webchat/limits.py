"""Web chat limits: frame and body sizes, and a token bucket per connection for the message rate."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WebchatLimits:
    max_frame_bytes: int = 64 * 1024  # a WebSocket frame; files go over HTTP
    max_body_bytes: int = 1_500_000  # an HTTP message: a 1 MB order file in base64, and its envelope
    burst: int = 10  # messages a visitor may send at once...
    per_second: float = 1.0  # ...and the steady rate after that
    frames_burst: int = 60  # any frame (acks, pings) on one socket
    frames_per_second: float = 20.0


class TokenBucket:
    """`capacity` tokens, refilled at `rate` per second; `take` says whether one was there."""

    def __init__(self, capacity: int, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self.rate = rate
        self._clock = clock
        self._tokens = float(capacity)
        self._at = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False


class BucketsByKey:
    """One bucket per visitor for the HTTP fallback, forgetting the least recently seen beyond `size`."""

    def __init__(self, capacity: int, rate: float, size: int = 10_000) -> None:
        self._capacity = capacity
        self._rate = rate
        self._size = size
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def take(self, key: str) -> bool:
        bucket = self._buckets.pop(key, None) or TokenBucket(self._capacity, self._rate)
        self._buckets[key] = bucket
        while len(self._buckets) > self._size:
            self._buckets.popitem(last=False)
        return bucket.take()
