"""Delivery quotes for carts and parcels: providers asked together, options ranked and kept, one chosen."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import delete, func, select

from core.bootstrap import Core
from core.carriers import Carriers, HttpCarrier, PickupDesk, build_carriers, load_rate_table
from core.domain.access import Actor
from core.errors import AccessDenied, InvalidInput, NotFound, QuoteExpired
from core.models import Cart, CartLine, Company, CompanyAddress, Contact, DeliveryQuote, Product
from core.ports import CarrierQuote, Destination, Parcel
from core.services import cart as carts
from core.services import delivery
from tests.factories import Build

KAZAN = Destination("Казань", None, "ul. Baumana 1")
NOW = dt.datetime(2025, 3, 3, 9, 30, tzinfo=dt.UTC)


class FixedClock:
    def __init__(self, now: dt.datetime = NOW) -> None:
        self.at = now

    def now(self) -> dt.datetime:
        return self.at


class FakeCarrier:
    """Answers with fixed quotes and remembers what it was asked."""

    def __init__(self, name: str, *quotes: tuple[str, str, int, int], currency: str = "RUB") -> None:
        self.name = name
        self.quotes = [
            CarrierQuote(name, service, Decimal(price), currency, low, high) for service, price, low, high in quotes
        ]
        self.asked: list[tuple[Parcel, Destination]] = []

    async def quote(self, parcel: Parcel, destination: Destination) -> list[CarrierQuote]:
        self.asked.append((parcel, destination))
        return list(self.quotes)


class StuckCarrier:
    name = "stuck"

    async def quote(self, parcel: Parcel, destination: Destination) -> list[CarrierQuote]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


class BrokenCarrier:
    name = "broken"

    async def quote(self, parcel: Parcel, destination: Destination) -> list[CarrierQuote]:
        raise RuntimeError("bug in a provider")


async def fill_cart(build: Build, contact: Contact, lines: dict[Product, int]) -> Cart:
    cart = Cart(contact_id=contact.id, company_id=contact.company_id)
    build.session.add(cart)
    await build.session.flush()
    build.session.add_all(CartLine(cart_id=cart.id, product_id=p.id, quantity=q) for p, q in lines.items())
    await build.session.flush()
    return cart


async def client_with_cart(core: Core, **product: Any) -> tuple[Actor, Company, Contact]:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, contact = await build.actor()
        await fill_cart(build, contact, {await build.product(**product): 3})
        await uow.commit()
    return actor, company, contact


def only(*carriers: Any) -> Carriers:
    return Carriers(tuple(carriers))


async def test_cart_quote_weighs_the_cart_and_values_it_at_the_company_prices(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, contact = await build.actor()
        paper = await build.product(price="100.00", weight_kg=Decimal("2.500"))
        boxes = await build.product(price="40.00", weight_kg=Decimal("0.200"), volume_m3=Decimal("0.050"))
        await build.price(paper, Decimal("90.00"), company=company)
        await fill_cart(build, contact, {paper: 10, boxes: 4})
        await uow.commit()
    recorder = FakeCarrier("recorder", ("standard", "500", 1, 2))
    async with core.uow() as uow:
        quotes = await delivery.quote_for_cart(uow, actor, KAZAN, core.settings, FixedClock(), only(recorder))
        await uow.commit()
    ((parcel, destination),) = recorder.asked
    assert parcel == Parcel(Decimal("25.800"), Decimal("0.200"), Decimal("1060.00"), "RUB")
    assert destination == KAZAN and quotes.parcel == parcel


async def test_options_come_by_price_then_eta_with_cheapest_and_fastest_tagged(core: Core) -> None:
    actor, _, _ = await client_with_cart(core)
    carriers = only(
        FakeCarrier("slowpoke", ("economy", "700", 5, 9), ("standard", "700", 2, 3)),
        FakeCarrier("rocket", ("express", "1500", 0, 1), ("overnight", "1500", 1, 1)),
        FakeCarrier("abroad", ("global", "5", 3, 4), currency="USD"),
    )
    async with core.uow() as uow:
        quotes = await delivery.quote_for_cart(uow, actor, KAZAN, core.settings, FixedClock(), carriers)
    order = [(o.carrier, o.service) for o in quotes.options]
    assert order == [
        ("slowpoke", "standard"),
        ("slowpoke", "economy"),
        ("rocket", "express"),
        ("rocket", "overnight"),
        ("abroad", "global"),  # another currency cannot be compared, so it goes last and wins nothing
    ]
    assert quotes.cheapest is not None and quotes.cheapest.service == "standard"
    assert quotes.fastest is not None and quotes.fastest.service == "express"
    assert [o.cheapest for o in quotes.options].count(True) == 1
    assert [o.fastest for o in quotes.options].count(True) == 1


async def test_every_option_is_kept_for_the_company_until_the_validity_ends(core: Core) -> None:
    actor, company, _ = await client_with_cart(core)
    carriers = only(FakeCarrier("truck", ("standard", "500", 2, 4), ("express", "900", 1, 2)))
    async with core.uow() as uow:
        quotes = await delivery.quote_for_cart(uow, actor, KAZAN, core.settings, FixedClock(), carriers)
        await uow.commit()
    async with core.uow() as uow:
        rows = (await uow.session.scalars(select(DeliveryQuote).order_by(DeliveryQuote.price))).all()
    assert [r.id for r in rows] == [o.quote_id for o in quotes.options]
    assert {r.company_id for r in rows} == {company.id}
    assert {r.valid_until for r in rows} == {NOW + dt.timedelta(minutes=core.settings.quote_valid_minutes)}
    assert rows[0].destination == "Казань, ul. Baumana 1" and rows[0].price == Decimal("500.00")


def raise_timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


@pytest.mark.parametrize(
    "handler",
    [
        raise_timeout,
        lambda request: httpx.Response(500, text="internal error"),
        lambda request: httpx.Response(200, text="{not json"),
        lambda request: httpx.Response(200, json=[{"carrier": "cdek", "price": 12.5}]),
    ],
    ids=["timeout", "server-error", "malformed-json", "invalid-option"],
)
async def test_a_failing_quote_service_drops_out_while_table_rates_still_answer(
    core: Core, handler: Any, caplog: pytest.LogCaptureFixture
) -> None:
    actor, _, _ = await client_with_cart(core, weight_kg=Decimal("4"))
    settings = core.settings.model_copy(
        update={
            "delivery_http_url": "https://quotes.example/v1/quote?api_key=k3y",
            "delivery_http_token": SecretStr("s3cret-token"),
        }
    )
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    carriers = build_carriers(settings, http_client=client)
    with caplog.at_level(logging.WARNING, logger="core.services.delivery"):
        async with core.uow() as uow:
            quotes = await delivery.quote_for_cart(uow, actor, KAZAN, settings, FixedClock(), carriers)
    await client.aclose()
    assert quotes.unavailable == ("http",)
    assert {o.carrier for o in quotes.options} == {"magistral", "swift-courier"}
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    logged = warning.getMessage()
    assert "http dropped out" in logged and "quotes.example" in logged
    assert "s3cret-token" not in logged and "k3y" not in logged and warning.exc_info is None


async def test_a_working_quote_service_answers_beside_the_table_rates(core: Core) -> None:
    actor, _, _ = await client_with_cart(core, weight_kg=Decimal("4"))
    option = {
        "carrier": "cdek",
        "service": "door",
        "price": "99.90",
        "currency": "RUB",
        "eta_min_days": 3,
        "eta_max_days": 5,
    }
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(200, json=[option])))
    carriers = Carriers((*build_carriers(core.settings).fixed, HttpCarrier("https://q.example", client=client)))
    async with core.uow() as uow:
        quotes = await delivery.quote_for_cart(uow, actor, KAZAN, core.settings, FixedClock(), carriers)
    assert quotes.unavailable == ()
    assert quotes.options[0].carrier == "cdek" and quotes.options[0].cheapest
    await client.aclose()


async def test_a_stuck_or_broken_provider_is_left_out_and_the_others_answer(core: Core) -> None:
    actor, _, _ = await client_with_cart(core)
    settings = core.settings.model_copy(update={"delivery_http_timeout_s": 0.01})
    carriers = only(StuckCarrier(), BrokenCarrier(), FakeCarrier("truck", ("standard", "500", 2, 4)))
    async with core.uow() as uow:
        quotes = await delivery.quote_for_cart(uow, actor, KAZAN, settings, FixedClock(), carriers)
    assert quotes.unavailable == ("stuck", "broken")
    assert [o.carrier for o in quotes.options] == ["truck"]


async def test_pickup_is_free_in_the_destination_city_and_same_day_where_all_goods_are(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, _, contact = await build.actor()
        full = await build.warehouse(code="KZN-1", city="Kazan", address="Tyrlyanskaya 1")
        partial = await build.warehouse(code="KZN-2", city="Kazan", address="Portovaya 9")
        moscow = await build.warehouse(code="MSK-1", city="Moscow")
        await build.warehouse(code="KZN-3", city="Kazan", allows_pickup=False)
        paper = await build.product(stock={full: 10, partial: 10, moscow: 10})
        pens = await build.product(stock={full: 5, partial: 1, moscow: 5})
        await fill_cart(build, contact, {paper: 10, pens: 5})
        await uow.commit()
    carriers = Carriers((), PickupDesk(transfer_days=(1, 3), city_key=load_rate_table().city_key))
    async with core.uow() as uow:
        quotes = await delivery.quote_for_cart(uow, actor, KAZAN, core.settings, FixedClock(), carriers)
    offered = [(o.service, o.price, o.eta_min_days, o.eta_max_days) for o in quotes.options]
    assert offered == [("KZN-1", Decimal("0.00"), 0, 0), ("KZN-2", Decimal("0.00"), 1, 3)]
    assert quotes.options[0].destination == f"pickup: {full.name}, Kazan, Tyrlyanskaya 1"
    assert quotes.options[0].cheapest and quotes.options[0].fastest


async def test_a_pickup_in_another_city_is_offered_but_never_tagged_cheapest_or_fastest(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, _, contact = await build.actor()
        moscow = await build.warehouse(code="MSK-1", city="Moscow")
        paper = await build.product(stock={moscow: 10})
        await fill_cart(build, contact, {paper: 10})
        await uow.commit()
    carriers = Carriers((FakeCarrier("truck", ("standard", "900", 3, 5)),),
                        PickupDesk(transfer_days=(1, 3), city_key=load_rate_table().city_key))
    async with core.uow() as uow:
        quotes = await delivery.quote_for_cart(uow, actor, KAZAN, core.settings, FixedClock(), carriers)
    pickup, truck = quotes.options  # Kazan has no pickup point: Moscow's is offered, for a client's own truck
    assert (pickup.service, pickup.price, truck.carrier) == ("MSK-1", Decimal("0.00"), "truck")
    assert not (pickup.cheapest or pickup.fastest) and truck.cheapest and truck.fastest


async def test_a_parcel_quote_prices_two_hundred_kilograms_to_kazan_from_the_table(core: Core) -> None:
    async with core.uow() as uow:
        actor, _, _ = await Build(uow.session).actor()
        await uow.commit()
    async with core.uow() as uow:
        quotes = await delivery.quote_for_parcel(
            uow,
            actor,
            Destination("Kazan"),
            core.settings,
            FixedClock(),
            build_carriers(core.settings),
            weight_kg="200",
        )
        await uow.commit()
    assert [(o.carrier, o.service, o.price) for o in quotes.options] == [
        ("magistral", "standard", Decimal("6900.00")),
        ("magistral", "express", Decimal("11000.00")),
    ]
    assert all(o.quote_id is not None for o in quotes.options)


async def test_a_guest_may_price_a_parcel_but_nothing_is_kept(core: Core) -> None:
    async with core.uow() as uow:
        quotes = await delivery.quote_for_parcel(
            uow,
            Actor.guest(),
            Destination("Москва"),
            core.settings,
            FixedClock(),
            build_carriers(core.settings),
            weight_kg=Decimal("3"),
            volume_m3=Decimal("0.01"),
        )
        await uow.commit()
        kept = await uow.session.scalar(select(func.count()).select_from(DeliveryQuote))
    assert quotes.options and all(o.quote_id is None for o in quotes.options)
    assert quotes.parcel.currency == core.settings.default_currency and kept == 0


@pytest.mark.parametrize("weight", [Decimal("-1"), Decimal("1000000"), "a lot", 12.5, Decimal("NaN"), Decimal(0)])
async def test_an_absurd_parcel_is_refused(core: Core, weight: Any) -> None:
    async with core.uow() as uow:
        with pytest.raises(InvalidInput):
            await delivery.quote_for_parcel(
                uow, Actor.guest(), Destination("Kazan"), core.settings, FixedClock(), only(), weight_kg=weight
            )


@pytest.mark.parametrize("destination", [Destination("  "), Destination("x" * 101), Destination("Kazan", "r" * 101)])
async def test_a_blank_or_oversized_destination_is_refused(core: Core, destination: Destination) -> None:
    async with core.uow() as uow:
        with pytest.raises(InvalidInput):
            await delivery.quote_for_parcel(
                uow, Actor.guest(), destination, core.settings, FixedClock(), only(), weight_kg=1
            )


async def test_an_empty_cart_cannot_be_quoted(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, _, contact = await build.actor()
        no_cart_actor, _, _ = await build.actor()
        await fill_cart(build, contact, {})
        await uow.commit()
    for who in (actor, no_cart_actor):
        async with core.uow() as uow:
            with pytest.raises(InvalidInput, match="cart is empty"):
                await delivery.quote_for_cart(uow, who, KAZAN, core.settings, FixedClock(), only())


async def test_a_guest_cannot_quote_a_cart(core: Core) -> None:
    async with core.uow() as uow:
        with pytest.raises(AccessDenied):
            await delivery.quote_for_cart(uow, Actor.guest(), KAZAN, core.settings, FixedClock(), only())


async def quoted(core: Core, actor: Actor, clock: FixedClock, currency: str = "RUB") -> int:
    truck = FakeCarrier("truck", ("standard", "500", 2, 4), currency=currency)
    async with core.uow() as uow:
        quotes = await delivery.quote_for_cart(uow, actor, KAZAN, core.settings, clock, only(truck))
        await uow.commit()
    quote_id = quotes.options[0].quote_id
    assert quote_id is not None
    return quote_id


async def chosen_id(core: Core, contact: Contact) -> int | None:
    async with core.uow() as uow:
        return await uow.session.scalar(select(Cart.delivery_quote_id).where(Cart.contact_id == contact.id))


async def test_choosing_a_quote_makes_it_the_cart_delivery(core: Core) -> None:
    actor, _, contact = await client_with_cart(core)
    clock = FixedClock()
    quote_id = await quoted(core, actor, clock)
    async with core.uow() as uow:
        chosen = await carts.choose_delivery(uow.session, actor, quote_id, now=clock.now())
        await uow.commit()
    assert (chosen.quote_id, chosen.carrier, chosen.price) == (quote_id, "truck", Decimal("500.00"))
    assert await chosen_id(core, contact) == quote_id
    async with core.uow() as uow:
        kept = await delivery.chosen_quote(uow, actor, clock)
    assert kept is not None and (kept.quote_id, kept.price) == (chosen.quote_id, chosen.price)


async def test_choosing_another_companys_quote_is_refused_and_changes_nothing(core: Core) -> None:
    owner, _, _ = await client_with_cart(core)
    stranger, _, stranger_contact = await client_with_cart(core)
    clock = FixedClock()
    theirs = await quoted(core, owner, clock)
    async with core.uow() as uow:
        with pytest.raises(NotFound) as refused:
            await carts.choose_delivery(uow.session, stranger, theirs, now=clock.now())
        await uow.commit()
    async with core.uow() as uow:
        with pytest.raises(NotFound) as unknown:
            await carts.choose_delivery(uow.session, stranger, theirs + 1000, now=clock.now())
    assert refused.value.message == unknown.value.message  # a stranger cannot tell theirs from absent
    assert await chosen_id(core, stranger_contact) is None


async def test_an_expired_quote_cannot_be_chosen(core: Core) -> None:
    actor, _, contact = await client_with_cart(core)
    clock = FixedClock()
    quote_id = await quoted(core, actor, clock)
    clock.at = NOW + dt.timedelta(minutes=core.settings.quote_valid_minutes)
    async with core.uow() as uow:
        with pytest.raises(QuoteExpired, match="expired"):
            await carts.choose_delivery(uow.session, actor, quote_id, now=clock.now())
    assert await chosen_id(core, contact) is None


async def test_a_chosen_quote_that_expired_is_reported_at_checkout(core: Core) -> None:
    actor, _, _ = await client_with_cart(core)
    clock = FixedClock()
    quote_id = await quoted(core, actor, clock)
    async with core.uow() as uow:
        await carts.choose_delivery(uow.session, actor, quote_id, now=clock.now())
        await uow.commit()
    clock.at = NOW + dt.timedelta(days=1)
    async with core.uow() as uow:
        with pytest.raises(QuoteExpired):
            await delivery.chosen_quote(uow, actor, clock)


async def test_a_quote_cannot_be_chosen_for_an_empty_cart_or_by_a_guest(core: Core) -> None:
    actor, _, contact = await client_with_cart(core)
    clock = FixedClock()
    quote_id = await quoted(core, actor, clock)
    async with core.uow() as uow:
        cart = await uow.session.scalar(select(Cart).where(Cart.contact_id == contact.id))
        assert cart is not None
        await uow.session.execute(delete(CartLine).where(CartLine.cart_id == cart.id))
        await uow.commit()
    async with core.uow() as uow:
        with pytest.raises(InvalidInput, match="cart is empty"):
            await carts.choose_delivery(uow.session, actor, quote_id, now=clock.now())
        with pytest.raises(AccessDenied):
            await carts.choose_delivery(uow.session, Actor.guest(), quote_id, now=clock.now())


async def test_a_saved_address_of_the_own_company_becomes_a_destination(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor()
        stranger, _, _ = await build.actor()
        address = CompanyAddress(
            company_id=company.id, label="Main", city="Kazan", region="Tatarstan", line="ul. Baumana 1"
        )
        uow.session.add(address)
        await uow.commit()
    async with core.uow() as uow:
        assert await delivery.destination_from_address(uow, actor, address.id) == Destination(
            "Kazan", "Tatarstan", "ul. Baumana 1"
        )
        with pytest.raises(AccessDenied):
            await delivery.destination_from_address(uow, stranger, address.id)
        with pytest.raises(AccessDenied):
            await delivery.destination_from_address(uow, Actor.guest(), address.id)
        with pytest.raises(NotFound):
            await delivery.destination_from_address(uow, actor, address.id + 1000)


async def test_saved_addresses_are_the_own_companys_default_first_and_limited(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor()
        stranger, other, _ = await build.actor()
        uow.session.add_all([
            CompanyAddress(company_id=company.id, label="Store", city="Kazan", line="Portovaya 9"),
            CompanyAddress(company_id=company.id, label="Office", city="Moscow", line="Tverskaya 1", is_default=True),
            CompanyAddress(company_id=company.id, label="Depot", city="Tver", line="Sovetskaya 3"),
            CompanyAddress(company_id=other.id, label="Theirs", city="Omsk", line="Lenina 5"),
        ])
        await uow.commit()
    async with core.uow() as uow:
        assert [a.label for a in await delivery.saved_addresses(uow.session, actor)] == ["Office", "Store", "Depot"]
        assert [a.label for a in await delivery.saved_addresses(uow.session, actor, limit=2)] == ["Office", "Store"]
        assert [a.label for a in await delivery.saved_addresses(uow.session, stranger)] == ["Theirs"]
        with pytest.raises(AccessDenied):
            await delivery.saved_addresses(uow.session, Actor.guest())
        with pytest.raises(InvalidInput):
            await delivery.saved_addresses(uow.session, actor, limit=0)


async def test_a_quote_in_another_currency_cannot_be_chosen(core: Core) -> None:
    actor, _, contact = await client_with_cart(core)
    clock = FixedClock()
    quote_id = await quoted(core, actor, clock, currency="USD")
    async with core.uow() as uow:
        with pytest.raises(InvalidInput, match="another currency"):
            await carts.choose_delivery(uow.session, actor, quote_id, now=clock.now())
    assert await chosen_id(core, contact) is None
