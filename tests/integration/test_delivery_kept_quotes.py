"""The options offered are kept in one statement, and each option's id names the quote with its own terms."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from core.bootstrap import Core
from core.errors import AccessDenied
from core.models import Contact, DeliveryQuote
from core.services import delivery
from tests.integration.test_delivery import KAZAN, FakeCarrier, FixedClock, client_with_cart, only
from tests.statements import statements


async def test_every_option_offered_is_kept_with_its_own_terms_in_one_statement(core: Core) -> None:
    actor, _, _ = await client_with_cart(core, price="100.00")
    carriers = only(
        FakeCarrier("courier", ("express", "900", 1, 1), ("standard", "500", 2, 3), ("economy", "500", 4, 6)),
        FakeCarrier("freight", ("standard", "500", 2, 3), ("pallet", "1200", 3, 5)),
        FakeCarrier("twin", ("standard", "500", 2, 3), ("standard", "500", 2, 3)),  # the very same offer twice
    )
    async with core.uow() as uow:
        with statements(core.engine) as seen:
            quotes = await delivery.quote_for_cart(uow, actor, KAZAN, core.settings, FixedClock(), carriers)
        await uow.commit()
    assert len([sql for sql in seen if sql.startswith("INSERT INTO delivery_quotes")]) == 1
    assert len(quotes.options) == 7 and len({o.quote_id for o in quotes.options}) == 7
    async with core.uow() as uow:
        kept = {q.id: q for q in await uow.session.scalars(select(DeliveryQuote))}
    for option in quotes.options:
        assert option.quote_id is not None
        quote = kept[option.quote_id]
        assert (quote.carrier, quote.service, quote.price, quote.eta_min_days, quote.eta_max_days,
                quote.destination, quote.valid_until) == (
            option.carrier, option.service, option.price, option.eta_min_days, option.eta_max_days,
            option.destination, option.valid_until)
        assert abs(quote.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


async def test_a_contact_no_longer_active_gets_no_quote_for_its_cart(core: Core) -> None:
    actor, _, contact = await client_with_cart(core, price="100.00")
    async with core.uow() as uow:
        await uow.session.execute(update(Contact).where(Contact.id == contact.id).values(is_active=False))
        await uow.commit()
    carriers = only(FakeCarrier("courier", ("standard", "500", 2, 3)))
    async with core.uow() as uow:
        with pytest.raises(AccessDenied):
            await delivery.quote_for_cart(uow, actor, KAZAN, core.settings, FixedClock(), carriers)
