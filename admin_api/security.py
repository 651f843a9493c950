"""Who is calling and may they: bearer credentials (API key or staff session), scopes, rate limits."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from admin_api.deps import CoreDep
from core.services import apikeys, staff
from core.services.apikeys import Principal, Unauthenticated

bearer = HTTPBearer(auto_error=False, description="`b2b_...` API key, or `b2s_...` staff session token")


class RateLimiter(Protocol):
    async def acquire(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds to wait before retrying."""
        ...


@dataclass
class _Bucket:
    tokens: float
    at: float


class MemoryRateLimiter:
    """A token bucket per key in this process: `burst` requests at once, refilled at `per_second`."""

    def __init__(self, *, per_second: float = 20.0, burst: int = 100) -> None:
        self.per_second, self.burst = per_second, burst
        self._buckets: dict[str, _Bucket] = {}

    async def acquire(self, key: str) -> float:
        now = time.monotonic()
        bucket = self._buckets.setdefault(key, _Bucket(self.burst, now))
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.per_second)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.per_second


_REDIS_BUCKET = """
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]) or burst, tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return tostring(wait)
"""


class RedisRateLimiter:
    """The same token bucket kept in Redis (one Lua script, atomic), shared by every replica."""

    def __init__(self, redis: Any, *, per_second: float = 20.0, burst: int = 100, prefix: str = "b2bot:rl:") -> None:
        self.redis, self.per_second, self.burst, self.prefix = redis, per_second, burst, prefix
        self._script = redis.register_script(_REDIS_BUCKET)

    async def acquire(self, key: str) -> float:
        wait = await self._script(keys=[self.prefix + key], args=[self.per_second, self.burst, time.time()])
        return float(wait)


async def current_principal(
    request: Request,
    core: CoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The authenticated caller, within its rate limit; 401 or 429 otherwise."""
    if credentials is None or not credentials.credentials:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer credentials",
                            headers={"WWW-Authenticate": "Bearer"})
    token = credentials.credentials
    try:
        async with core.uow() as uow:
            now = core.clock.now()
            if token.startswith(staff.SESSION_PREFIX + "_"):
                principal = await staff.authenticate(uow.session, token, now=now)
            else:
                principal = await apikeys.authenticate(
                    uow.session, token, server_secret=core.settings.secret_key.get_secret_value(), now=now
                )
            await uow.commit()  # last_used_at
    except Unauthenticated as error:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, error.message,
                            headers={"WWW-Authenticate": "Bearer"}) from None
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = await limiter.acquire(f"{principal.kind}:{principal.id}")
    if wait > 0:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "rate limit exceeded; slow down",
                            headers={"Retry-After": str(max(1, math.ceil(wait)))})
    request.state.principal = principal
    return principal


class RequireScopes:
    """A router dependency: the caller needs one of `scopes` (or `admin`), else 403."""

    def __init__(self, *scopes: str) -> None:
        unknown = set(scopes) - set(apikeys.SCOPES)
        assert not unknown, unknown
        self.scopes = frozenset(scopes)

    async def __call__(self, principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.allows(*self.scopes):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"this needs the scope {' or '.join(sorted(self.scopes))}"
            )
        return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]
