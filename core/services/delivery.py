"""Delivery quotes: the parcel from a cart (or a bare weight), every provider asked at once, the options
ranked, tagged and kept as `DeliveryQuote` rows so the client can choose one by id."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.carriers import Carriers, CarrierUnavailable, PickupCarrier, PickupPoint
from core.config import Settings
from core.domain.access import Actor
from core.domain.money import to_money
from core.errors import AccessDenied, InvalidInput, NotFound, QuoteExpired
from core.models import Cart, CartLine, Company, CompanyAddress, DeliveryQuote, Product, Warehouse
from core.ports import Carrier, CarrierQuote, Clock, Destination, Parcel
from core.services import stock
from core.services.accounts import company_of
from core.services.pricing import prices_for
from core.uow import UnitOfWork

logger = logging.getLogger(__name__)

MAX_PARCEL_WEIGHT_KG = Decimal(100_000)
MAX_PARCEL_VOLUME_M3 = Decimal(1_000)
MAX_PARCEL_VALUE = Decimal(10) ** 11
MEASURE_STEP = Decimal("0.001")


@dataclass(frozen=True, slots=True)
class DeliveryOption:
    """One way to deliver, as offered; `quote_id` is None only for a guest's quote, which is not kept."""

    quote_id: int | None
    carrier: str
    service: str
    price: Decimal
    currency: str
    eta_min_days: int
    eta_max_days: int
    destination: str
    valid_until: dt.datetime
    cheapest: bool = False
    fastest: bool = False


@dataclass(frozen=True, slots=True)
class DeliveryQuotes:
    """The answer to "how much to deliver": options by price then ETA, and who failed to answer."""

    parcel: Parcel
    destination: Destination
    options: tuple[DeliveryOption, ...]
    unavailable: tuple[str, ...] = ()

    @property
    def cheapest(self) -> DeliveryOption | None:
        return next((o for o in self.options if o.cheapest), None)

    @property
    def fastest(self) -> DeliveryOption | None:
        return next((o for o in self.options if o.fastest), None)


# Built once, as `_PICKUP_POINTS`: a quote is asked in most checkouts.
_CART_PRODUCTS = (
    select(Product, CartLine.quantity)
    .join(CartLine, CartLine.product_id == Product.id)
    .join(Cart, Cart.id == CartLine.cart_id)
    .where(Cart.contact_id == bindparam("contact_id"), Cart.company_id == bindparam("company_id"))
    .order_by(CartLine.id)
)


async def quote_for_cart(
    uow: UnitOfWork,
    actor: Actor,
    destination: Destination,
    settings: Settings,
    clock: Clock,
    carriers: Carriers,
) -> DeliveryQuotes:
    """Quote delivering the actor's cart: its weight and volume, its value at the company's prices."""
    contact_id, company_id = actor.require_contact()
    destination = checked_destination(destination)
    session = uow.session
    company = await company_of(session, actor)  # a contact no longer active, or of another company, is refused
    rows = await session.execute(_CART_PRODUCTS, {"contact_id": contact_id, "company_id": company_id})
    lines = [(product, int(quantity)) for product, quantity in rows]
    if not lines:
        from core.services.cart import EmptyCart  # here: the cart module imports this one

        raise EmptyCart("the cart is empty: add goods before asking for a delivery quote")
    prices = await prices_for(session, company, [product.id for product, _ in lines])
    parcel = Parcel(
        weight_kg=_measure(sum((p.weight_kg * q for p, q in lines), Decimal(0))),
        volume_m3=_measure(sum((p.volume_m3 * q for p, q in lines), Decimal(0))),
        # A product without a price adds no value; placing the order refuses it anyway.
        value=to_money(sum((prices[p.id].line_total(q) for p, q in lines if p.id in prices), Decimal(0))),
        currency=company.currency,
    )
    complete_at = await _warehouses_holding(uow, lines)
    return await _offer(uow, company_id, parcel, destination, settings, clock, carriers, complete_at)


async def quote_for_parcel(
    uow: UnitOfWork,
    actor: Actor,
    destination: Destination,
    settings: Settings,
    clock: Clock,
    carriers: Carriers,
    *,
    weight_kg: Decimal | int | str,
    volume_m3: Decimal | int | str = Decimal(0),
    value: Decimal | int | str = Decimal(0),
) -> DeliveryQuotes:
    """Quote a parcel described by weight and volume ("200 kg to Kazan"). A guest gets the options
    without ids (nothing is kept for a stranger); a client's options are kept like a cart's."""
    destination = checked_destination(destination)
    weight = _bounded("weight_kg", weight_kg, MAX_PARCEL_WEIGHT_KG)
    volume = _bounded("volume_m3", volume_m3, MAX_PARCEL_VOLUME_M3)
    worth = _bounded("value", value, MAX_PARCEL_VALUE)
    if weight == 0 and volume == 0:
        raise InvalidInput("give the parcel's weight or volume")
    currency = settings.default_currency
    if actor.company_id is not None:
        currency = (await _company(uow, actor.company_id)).currency
    parcel = Parcel(weight_kg=_measure(weight), volume_m3=_measure(volume), value=to_money(worth), currency=currency)
    return await _offer(uow, actor.company_id, parcel, destination, settings, clock, carriers, None)


async def chosen_quote(uow: UnitOfWork, actor: Actor, clock: Clock) -> DeliveryOption | None:
    """The cart's chosen delivery, if any; `QuoteExpired` when it has run out since it was chosen."""
    contact_id, company_id = actor.require_contact()
    quote_id = await uow.session.scalar(
        select(Cart.delivery_quote_id).where(Cart.contact_id == contact_id, Cart.company_id == company_id)
    )
    if quote_id is None:
        return None
    company = await _company(uow, company_id)
    return _kept_option(await usable_quote(uow.session, company, quote_id, clock.now()))


_SAVED_ADDRESSES = (
    select(CompanyAddress)
    .where(CompanyAddress.company_id == bindparam("company_id"))
    .order_by(CompanyAddress.is_default.desc(), CompanyAddress.id)
    .limit(bindparam("limit"))
)


async def saved_addresses(session: AsyncSession, actor: Actor, *, limit: int = 5) -> list[CompanyAddress]:
    """The actor's company's saved delivery addresses, the default first, at most `limit`."""
    if not 1 <= limit <= 100:
        raise InvalidInput("limit must be between 1 and 100", limit=limit)
    return list(await session.scalars(_SAVED_ADDRESSES, {"company_id": actor.require_company(), "limit": limit}))


async def destination_from_address(uow: UnitOfWork, actor: Actor, address_id: int) -> Destination:
    """A saved address of the actor's company as a destination."""
    company_id = actor.require_company()
    address = await uow.session.get(CompanyAddress, address_id)
    if address is None:
        raise NotFound("no such address", address_id=address_id)
    if address.company_id != company_id:
        raise AccessDenied("not your company's address")
    return Destination(city=address.city, region=address.region, address=address.line)


def checked_destination(destination: Destination) -> Destination:
    """The destination trimmed, or `InvalidInput` for an empty or oversized city, region or address."""
    city = destination.city.strip()
    region = (destination.region or "").strip() or None
    address = (destination.address or "").strip() or None
    if not city:
        raise InvalidInput("name the city to deliver to")
    for field, text, limit in (("city", city, 100), ("region", region, 100), ("address", address, 300)):
        if text is not None and len(text) > limit:
            raise InvalidInput(f"the {field} is too long", field=field, maximum=limit)
    return Destination(city=city, region=region, address=address)


def describe(destination: Destination) -> str:
    return ", ".join(part for part in (destination.city, destination.region, destination.address) if part)


async def _offer(
    uow: UnitOfWork,
    company_id: int | None,
    parcel: Parcel,
    destination: Destination,
    settings: Settings,
    clock: Clock,
    carriers: Carriers,
    complete_at: set[int] | None,
) -> DeliveryQuotes:
    providers: list[Carrier] = list(carriers.fixed)
    if carriers.pickup is not None:
        points = await _pickup_points(uow)
        if points:
            providers.append(carriers.pickup.carrier(points, complete_at))
    # Providers touch no database, so they may run side by side while the session waits.
    answers = await asyncio.gather(
        *(_ask(provider, parcel, destination, settings.delivery_http_timeout_s) for provider in providers)
    )
    unavailable = tuple(p.name for p, answer in zip(providers, answers, strict=True) if answer is None)
    offered = [(p, quote) for p, answer in zip(providers, answers, strict=True) for quote in answer or []]
    # Prices in another currency cannot be compared with ours: they go last and win no tag.
    offered.sort(key=lambda pq: (pq[1].currency != parcel.currency, pq[1].price, *_eta(pq[1])))
    # A pickup in another city wins no tag either: it is not a way to deliver to the destination.
    comparable = [i for i, (provider, quote) in enumerate(offered) if quote.currency == parcel.currency
                  and not (isinstance(provider, PickupCarrier) and not provider.serves(quote, destination))]
    cheapest = comparable[0] if comparable else None
    fastest = min(comparable, key=lambda i: _eta(offered[i][1]), default=None)

    valid_until = clock.now() + dt.timedelta(minutes=settings.quote_valid_minutes)
    where = [_where(provider, quote, destination)[:300] for provider, quote in offered]
    ids: list[int | None] = [None] * len(offered)
    if company_id is not None and offered:
        ids = list(await _keep(uow.session, [
            {"company_id": company_id, "carrier": quote.carrier, "service": quote.service,
             "price": to_money(quote.price), "currency": quote.currency, "eta_min_days": quote.eta_min_days,
             "eta_max_days": quote.eta_max_days, "destination": text, "valid_until": valid_until,
             "weight_kg": parcel.weight_kg}
            for (_, quote), text in zip(offered, where, strict=True)
        ]))
    options = tuple(
        DeliveryOption(
            quote_id=quote_id,
            carrier=quote.carrier,
            service=quote.service,
            price=to_money(quote.price),
            currency=quote.currency,
            eta_min_days=quote.eta_min_days,
            eta_max_days=quote.eta_max_days,
            destination=text,
            valid_until=valid_until,
            cheapest=i == cheapest,
            fastest=i == fastest,
        )
        for i, ((_, quote), text, quote_id) in enumerate(zip(offered, where, ids, strict=True))
    )
    return DeliveryQuotes(parcel, destination, options, unavailable)


_KEPT_TERMS = (DeliveryQuote.carrier, DeliveryQuote.service, DeliveryQuote.price, DeliveryQuote.eta_min_days,
               DeliveryQuote.eta_max_days, DeliveryQuote.destination)


async def _keep(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert the offered quotes in one statement; their ids in the order given.

    RETURNING promises no order (SQLite least of all), so each id goes back to a row by the terms it offers;
    rows offering the very same terms are interchangeable.
    """
    returned = await session.execute(insert(DeliveryQuote).returning(DeliveryQuote.id, *_KEPT_TERMS), rows)
    by_terms: dict[tuple[Any, ...], list[int]] = {}
    for quote_id, *terms in returned:
        by_terms.setdefault(tuple(terms), []).append(quote_id)
    for found in by_terms.values():
        found.sort(reverse=True)  # popped from the end: the lowest id to the first such row
    return [by_terms[tuple(row[column.key] for column in _KEPT_TERMS)].pop() for row in rows]


async def _ask(
    provider: Carrier, parcel: Parcel, destination: Destination, timeout_s: float
) -> Sequence[CarrierQuote] | None:
    """A provider's options, or None when it failed: one provider's trouble never costs the client
    the others' options."""
    try:
        async with asyncio.timeout(timeout_s):
            return list(await provider.quote(parcel, destination))
    except CarrierUnavailable as error:
        logger.warning("delivery provider %s dropped out: %s", provider.name, error)
    except TimeoutError:
        logger.warning("delivery provider %s dropped out: no answer within %g s", provider.name, timeout_s)
    except Exception:
        logger.exception("delivery provider %s failed; quoting without it", provider.name)
    return None


def _eta(quote: CarrierQuote) -> tuple[int, int]:
    """Sooner means an earlier latest day, then an earlier first day."""
    return quote.eta_max_days, quote.eta_min_days


def _where(provider: Carrier, quote: CarrierQuote, destination: Destination) -> str:
    if isinstance(provider, PickupCarrier):
        point = provider.point(quote.service)
        if point is not None:
            return point.describe()
    return describe(destination)


_PICKUP_POINTS = select(Warehouse).where(Warehouse.allows_pickup.is_(True)).order_by(Warehouse.code)


async def _pickup_points(uow: UnitOfWork) -> list[PickupPoint]:
    warehouses = await uow.session.scalars(_PICKUP_POINTS)
    return [PickupPoint(w.id, w.code, w.name, w.city, w.address, w.pickup_hours) for w in warehouses]


async def _warehouses_holding(uow: UnitOfWork, lines: Sequence[tuple[Product, int]]) -> set[int]:
    """The warehouses that have every line of the cart available in full right now."""
    found = await stock.availability(uow.session, [product.id for product, _ in lines], incoming=False)
    covered: Counter[int] = Counter()
    for product, quantity in lines:
        for warehouse in found[product.id].warehouses:
            if warehouse.available >= quantity:
                covered[warehouse.warehouse_id] += 1
    return {warehouse_id for warehouse_id, count in covered.items() if count == len(lines)}


async def _company(uow: UnitOfWork, company_id: int) -> Company:
    company = await uow.session.get(Company, company_id)
    if company is None:
        raise NotFound("no such company", company_id=company_id)
    return company


async def usable_quote(session: AsyncSession, company: Company, quote_id: int, now: dt.datetime) -> DeliveryQuote:
    """A kept quote the company may still choose. Another company's quote is answered like an unknown id."""
    if isinstance(quote_id, bool) or not isinstance(quote_id, int) or quote_id <= 0:
        raise InvalidInput("a delivery quote id is a positive whole number", quote_id=quote_id)
    quote = await session.get(DeliveryQuote, quote_id)
    # Someone else's quote gets the same answer as a missing one: its existence is not ours to tell.
    if quote is None or quote.company_id != company.id:
        raise NotFound("no such delivery quote", quote_id=quote_id)
    if quote.valid_until <= now:
        raise QuoteExpired(
            "this delivery quote has expired; ask for a fresh one",
            quote_id=quote_id,
            valid_until=quote.valid_until.isoformat(),
        )
    if quote.currency != company.currency:
        # The order total is in the company's currency; a foreign price cannot be added to it.
        raise InvalidInput("this delivery quote is in another currency", quote_id=quote_id, currency=quote.currency)
    return quote


def quote_terms(quote: DeliveryQuote) -> dict[str, Any]:
    """What a kept quote offers, as the fields `DeliveryOption` and the cart's `DeliveryChoice` share."""
    return {
        "quote_id": quote.id,
        "carrier": quote.carrier,
        "service": quote.service,
        "price": quote.price,
        "currency": quote.currency,
        "eta_min_days": quote.eta_min_days,
        "eta_max_days": quote.eta_max_days,
        "destination": quote.destination,
        "valid_until": quote.valid_until,
    }


def _kept_option(quote: DeliveryQuote) -> DeliveryOption:
    return DeliveryOption(**quote_terms(quote))


def _bounded(name: str, value: Decimal | int | str, maximum: Decimal) -> Decimal:
    if isinstance(value, float | bool):
        raise InvalidInput(f"{name} must be an exact number, not a float", field=name)
    try:
        number = Decimal(str(value).strip().replace(",", ".")) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise InvalidInput(f"{name} is not a number", field=name, value=str(value)[:40]) from None
    if not number.is_finite() or number < 0 or number > maximum:
        raise InvalidInput(f"{name} must be between 0 and {maximum}", field=name, maximum=str(maximum))
    return number


def _measure(value: Decimal) -> Decimal:
    # Up, never down: a carrier weighs the real parcel, and a rounded-down weight would undercharge.
    return value.quantize(MEASURE_STEP, rounding=ROUND_UP)
