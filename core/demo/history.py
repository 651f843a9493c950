"""Six months of orders: lines at the company's prices, stage history along the state machine, stock
reservations for the open ones, shipments with tracking stages, and the loyalty points they earned or spent.

Orders are planned for every company first and then numbered and built in the order they were placed,
so order numbers grow with time and each order sees the stock and points its predecessors left.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from core.demo.catalog import Catalogue, ProductInfo, WarehouseInfo
from core.demo.companies import CompanyInfo
from core.demo.rows import Row, Rows
from core.domain.money import to_money
from core.domain.order_states import RESERVING_STATUSES, check_transition
from core.models import (
    LoyaltyEntry,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Shipment,
    ShipmentEvent,
    StockReservation,
)

S = OrderStatus
HISTORY_DAYS = 180
LOYALTY_PERCENT = {"bronze": 1, "silver": 2, "gold": 3}
POINTS_TTL = dt.timedelta(days=365)
REDEEM_CAP_PERCENT = 30
LINE_BUDGET = Decimal(50_000)  # roughly what one picked order line may come to (RUB)
REDEEM_WINDOW_DAYS = 14  # newer than any expired lot, so spending never races an expiry
CHANNELS = ("telegram", "telegram", "telegram", "whatsapp", "whatsapp", "webchat")
COMMENTS = (
    "Deliver after 10:00, please", "Call an hour before delivery", "Позвоните за час до доставки",
    "Разгрузка с торца здания, ворота 3", "Pass needed: tell the driver's name and car plate the day before",
    "Счёт на оплату пришлите на почту бухгалтерии", "Please pack the paper separately",
)
# (carrier, service, transit days): names as the delivery table and pickup carrier spell them.
COURIER = ("swift-courier", "standard", (1, 3))
FREIGHT = ("magistral", "standard", (2, 6))
EXPRESS = ("magistral", "express", (1, 3))
ZONE_FACTOR = {"Moscow": Decimal("1"), "Moscow Oblast": Decimal("1"), "Saint Petersburg": Decimal("1.45"),
               "Leningrad Oblast": Decimal("1.45"), "Novosibirsk Oblast": Decimal("2.4"),
               "Omsk Oblast": Decimal("2.4"), "Krasnoyarsk Krai": Decimal("2.4")}
FREIGHT_TIERS = ((5, 450), (20, 750), (50, 1200), (100, 1900), (300, 4200), (500, 6300), (1500, 14500))
COURIER_TIERS = ((1, 390), (5, 520), (10, 690), (30, 1190))

# Company 1 tells a documented story: one order in every state, older ones delivered.
SCRIPTED_HISTORY = (
    (150, S.DELIVERED), (121, S.DELIVERED), (96, S.DELIVERED), (75, S.DELIVERED), (61, S.CANCELLED),
    (50, S.DELIVERED), (40, S.DELIVERED), (29, S.DELIVERED), (20, S.DELIVERED), (12, S.SHIPPED),
    (9, S.DELIVERED), (6, S.IN_PRODUCTION), (4, S.READY), (3, S.CONFIRMED), (2, S.AWAITING_APPROVAL),
    (1, S.PLACED),
)


@dataclass(slots=True)
class OrderRecord:
    """What the ledger needs of an order."""

    id: int
    company: CompanyInfo
    status: OrderStatus
    total: Decimal
    placed_at: dt.datetime
    confirmed_at: dt.datetime | None = None
    handed_over_at: dt.datetime | None = None  # shipped, or collected at a pickup desk
    delivered_at: dt.datetime | None = None


@dataclass(slots=True)
class _Plan:
    placed_at: dt.datetime
    company: CompanyInfo
    status: OrderStatus


@dataclass(slots=True)
class _Ids:
    line: int = 0
    shipment: int = 0

    def next_line(self) -> int:
        self.line += 1
        return self.line

    def next_shipment(self) -> int:
        self.shipment += 1
        return self.shipment


@dataclass(slots=True)
class _Loyalty:
    """A company's point entries as (time, points), to know the balance at any moment."""

    entries: list[tuple[dt.datetime, int]] = field(default_factory=list)

    def balance_at(self, moment: dt.datetime) -> int:
        return sum(points for at, points in self.entries if at <= moment)


def build_history(
    rows: Rows, rng: random.Random, catalogue: Catalogue, companies: list[CompanyInfo], *, today: dt.date
) -> list[OrderRecord]:
    now = dt.datetime.combine(today, dt.time(), dt.UTC)
    plans = [plan for company in companies for plan in _plans(rng, company, now)]
    plans.sort(key=lambda p: (p.placed_at, p.company.id))
    ids = _Ids()
    loyalty: dict[int, _Loyalty] = {}
    last_lines: dict[int, tuple[int, list[tuple[ProductInfo, int]]]] = {}
    records: list[OrderRecord] = []
    for company in companies:
        loyalty[company.id] = _opening_points(rows, rng, company, now)
    for order_id, plan in enumerate(plans, start=1):
        records.append(_order(rows, rng, catalogue, plan, order_id, ids, loyalty[plan.company.id], last_lines, now))
    return records


def _plans(rng: random.Random, company: CompanyInfo, now: dt.datetime) -> list[_Plan]:
    if company.id == 1:
        schedule = list(SCRIPTED_HISTORY)
    else:
        ages = rng.sample(range(1, HISTORY_DAYS + 1), company.orders)
        schedule = [(age, _status_for_age(rng, age)) for age in ages]
    plans = []
    for age, status in schedule:
        if status == S.AWAITING_APPROVAL and company.approver is None:
            status = S.PLACED
        day = now - dt.timedelta(days=age)
        placed = day + dt.timedelta(hours=rng.randint(5, 16), minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))
        plans.append(_Plan(placed, company, status))
    return plans


def _status_for_age(rng: random.Random, age: int) -> OrderStatus:
    table: tuple[tuple[OrderStatus, int], ...]
    if age > 30:
        table = ((S.DELIVERED, 92), (S.CANCELLED, 8))
    elif age > 14:
        table = ((S.DELIVERED, 80), (S.SHIPPED, 8), (S.CANCELLED, 8), (S.READY, 4))
    elif age > 6:
        table = ((S.DELIVERED, 50), (S.SHIPPED, 22), (S.READY, 10), (S.IN_PRODUCTION, 8), (S.CANCELLED, 6),
                 (S.CONFIRMED, 4))
    elif age > 2:
        table = ((S.SHIPPED, 20), (S.READY, 18), (S.IN_PRODUCTION, 18), (S.CONFIRMED, 20), (S.DELIVERED, 12),
                 (S.CANCELLED, 6), (S.AWAITING_APPROVAL, 4), (S.PLACED, 2))
    else:
        table = ((S.PLACED, 35), (S.AWAITING_APPROVAL, 15), (S.CONFIRMED, 30), (S.IN_PRODUCTION, 10),
                 (S.CANCELLED, 10))
    return rng.choices([s for s, _ in table], weights=[w for _, w in table])[0]


def _opening_points(rows: Rows, rng: random.Random, company: CompanyInfo, now: dt.datetime) -> _Loyalty:
    """Some companies carry a lot from last year's programme that expired unused."""
    loyalty = _Loyalty()
    if rng.random() < 0.3:
        granted = now - dt.timedelta(days=rng.randint(380, 420), hours=rng.randint(0, 12))
        points = rng.randint(5, 50) * 100
        rows.add(LoyaltyEntry, _points(company.id, "accrual", points, None, granted, granted + POINTS_TTL,
                                       "Welcome bonus for joining the loyalty programme"))
        rows.add(LoyaltyEntry, _points(company.id, "expiry", -points, None, granted + POINTS_TTL, None,
                                       "Unused points expired"))
        loyalty.entries += [(granted, points), (granted + POINTS_TTL, -points)]
    return loyalty


def _points(
    company_id: int, kind: str, points: int, order_id: int | None, at: dt.datetime, expires: dt.datetime | None,
    note: str,
) -> Row:
    return {"company_id": company_id, "kind": kind, "points": points, "order_id": order_id, "occurred_at": at,
            "expires_at": expires, "note": note}


def _order(
    rows: Rows,
    rng: random.Random,
    catalogue: Catalogue,
    plan: _Plan,
    order_id: int,
    ids: _Ids,
    loyalty: _Loyalty,
    last_lines: dict[int, tuple[int, list[tuple[ProductInfo, int]]]],
    now: dt.datetime,
) -> OrderRecord:
    company, status = plan.company, plan.status
    reserving = status in RESERVING_STATUSES
    home = catalogue.warehouse(company.city.warehouse)
    repeat = last_lines.get(company.id) if rng.random() < 0.15 else None
    picks = list(repeat[1]) if repeat else _picks(rng, catalogue, company)
    lines = _fit_to_stock(catalogue, picks) if reserving else picks
    if not lines:
        lines = [(catalogue.flagships[0], catalogue.flagships[0].min_order_qty)]
    if company.approval_threshold is not None and status == S.AWAITING_APPROVAL:
        lines = _above(catalogue, company, lines, company.approval_threshold)
    elif company.approval_threshold is not None and status == S.PLACED:
        lines = _below(catalogue, company, lines, company.approval_threshold)
    priced = [(product, qty, _unit_price(catalogue, company, product, qty)) for product, qty in lines]
    subtotal = to_money(sum((to_money(price * qty) for _, qty, price in priced), Decimal(0)))
    needs_approval = company.approval_threshold is not None and subtotal > company.approval_threshold
    if status == S.AWAITING_APPROVAL and not needs_approval:
        status = S.PLACED  # not enough free paper to push it over the limit
    elif status == S.PLACED and needs_approval:
        status = S.AWAITING_APPROVAL
    pickup = company.city.name == home.city and status != S.SHIPPED and rng.random() < 0.35
    path = _path(rng, status, needs_approval, pickup)
    weight = sum((p.weight_kg * qty for p, qty, _ in priced), Decimal(0)).quantize(Decimal("0.001"))
    carrier, service, transit = ("pickup", home.code, (0, 0)) if pickup else _carrier(rng, weight)
    delivery_cost = Decimal(0) if pickup else _delivery_cost(carrier, weight, company.city.region)
    times = _times(rng, plan.placed_at, path, transit, now)
    points = 0
    if status != S.CANCELLED and now - plan.placed_at < dt.timedelta(days=REDEEM_WINDOW_DAYS):
        balance = loyalty.balance_at(plan.placed_at)
        cap = int(subtotal * REDEEM_CAP_PERCENT / 100)
        if balance >= 200 and rng.random() < 0.4:
            points = min(balance, cap) // 10 * 10
    discount = Decimal(points)
    total = to_money(subtotal - discount + delivery_cost)
    contact = rng.choice(company.buyers)
    at = dict(zip(path, times, strict=True))
    eta = _eta(rng, status, at, transit, now)
    approved_by = company.approver.id if company.approver and S.AWAITING_APPROVAL in at and S.CONFIRMED in at else None
    rows.add(Order, {
        "id": order_id, "company_id": company.id, "contact_id": contact.id, "status": status.value,
        "payment_mode": "credit" if company.credit else "prepayment", "currency": "RUB", "subtotal": subtotal,
        "discount": to_money(discount), "delivery_cost": to_money(delivery_cost), "total": total,
        "points_redeemed": points, "weight_kg": weight, "delivery_carrier": carrier, "delivery_service": service,
        "delivery_destination": home.describe() if pickup else rng.choice(company.destinations), "eta": eta,
        "idempotency_key": f"demo-{order_id}", "channel": rng.choice(CHANNELS),
        "comment": rng.choice(COMMENTS) if rng.random() < 0.15 else None,
        "source_order_id": repeat[0] if repeat else None,
        "approved_by_contact_id": approved_by,
        "external_id": None, "created_at": plan.placed_at, "updated_at": times[-1],
    })
    for product, qty, price in priced:
        line_id = ids.next_line()
        rows.add(OrderLine, {
            "id": line_id, "order_id": order_id, "product_id": product.id, "sku": product.sku, "name": product.name,
            "quantity": qty, "unit_price": price, "line_total": to_money(price * qty),
        })
        if reserving:
            _reserve(rows, catalogue, home, line_id, product, qty)
    _events(rows, rng, company, order_id, contact.id, path, times, eta, carrier, home)
    if S.SHIPPED in at:
        _shipment(rows, rng, ids.next_shipment(), order_id, carrier, home, company, at, eta, now)
    if points:
        rows.add(LoyaltyEntry, _points(company.id, "redemption", -points, order_id, plan.placed_at, None,
                                       f"Spent on order #{order_id}"))
        loyalty.entries.append((plan.placed_at, -points))
    if S.DELIVERED in at:
        earned = int(total * LOYALTY_PERCENT.get(company.loyalty_tier, 1) / 100)
        if earned > 0:
            delivered = at[S.DELIVERED]
            rows.add(LoyaltyEntry, _points(company.id, "accrual", earned, order_id, delivered, delivered + POINTS_TTL,
                                           f"Order #{order_id} delivered"))
            loyalty.entries.append((delivered, earned))
    last_lines[company.id] = (order_id, lines)
    return OrderRecord(
        order_id, company, status, total, plan.placed_at, at.get(S.CONFIRMED),
        at.get(S.SHIPPED) or (at.get(S.DELIVERED) if pickup else None), at.get(S.DELIVERED),
    )


def _picks(rng: random.Random, catalogue: Catalogue, company: CompanyInfo) -> list[tuple[ProductInfo, int]]:
    count = rng.choices(range(1, 11), weights=(8, 14, 16, 15, 12, 10, 8, 7, 5, 5))[0]
    chosen: dict[int, tuple[ProductInfo, int]] = {}
    for _attempt in range(count * 3):
        if len(chosen) >= count:
            break
        if rng.random() < 0.8:
            product = rng.choice(company.favourites)
        else:
            product = rng.choice(catalogue.by_category[rng.choice(sorted(catalogue.by_category))])
        if product.is_active and product.id not in chosen:
            packs = rng.choices((1, 2, 3, 4, 5, 10, 20), weights=(30, 25, 15, 10, 10, 6, 4))[0]
            # Many of something cheap, few of something dear: eighty mop trolleys would eat a credit limit.
            minimum = product.min_order_qty * _unit_price(catalogue, company, product, product.min_order_qty)
            packs = max(1, min(packs, int(LINE_BUDGET // max(minimum, Decimal(1)))))
            chosen[product.id] = (product, product.min_order_qty * packs)
    return list(chosen.values())


def _fit_to_stock(catalogue: Catalogue, picks: list[tuple[ProductInfo, int]]) -> list[tuple[ProductInfo, int]]:
    """An open order holds its units, so it can only ask for what is free (in whole packs, from the minimum)."""
    fitted = []
    for product, qty in picks:
        free = catalogue.free_units(product.id)
        allowed = min(qty, free // product.pack_size * product.pack_size)
        if allowed >= product.min_order_qty:
            fitted.append((product, allowed))
    return fitted


def _above(
    catalogue: Catalogue, company: CompanyInfo, lines: list[tuple[ProductInfo, int]], threshold: Decimal
) -> list[tuple[ProductInfo, int]]:
    """Top an order up with office paper until it needs the approver (a big quarterly paper order)."""
    paper = catalogue.flagships[0]
    subtotal = _subtotal(catalogue, company, lines)
    if subtotal > threshold:
        return lines
    price = _unit_price(catalogue, company, paper, 10_000)
    wanted = math.ceil((threshold * Decimal("1.1") - subtotal) / price / paper.pack_size) * paper.pack_size
    others = [(p, q) for p, q in lines if p.id != paper.id]
    already = sum(q for p, q in lines if p.id == paper.id)
    free = catalogue.free_units(paper.id) // paper.pack_size * paper.pack_size
    return [*others, (paper, min(already + wanted, free))] if free >= paper.min_order_qty else lines


def _below(
    catalogue: Catalogue, company: CompanyInfo, lines: list[tuple[ProductInfo, int]], threshold: Decimal
) -> list[tuple[ProductInfo, int]]:
    """Drop the dearest lines of an order that has only just been placed until it needs no approval."""
    kept = sorted(lines, key=lambda line: _unit_price(catalogue, company, *line) * line[1])
    while len(kept) > 1 and _subtotal(catalogue, company, kept) > threshold:
        kept.pop()
    if _subtotal(catalogue, company, kept) > threshold:
        kept = [(p, p.min_order_qty) for p, _ in kept]
    return kept


def _subtotal(catalogue: Catalogue, company: CompanyInfo, lines: list[tuple[ProductInfo, int]]) -> Decimal:
    return sum((_unit_price(catalogue, company, p, q) * q for p, q in lines), Decimal(0))


def _unit_price(catalogue: Catalogue, company: CompanyInfo, product: ProductInfo, qty: int) -> Decimal:
    """As the pricing service sees it: the company's own list, else its tier's, with quantity breaks."""
    breaks = company.contract.get(product.id) or catalogue.prices[company.tier][product.id]
    chosen = breaks[0][1]
    for min_qty, amount in breaks:
        if qty >= min_qty:
            chosen = amount
    return chosen


def _path(rng: random.Random, final: OrderStatus, needs_approval: bool, pickup: bool) -> list[OrderStatus]:
    """The statuses an order went through to reach `final`, each step allowed by the state machine."""
    full = [S.PLACED]
    if needs_approval:
        full.append(S.AWAITING_APPROVAL)
    full.append(S.CONFIRMED)
    if final == S.IN_PRODUCTION or rng.random() < 0.35:
        full.append(S.IN_PRODUCTION)
    full += [S.READY, S.DELIVERED] if pickup else [S.READY, S.SHIPPED, S.DELIVERED]
    if final == S.CANCELLED:
        # Cancelled before the goods leave; an order that needed approval is cancelled no earlier than that.
        first, last = (1 if needs_approval else 0), len(full) - (1 if pickup else 2)
        stops = range(first, last)
        stop = rng.choices(stops, weights=[last - i for i in stops])[0]
        path = [*full[: stop + 1], S.CANCELLED]
    else:
        path = full[: full.index(final) + 1]
    for current, target in itertools.pairwise(path):
        check_transition(current, target)
    return path


def _times(
    rng: random.Random,
    placed: dt.datetime,
    path: list[OrderStatus],
    transit: tuple[int, int],
    now: dt.datetime,
) -> list[dt.datetime]:
    """When each step happened; a history that would run past now is squeezed to end before it."""
    hours = [0.0]
    for previous, status in itertools.pairwise(path):
        if status == S.AWAITING_APPROVAL:
            step = 0.01
        elif status == S.CONFIRMED:
            step = rng.uniform(2, 20) if previous == S.AWAITING_APPROVAL else rng.uniform(0.3, 4)
        elif status == S.IN_PRODUCTION:
            step = rng.uniform(2, 24)
        elif status == S.READY:
            step = rng.uniform(12, 72)
        elif status == S.SHIPPED:
            step = rng.uniform(4, 24)
        elif status == S.DELIVERED:
            step = rng.uniform(4, 72) if previous == S.READY else 24 * rng.uniform(*transit) + rng.uniform(0, 8)
        else:
            step = rng.uniform(1, 48)
        hours.append(hours[-1] + step)
    room = (now - placed).total_seconds() / 3600 - 0.5
    if hours[-1] > room:
        hours = [h * room / hours[-1] for h in hours]
    return [placed + dt.timedelta(seconds=round(h * 3600)) for h in hours]


def _eta(
    rng: random.Random, status: OrderStatus, at: dict[OrderStatus, dt.datetime], transit: tuple[int, int],
    now: dt.datetime,
) -> dt.date | None:
    if status == S.CANCELLED:
        return None
    if status == S.DELIVERED:
        return at[S.DELIVERED].date()
    return now.date() + dt.timedelta(days=rng.randint(1, 3) + (transit[1] if status != S.SHIPPED else 0))


def _carrier(rng: random.Random, weight: Decimal) -> tuple[str, str, tuple[int, int]]:
    if weight <= 30 and rng.random() < 0.7:
        return COURIER
    return EXPRESS if rng.random() < 0.2 else FREIGHT


def _delivery_cost(carrier: str, weight: Decimal, region: str) -> Decimal:
    tiers = COURIER_TIERS if carrier == "swift-courier" else FREIGHT_TIERS
    price = next((Decimal(p) for limit, p in tiers if weight <= limit), None)
    if price is None:
        top_limit, top_price = tiers[-1]
        price = Decimal(top_price) + (weight - top_limit).to_integral_value() * 9
    return to_money(price * ZONE_FACTOR.get(region, Decimal("1.6")))


def _reserve(
    rows: Rows, catalogue: Catalogue, home: WarehouseInfo, line_id: int, product: ProductInfo, qty: int
) -> None:
    """Hold the units the way the stock service does: the home warehouse first, then the fullest."""
    def free(w: WarehouseInfo) -> int:
        level = catalogue.stock.get((product.id, w.id))
        return level[0] - level[1] if level else 0

    order = sorted(catalogue.warehouses, key=lambda w: (w.id != home.id, -free(w), w.id))
    needed = qty
    for warehouse in order:
        take = min(needed, free(warehouse))
        if take <= 0:
            continue
        catalogue.stock[(product.id, warehouse.id)][1] += take
        rows.add(StockReservation, {
            "order_line_id": line_id, "product_id": product.id, "warehouse_id": warehouse.id, "quantity": take,
            "released_at": None, "consumed_at": None,
        })
        needed -= take
        if needed == 0:
            return
    raise AssertionError(f"demo order line {line_id} asked for more {product.sku} than is free")


def _events(
    rows: Rows,
    rng: random.Random,
    company: CompanyInfo,
    order_id: int,
    contact_id: int,
    path: list[OrderStatus],
    times: list[dt.datetime],
    eta: dt.date | None,
    carrier: str,
    home: WarehouseInfo,
) -> None:
    manager = f"staff:{company.manager_id}"
    approver = company.approver
    for index, (status, at) in enumerate(zip(path, times, strict=True)):
        previous = path[index - 1] if index else None
        actor, note = "system", None
        if status == S.PLACED:
            actor, note = f"contact:{contact_id}", "Order placed"
        elif status == S.AWAITING_APPROVAL:
            note = f"Above the approval limit of {company.approval_threshold:,.2f} RUB"
        elif status == S.CONFIRMED and previous == S.AWAITING_APPROVAL and approver is not None:
            actor, note = f"contact:{approver.id}", f"Approved by {approver.name}"
        elif status == S.CONFIRMED:
            actor, note = manager, "Confirmed"
        elif status == S.IN_PRODUCTION:
            actor, note = manager, "Picking and custom packing started"
        elif status == S.READY:
            actor = manager
            note = f"Ready for pickup at {home.code}" if carrier == "pickup" else "Packed and ready for dispatch"
        elif status == S.SHIPPED:
            actor, note = f"carrier:{carrier}", f"Handed over to {carrier}"
        elif status == S.DELIVERED and carrier == "pickup":
            actor, note = manager, "Collected at the pickup desk"
        elif status == S.DELIVERED:
            actor, note = f"carrier:{carrier}", "Delivered"
        elif status == S.CANCELLED and previous == S.AWAITING_APPROVAL and approver is not None:
            actor, note = f"contact:{approver.id}", f"Rejected by {approver.name}"
        elif status == S.CANCELLED:
            actor, note = rng.choice(((f"contact:{contact_id}", "Cancelled at the client's request"),
                                      (manager, "Cancelled: the client ordered a replacement")))
        rows.add(OrderEvent, {
            "order_id": order_id, "status": status.value, "at": at, "note": note, "actor": actor,
            "eta": eta if status in (S.CONFIRMED, S.IN_PRODUCTION, S.READY, S.SHIPPED) else None,
        })


SHIPMENT_STAGES = ("created", "picked_up", "in_transit", "out_for_delivery", "delivered")


def _shipment(
    rows: Rows,
    rng: random.Random,
    shipment_id: int,
    order_id: int,
    carrier: str,
    home: WarehouseInfo,
    company: CompanyInfo,
    at: dict[OrderStatus, dt.datetime],
    eta: dt.date | None,
    now: dt.datetime,
) -> None:
    shipped = at[S.SHIPPED]
    arrives = at.get(S.DELIVERED) or dt.datetime.combine(eta or now.date(), dt.time(9), dt.UTC)
    halfway = shipped + (arrives - shipped) * 0.4
    last_mile = max(arrives - dt.timedelta(hours=3), halfway)
    moments = (shipped - dt.timedelta(hours=2), shipped, halfway, last_mile, arrives)
    places = (home.city, home.city, None, company.city.name, company.city.name)
    reached = [i for i, moment in enumerate(moments) if moment <= now and (i < 4 or S.DELIVERED in at)]
    prefix = "SC" if carrier == "swift-courier" else "MG"
    rows.add(Shipment, {
        "id": shipment_id, "order_id": order_id, "carrier": carrier,
        "tracking_number": f"{prefix}{rng.randrange(10**9):09d}", "stage": SHIPMENT_STAGES[reached[-1]],
        "eta": eta, "external_id": None, "created_at": moments[0], "updated_at": moments[reached[-1]],
    })
    rows.extend(ShipmentEvent, [
        {"shipment_id": shipment_id, "stage": SHIPMENT_STAGES[i], "at": moments[i], "location": places[i],
         "note": None}
        for i in reached
    ])
