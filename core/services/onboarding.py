"""Onboarding guests: access requests by tax id (leads), invite codes, and linking by a shared phone number.

Invites are created and redeemed by `core.services.invites` (one hashing of tokens); this module adds what a
conversation needs around them: the contact the identity now speaks for, and its conversation relinked.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound
from core.models import ChannelIdentity, Company, Contact, Lead
from core.services import conversations, invites, outbox

MAX_NAME = 200
MAX_EMAIL = 254
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")
MAX_INVITE_CODE = 64
_INN_10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_12_WEIGHTS_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_12_WEIGHTS_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_SEPARATORS = re.compile(r"[\s\-–—.]")


@dataclass(frozen=True, slots=True)
class LeadRequest:
    lead_id: int
    tax_id: str
    created: bool  # False: this identity had already asked with this tax id


@dataclass(frozen=True, slots=True)
class LinkedContact:
    contact_id: int
    contact_name: str
    company_id: int
    company_name: str
    locale: str


def validate_tax_id(raw: str) -> str:
    """A Russian INN: 10 digits (an organisation) or 12 (an individual entrepreneur) with valid check digits.

    Spaces and dashes are ignored; anything else is `InvalidInput`.
    """
    digits = _SEPARATORS.sub("", raw or "")
    if not digits.isdigit() or len(digits) not in (10, 12):
        raise InvalidInput("a tax id has 10 or 12 digits", tax_id=(raw or "")[:40])
    if not _inn_checksum_ok(digits):
        raise InvalidInput("the tax id's check digit is wrong", tax_id=digits)
    return digits


def tax_id_in(text: str) -> str | None:
    """The valid tax id written in a message ("ИНН 7707083893", "our INN is 7707-083-893, Romashka LLC"), if one."""
    try:
        return validate_tax_id(text)
    except InvalidInput:
        pass
    for candidate in re.findall(r"(?<!\d)\d[\d \-–—.]{8,18}\d(?!\d)", text or ""):
        try:
            return validate_tax_id(candidate)
        except InvalidInput:
            continue
    return None


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def _inn_checksum_ok(digits: str) -> bool:
    if len(digits) == 10:
        return _check_digit(digits, _INN_10_WEIGHTS) == int(digits[9])
    return (_check_digit(digits, _INN_12_WEIGHTS_1) == int(digits[10])
            and _check_digit(digits, _INN_12_WEIGHTS_2) == int(digits[11]))


def normalize_phone(raw: str) -> str:
    """E.164 with '+': "8 (900) 123-45-67" -> "+79001234567"; `InvalidInput` when it cannot be a number."""
    digits = re.sub(r"\D", "", raw or "")
    if len(digits) == 11 and digits.startswith("8") and not (raw or "").strip().startswith("+"):
        digits = "7" + digits[1:]  # the Russian trunk prefix
    elif len(digits) == 10 and digits.startswith("9"):
        digits = "7" + digits  # a Russian mobile typed without the country code
    if not 8 <= len(digits) <= 15:
        raise InvalidInput("that is not a phone number", phone=(raw or "")[:40])
    return f"+{digits}"


@dataclass(frozen=True, slots=True)
class Reach:
    """How a guest asked to be contacted: a phone number (E.164) or an e-mail address."""

    phone: str | None = None
    email: str | None = None


def read_reach(raw: str) -> Reach:
    """A phone number or e-mail address, alone or in a few words ("тел 89161234567", "+7 916 123 45 67, Пётр",
    "mail me at a@b.ru"); `InvalidInput` when there is neither."""
    text = (raw or "").strip()
    if "@" in text:
        email = next((w.strip(".,;:()<>") for w in text.split() if "@" in w), "")
        if len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email):
            raise InvalidInput("that is not an e-mail address", email=text[:60])
        return Reach(email=email)
    numbers = re.findall(r"\+?\d[\d\s()\-.]{6,}\d", text)
    if len(numbers) != 1:
        raise InvalidInput("that is neither a phone number nor an e-mail address", reach=text[:40])
    return Reach(phone=normalize_phone(numbers[0]))


async def identity_phone(session: AsyncSession, identity_id: int) -> str | None:
    """The phone number the messenger gave for an identity (WhatsApp's, a shared Telegram contact), if any."""
    return await session.scalar(select(ChannelIdentity.phone).where(ChannelIdentity.id == identity_id))


async def request_access(
    session: AsyncSession,
    identity_id: int,
    tax_id: str,
    *,
    now: dt.datetime,
    company_name: str | None = None,
    contact_name: str | None = None,
    reach: Reach | None = None,
) -> LeadRequest:
    """Record a guest's request for access as a lead (and a `lead.created` event), once per identity and tax id;
    `reach` is how they asked to be contacted (else the identity's own phone, when the messenger gave one)."""
    clean = validate_tax_id(tax_id)
    reach = reach or Reach()
    identity = await session.get(ChannelIdentity, identity_id)
    if identity is None:
        raise NotFound("no such identity", identity_id=identity_id)
    existing = await session.scalar(
        select(Lead).where(Lead.identity_id == identity_id, Lead.tax_id == clean).order_by(Lead.id).limit(1)
    )
    if existing is not None:
        return LeadRequest(existing.id, clean, created=False)
    lead = Lead(
        tax_id=clean,
        company_name=(company_name or "").strip()[:300] or None,
        contact_name=(contact_name or identity.display_name or "").strip()[:MAX_NAME] or None,
        phone=reach.phone or identity.phone,
        email=reach.email,
        identity_id=identity.id,
    )
    session.add(lead)
    await session.flush()
    await outbox.add_event(
        session,
        "lead.created",
        {
            "lead_id": lead.id,
            "tax_id": clean,
            "contact_name": lead.contact_name,
            "phone": lead.phone,
            "email": lead.email,
            "channel": identity.channel,
            "identity_id": identity.id,
            "requested_at": now.isoformat(),
        },
        now=now,
    )
    return LeadRequest(lead.id, clean, created=True)


async def redeem_invite_code(session: AsyncSession, identity_id: int, code: str, *, now: dt.datetime) -> LinkedContact:
    """Spend an invite code on this identity: from now on it speaks for the invited contact."""
    clean = (code or "").strip()
    if not clean or len(clean) > MAX_INVITE_CODE or any(ch.isspace() for ch in clean):
        raise InvalidInput("this invite is unknown, used or expired; ask your manager for a new one")
    contact_id = await invites.redeem_invite(session, clean, identity_id, now=now)
    contact = await conversations.link_identity(session, identity_id, contact_id)
    return await _linked(session, contact)


async def link_by_phone(
    session: AsyncSession, identity_id: int, phone: str, user_id_matches: bool
) -> LinkedContact | None:
    """Link the identity to the active contact with this phone, if the user shared their OWN contact card.

    Someone else's card (forwarded) links nothing: anyone can forward a customer's number. Returns None when
    nothing was linked; the shared phone is kept on the identity either way when it is their own.
    """
    if not user_id_matches:
        return None
    number = normalize_phone(phone)
    identity = await session.get(ChannelIdentity, identity_id)
    if identity is None:
        raise NotFound("no such identity", identity_id=identity_id)
    identity.phone = number
    contact = await session.scalar(
        select(Contact)
        .join(Company, Company.id == Contact.company_id)
        .where(Contact.phone == number, Contact.is_active.is_(True), Company.is_active.is_(True))
    )
    if contact is None:
        await session.flush()
        return None
    await conversations.link_identity(session, identity_id, contact.id)
    return await _linked(session, contact)


async def _linked(session: AsyncSession, contact: Contact) -> LinkedContact:
    company_name = await session.scalar(select(Company.name).where(Company.id == contact.company_id))
    return LinkedContact(contact.id, contact.name, contact.company_id, company_name or "", contact.locale)
