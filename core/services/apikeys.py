"""Integration API keys: created with scopes and shown once, stored as a keyed hash, checked per request.

A key reads `b2b_<prefix>_<secret>`. The prefix finds the row; the whole key is checked against an
HMAC-SHA256 under the server's secret with a constant-time compare. A slow password hash (argon2)
buys nothing here: the secret part is 256 random bits, out of reach of guessing, and a fast hash
keeps the check to microseconds on every request. The server secret means a stolen database alone
cannot even test guesses offline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import AccessDenied, InvalidInput, NotFound
from core.models import ApiKey

SCOPES = ("sync", "crm", "orders", "handover", "campaigns", "admin")
ADMIN = "admin"  # grants every other scope
KEY_PREFIX = "b2b"
LAST_USED_PRECISION = dt.timedelta(minutes=1)  # so a busy key does not write on every request


class Unauthenticated(AccessDenied):
    """No credentials, or credentials that are wrong, expired or revoked (HTTP 401, not 403)."""

    code = "unauthenticated"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling the admin API: an integration's key or a staff member's session."""

    kind: str  # apikey | staff
    id: int
    name: str
    scopes: frozenset[str]

    @property
    def label(self) -> str:
        """How the audit log names the caller."""
        return f"{self.kind}:{self.id}:{self.name}"[:100]

    def allows(self, *scopes: str) -> bool:
        return ADMIN in self.scopes or any(scope in self.scopes for scope in scopes)


@dataclass(frozen=True, slots=True)
class ApiKeyView:
    id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class CreatedApiKey:
    key: ApiKeyView
    secret: str  # the whole key; shown this once, never stored


def hash_key(raw: str, server_secret: str) -> str:
    return hmac.new(server_secret.encode(), raw.encode(), hashlib.sha256).hexdigest()


def check_scopes(scopes: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(sorted(set(scopes)))
    unknown = [s for s in chosen if s not in SCOPES]
    if not chosen or unknown:
        raise InvalidInput(
            f"scopes must be some of: {', '.join(SCOPES)}", unknown=unknown, allowed=list(SCOPES)
        )
    return chosen


async def create_api_key(
    session: AsyncSession, *, name: str, scopes: Iterable[str], server_secret: str, now: dt.datetime
) -> CreatedApiKey:
    name = name.strip()
    if not 0 < len(name) <= 100:
        raise InvalidInput("a key name of 1 to 100 characters is required")
    chosen = check_scopes(scopes)
    prefix = secrets.token_hex(6)
    raw = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(name=name, prefix=prefix, key_hash=hash_key(raw, server_secret), scopes=list(chosen),
                 created_at=now)
    session.add(row)
    await session.flush()
    return CreatedApiKey(_view(row), raw)


async def authenticate(session: AsyncSession, raw: str, *, server_secret: str, now: dt.datetime) -> Principal:
    """The key's principal; `Unauthenticated` for a malformed, unknown or revoked key."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or len(parts[1]) > 16:
        raise Unauthenticated("not an API key")
    row = await session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    expected = row.key_hash if row is not None else "0" * 64
    # Compare even when the prefix is unknown, so timing does not tell prefixes apart.
    matches = hmac.compare_digest(expected, hash_key(raw, server_secret))
    if row is None or not matches or row.revoked_at is not None:
        raise Unauthenticated("unknown or revoked API key")
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
        await session.execute(
            update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=now).execution_options(
                synchronize_session=False
            )
        )
    return Principal("apikey", row.id, row.name, frozenset(row.scopes))


async def list_api_keys(session: AsyncSession) -> list[ApiKeyView]:
    return [_view(row) for row in await session.scalars(select(ApiKey).order_by(ApiKey.id))]


async def revoke_api_key(session: AsyncSession, key_id: int, *, now: dt.datetime) -> ApiKeyView:
    """Revoke a key; revoking it again changes nothing."""
    row = await session.get(ApiKey, key_id)
    if row is None:
        raise NotFound("no such API key", key_id=key_id)
    if row.revoked_at is None:
        row.revoked_at = now
        await session.flush()
    return _view(row)


def _view(row: ApiKey) -> ApiKeyView:
    return ApiKeyView(row.id, row.name, row.prefix, tuple(row.scopes), row.created_at, row.revoked_at,
                      row.last_used_at)
