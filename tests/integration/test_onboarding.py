"""Onboarding: tax ids are validated, an access request is one lead per identity and tax id, an invite code
links the identity once, and a shared phone links only when it is the user's own and a contact's."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.bootstrap import Core
from core.errors import InvalidInput
from core.models import ChannelIdentity, Lead, OutboxEvent
from core.services import conversations, invites, onboarding
from tests.factories import Build

NOW = dt.datetime(2025, 3, 5, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("raw", ["7707083893", "7707 083 893", "500100732259"])
def test_valid_tax_ids_are_accepted(raw: str) -> None:
    assert onboarding.validate_tax_id(raw) == raw.replace(" ", "")


@pytest.mark.parametrize("raw", ["7707083894", "12345", "77070838931", "abcdefghij", ""])
def test_bad_tax_ids_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        onboarding.validate_tax_id(raw)


@pytest.mark.parametrize(("raw", "phone"), [("8 (900) 123-45-67", "+79001234567"), ("+7 900 123 45 67", "+79001234567"),
                                            ("9001234567", "+79001234567"), ("+44 20 7946 0958", "+442079460958")])
def test_phones_are_normalised_to_e164(raw: str, phone: str) -> None:
    assert onboarding.normalize_phone(raw) == phone


async def test_an_access_request_is_one_lead_and_one_event_per_identity_and_tax_id(core: Core) -> None:
    async with core.uow() as uow:
        identity = await conversations.resolve_identity(uow.session, "telegram", "1", now=NOW, display_name="Ivan")
        first = await onboarding.request_access(uow.session, identity.id, "7707083893", now=NOW)
        again = await onboarding.request_access(uow.session, identity.id, "7707 083 893", now=NOW)
        await uow.commit()
    async with core.uow() as uow:
        leads = list(await uow.session.scalars(select(Lead)))
        topics = list(await uow.session.scalars(select(OutboxEvent.topic)))
    assert first.created and not again.created and first.lead_id == again.lead_id
    assert [(lead.tax_id, lead.contact_name) for lead in leads] == [("7707083893", "Ivan")]
    assert topics == ["lead.created"]


async def test_an_invalid_tax_id_records_nothing(core: Core) -> None:
    async with core.uow() as uow:
        identity = await conversations.resolve_identity(uow.session, "telegram", "1", now=NOW)
        with pytest.raises(InvalidInput):
            await onboarding.request_access(uow.session, identity.id, "1234567890", now=NOW)
        assert await uow.session.scalar(select(func.count()).select_from(Lead)) == 0


async def test_an_invite_code_links_the_identity_once(core: Core) -> None:
    async with core.uow() as uow:
        _, company, contact = await Build(uow.session).actor()
        invite = await invites.create_invite(uow.session, contact.id, now=NOW)
        first = await conversations.resolve_identity(uow.session, "telegram", "1", now=NOW)
        second = await conversations.resolve_identity(uow.session, "telegram", "2", now=NOW)
        linked = await onboarding.redeem_invite_code(uow.session, first.id, f"  {invite.token} ", now=NOW)
        with pytest.raises(InvalidInput):
            await onboarding.redeem_invite_code(uow.session, second.id, invite.token, now=NOW)
        await uow.commit()
    assert (linked.contact_id, linked.company_name) == (contact.id, company.name)
    async with core.uow() as uow:
        links = dict((await uow.session.execute(select(ChannelIdentity.external_id, ChannelIdentity.contact_id))).all())
    assert links == {"1": contact.id, "2": None}


async def test_an_expired_or_unknown_invite_links_nothing(core: Core) -> None:
    async with core.uow() as uow:
        _, _, contact = await Build(uow.session).actor()
        invite = await invites.create_invite(uow.session, contact.id, now=NOW, ttl=dt.timedelta(minutes=5))
        identity = await conversations.resolve_identity(uow.session, "telegram", "1", now=NOW)
        for code in (invite.token, "not-a-real-code", "two words"):
            with pytest.raises(InvalidInput):
                await onboarding.redeem_invite_code(uow.session, identity.id, code, now=NOW + dt.timedelta(hours=1))
        assert (await uow.session.get(ChannelIdentity, identity.id)).contact_id is None  # type: ignore[union-attr]


async def test_only_the_users_own_shared_phone_links_them(core: Core) -> None:
    async with core.uow() as uow:
        _, _, contact = await Build(uow.session).actor()
        assert contact.phone is not None
        spoofer = await conversations.resolve_identity(uow.session, "telegram", "spoofer", now=NOW)
        owner = await conversations.resolve_identity(uow.session, "telegram", "owner", now=NOW)
        stranger = await conversations.resolve_identity(uow.session, "telegram", "stranger", now=NOW)
        local_format = "8" + contact.phone[2:]
        forwarded = await onboarding.link_by_phone(uow.session, spoofer.id, contact.phone, user_id_matches=False)
        own = await onboarding.link_by_phone(uow.session, owner.id, local_format, user_id_matches=True)
        unknown = await onboarding.link_by_phone(uow.session, stranger.id, "+79990000000", user_id_matches=True)
        await uow.commit()
    assert forwarded is None and unknown is None
    assert own is not None and own.contact_id == contact.id
    async with core.uow() as uow:
        rows = dict((await uow.session.execute(select(ChannelIdentity.external_id, ChannelIdentity.contact_id))).all())
    assert rows == {"spoofer": None, "owner": contact.id, "stranger": None}
