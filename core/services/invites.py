"""Invites: single-use, expiring tokens that link a messenger identity to a contact.

Only the token's SHA-256 is stored (the token is 192 random bits, so a plain hash suffices); the raw
token is returned once, with a Telegram deep link when the bot's username is known. It fits Telegram's
`start` parameter: at most 64 characters of A-Z, a-z, 0-9, _ and -.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound
from core.models import ChannelIdentity, Contact, InviteToken

MAX_TTL = dt.timedelta(days=90)


@dataclass(frozen=True, slots=True)
class CreatedInvite:
    id: int
    contact_id: int
    token: str  # shown once
    expires_at: dt.datetime
    telegram_link: str | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_invite(
    session: AsyncSession,
    contact_id: int,
    *,
    now: dt.datetime,
    ttl: dt.timedelta = dt.timedelta(days=7),
    telegram_bot_username: str | None = None,
) -> CreatedInvite:
    if not dt.timedelta(minutes=1) <= ttl <= MAX_TTL:
        raise InvalidInput("an invite lives from one minute to 90 days")
    contact = await session.get(Contact, contact_id)
    if contact is None or not contact.is_active:
        raise NotFound("no such active contact", contact_id=contact_id)
    token = secrets.token_urlsafe(24)
    invite = InviteToken(token_hash=token_hash(token), contact_id=contact.id, expires_at=now + ttl)
    session.add(invite)
    await session.flush()
    link = f"https://t.me/{telegram_bot_username.lstrip('@')}?start={token}" if telegram_bot_username else None
    return CreatedInvite(invite.id, contact.id, token, invite.expires_at, link)


async def redeem_invite(session: AsyncSession, token: str, identity_id: int, *, now: dt.datetime) -> int:
    """Link the identity to the invite's contact and spend the invite; returns the contact id.

    The invite is spent with a conditional UPDATE, so two identities racing for one invite cannot
    both win.
    """
    invite = await session.scalar(select(InviteToken).where(InviteToken.token_hash == token_hash(token)))
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        raise InvalidInput("this invite is unknown, used or expired; ask your manager for a new one")
    spent = await session.execute(
        update(InviteToken)
        .where(InviteToken.id == invite.id, InviteToken.used_at.is_(None))
        .values(used_at=now, used_by_identity_id=identity_id)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInput("this invite is unknown, used or expired; ask your manager for a new one")
    identity = await session.get(ChannelIdentity, identity_id)
    if identity is None:
        raise NotFound("no such identity", identity_id=identity_id)
    identity.contact_id = invite.contact_id
    await session.flush()
    return invite.contact_id
