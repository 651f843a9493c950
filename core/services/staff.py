"""Staff users (managers, marketers, admins): argon2 passwords, login sessions, role scopes."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import StaffRole, StaffSession, StaffUser
from core.services.apikeys import SCOPES, Principal, Unauthenticated

SESSION_PREFIX = "b2s"
MIN_PASSWORD = 10
MAX_PASSWORD = 200
ROLE_SCOPES: dict[StaffRole, frozenset[str]] = {
    StaffRole.MANAGER: frozenset({"handover", "crm", "orders"}),
    StaffRole.MARKETER: frozenset({"campaigns", "crm"}),
    StaffRole.ADMIN: frozenset(SCOPES),
}

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so a login takes as long whether or not the user exists."""
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True, slots=True)
class StaffView:
    id: int
    email: str
    name: str
    role: StaffRole
    is_active: bool


@dataclass(frozen=True, slots=True)
class StaffLogin:
    token: str  # shown once; the session is found by its hash
    expires_at: dt.datetime
    user: StaffView


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters")


async def create_staff_user(
    session: AsyncSession, *, email: str, name: str, role: StaffRole | str, password: str
) -> StaffView:
    try:
        role = StaffRole(role)
    except ValueError:
        raise InvalidInput("unknown staff role", role=str(role)) from None
    _check_password(password)
    email = email.strip().lower()
    if await session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise InvalidInput("a staff user with this email exists", email=email)
    user = StaffUser(email=email, name=name.strip(), role=role, password_hash=_hasher.hash(password))
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        raise InvalidInput("a staff user with this email exists", email=email) from None
    return _view(user)


async def set_password(session: AsyncSession, user_id: int, password: str) -> None:
    _check_password(password)
    user = await session.get(StaffUser, user_id)
    if user is None:
        raise InvalidInput("no such staff user", user_id=user_id)
    user.password_hash = _hasher.hash(password)
    await session.flush()


async def login(
    session: AsyncSession, *, email: str, password: str, now: dt.datetime, ttl: dt.timedelta = dt.timedelta(hours=12)
) -> StaffLogin:
    user = await session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    try:
        _hasher.verify(stored, password)
        verified = True
    except (VerificationError, InvalidHashError):
        verified = False
    if user is None or not user.is_active or not user.password_hash or not verified:
        raise Unauthenticated("wrong email or password")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    token = f"{SESSION_PREFIX}_{secrets.token_urlsafe(32)}"
    expires = now + ttl
    session.add(StaffSession(token_hash=_token_hash(token), staff_user_id=user.id, created_at=now, expires_at=expires))
    await session.flush()
    return StaffLogin(token, expires, _view(user))


async def authenticate(session: AsyncSession, token: str, *, now: dt.datetime) -> Principal:
    """The session's principal, with its role's scopes; `Unauthenticated` when expired or logged out."""
    row = await session.execute(
        select(StaffSession, StaffUser)
        .join(StaffUser, StaffUser.id == StaffSession.staff_user_id)
        .where(StaffSession.token_hash == _token_hash(token))
    )
    found = row.first()
    if found is None:
        raise Unauthenticated("unknown session")
    staff_session, user = found
    if staff_session.revoked_at is not None or staff_session.expires_at <= now or not user.is_active:
        raise Unauthenticated("the session has ended; log in again")
    return Principal("staff", user.id, user.email, ROLE_SCOPES[StaffRole(user.role)])


async def logout(session: AsyncSession, token: str, *, now: dt.datetime) -> None:
    row = await session.scalar(select(StaffSession).where(StaffSession.token_hash == _token_hash(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now
        await session.flush()


def _view(user: StaffUser) -> StaffView:
    return StaffView(user.id, user.email, user.name, StaffRole(user.role), user.is_active)
