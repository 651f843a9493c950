"""The demo catalogue: categories, products, warehouses with stock and incoming goods, tier price lists."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from core.demo.codes import ean13
from core.demo.families import CATEGORIES
from core.demo.flagships import FLAGSHIPS
from core.demo.rows import Row, Rows
from core.demo.vocabulary import CategorySpec, Family
from core.domain.money import to_money
from core.models import Category, IncomingStock, Price, PriceList, Product, Warehouse

TIERS = ("base", "silver", "gold")
MILLI = Decimal("0.001")
MAX_CASE_KG = 40
DISCONTINUED_EVERY = 60  # a few products are no longer sold, but their SKUs stay known
Breaks = list[tuple[int, Decimal]]


@dataclass(slots=True)
class ProductInfo:
    """What the rest of the seed needs to know about a product without reading it back."""

    id: int
    sku: str
    name: str
    category: str
    unit: str
    pack_size: int
    min_order_qty: int
    weight_kg: Decimal
    is_active: bool


@dataclass(frozen=True, slots=True)
class WarehouseInfo:
    id: int
    code: str
    name: str
    city: str
    address: str
    pickup_hours: str

    def describe(self) -> str:
        return f"pickup: {self.name}, {self.city}, {self.address}"


WAREHOUSES = (
    WarehouseInfo(1, "MSK", "Moscow central warehouse", "Moscow", "Podolskikh Kursantov St 22, bldg 3",
                  "Mon–Fri 08:00–20:00, Sat 10:00–16:00"),
    WarehouseInfo(2, "SPB", "Saint Petersburg warehouse", "Saint Petersburg", "Sofiyskaya St 14, gate 2",
                  "Mon–Fri 09:00–18:00"),
    WarehouseInfo(3, "KZN", "Kazan warehouse", "Kazan", "Tikhoretskaya St 9, bldg 1", "Mon–Fri 09:00–18:00"),
    WarehouseInfo(4, "NSK", "Novosibirsk warehouse", "Novosibirsk", "Petukhova St 69", "Mon–Fri 08:00–17:00"),
)
# How likely a product is kept in each warehouse: Moscow holds most of the range.
STOCKING_ODDS = {"MSK": 0.85, "SPB": 0.55, "KZN": 0.35, "NSK": 0.25}


@dataclass(slots=True)
class Catalogue:
    products: list[ProductInfo] = field(default_factory=list)
    by_category: dict[str, list[ProductInfo]] = field(default_factory=dict)
    flagships: list[ProductInfo] = field(default_factory=list)
    warehouses: tuple[WarehouseInfo, ...] = WAREHOUSES
    stock: dict[tuple[int, int], list[int]] = field(default_factory=dict)  # (product, warehouse): [on hand, reserved]
    prices: dict[str, dict[int, Breaks]] = field(default_factory=dict)  # tier -> product id -> breaks
    price_list_ids: dict[str, int] = field(default_factory=dict)
    categories: int = 0

    def warehouse(self, code: str) -> WarehouseInfo:
        return next(w for w in self.warehouses if w.code == code)

    def free_units(self, product_id: int) -> int:
        return sum(
            self.stock.get((product_id, w.id), (0, 0))[0] - self.stock.get((product_id, w.id), (0, 0))[1]
            for w in self.warehouses
        )

    def stock_rows(self) -> list[Row]:
        return [
            {"product_id": pid, "warehouse_id": wid, "on_hand": level[0], "reserved": level[1]}
            for (pid, wid), level in sorted(self.stock.items())
        ]


def nice_price(value: Decimal) -> Decimal:
    """Round like a price list does: tenths below 100, whole roubles below 1000, tens above."""
    step = Decimal("0.1") if value < 100 else Decimal("1") if value < 1000 else Decimal("10")
    rounded = (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    return to_money(max(rounded, Decimal("0.1")))


def build_catalogue(rows: Rows, rng: random.Random, *, products: int, today: dt.date) -> Catalogue:
    catalogue = Catalogue()
    now = dt.datetime.combine(today, dt.time(), dt.UTC)
    category_ids = _categories(rows)
    catalogue.categories = len(category_ids)
    for tier_id, tier in enumerate(TIERS, start=1):
        catalogue.price_list_ids[tier] = tier_id
        catalogue.prices[tier] = {}
        rows.add(PriceList, {
            "id": tier_id, "code": f"tier-{tier}", "name": f"{tier.capitalize()} price list", "currency": "RUB",
            "tier": tier, "company_id": None,
        })
    discounts = {spec.code: _tier_discounts(rng) for spec in CATEGORIES}
    barcode_offset = rng.randrange(10**9)
    for flagship in FLAGSHIPS:
        info = ProductInfo(
            len(catalogue.products) + 1, flagship.sku, flagship.name, flagship.category, flagship.unit,
            flagship.pack_size, flagship.min_order_qty, flagship.weight_kg, True,
        )
        rows.add(Product, _product_row(
            info, flagship.name_ru, list(flagship.synonyms), flagship.volume_m3, category_ids[flagship.category],
            ean13("460", (barcode_offset + info.id * 7919) % 10**9), flagship.description,
            now - dt.timedelta(days=900),
        ))
        _add(catalogue, info)
        catalogue.flagships.append(info)
        breaks = [(1, flagship.price), *flagship.breaks]
        _price_tiers(catalogue, info.id, breaks, discounts[flagship.category])
    skus = {f.sku for f in FLAGSHIPS}
    for spec, fam, index, series in _plan(rng, max(products - len(FLAGSHIPS), 0)):
        info, row, base = _generated(len(catalogue.products) + 1, spec, fam, index, series, rng, category_ids, now)
        if info.sku in skus:
            raise ValueError(f"duplicate demo SKU {info.sku}")
        skus.add(info.sku)
        if rng.random() < 0.65:
            row["barcode"] = ean13("460", (barcode_offset + info.id * 7919) % 10**9)
        rows.add(Product, row)
        _add(catalogue, info)
        _price_tiers(catalogue, info.id, _breaks(info, base, rng), discounts[spec.code])
    for tier, per_product in catalogue.prices.items():
        list_id = catalogue.price_list_ids[tier]
        rows.extend(Price, [
            {"price_list_id": list_id, "product_id": pid, "min_qty": qty, "amount": amount}
            for pid, breaks in per_product.items()
            for qty, amount in breaks
        ])
    _warehouses(rows)
    _stock(catalogue, rows, rng, today)
    return catalogue


def _categories(rows: Rows) -> dict[str, int]:
    ids: dict[str, int] = {}
    for category_id, spec in enumerate(CATEGORIES, start=1):
        ids[spec.code] = category_id
        rows.add(Category, {"id": category_id, "name": spec.en, "name_ru": spec.ru, "parent_id": None,
                            "external_id": None})
    return ids


def _tier_discounts(rng: random.Random) -> dict[str, Decimal]:
    """Per category, because margins differ: paper is thin, fasteners are fat."""
    return {
        "base": Decimal(0),
        "silver": Decimal(rng.choice((3, 4, 5))) / 100,
        "gold": Decimal(rng.choice((6, 7, 8, 10))) / 100,
    }


def _add(catalogue: Catalogue, info: ProductInfo) -> None:
    catalogue.products.append(info)
    catalogue.by_category.setdefault(info.category, []).append(info)


def _product_row(
    info: ProductInfo,
    name_ru: str,
    synonyms: list[str],
    volume: Decimal,
    category_id: int,
    barcode: str | None,
    description: str | None,
    created_at: dt.datetime,
) -> Row:
    return {
        "id": info.id, "sku": info.sku, "name": info.name, "name_ru": name_ru, "description": description,
        "synonyms": synonyms, "unit": info.unit, "pack_size": info.pack_size, "min_order_qty": info.min_order_qty,
        "weight_kg": info.weight_kg, "volume_m3": volume, "category_id": category_id, "barcode": barcode,
        "image_url": None, "is_active": info.is_active, "external_id": None,
        "created_at": created_at, "updated_at": created_at,
    }


def _plan(rng: random.Random, count: int) -> list[tuple[CategorySpec, Family, int, int]]:
    """Which combinations to sell: categories get their share of `count`, families within a category
    by the square root of their size; a family that runs out passes its quota on. Past every family's
    last combination, a new series of the range starts (a real supplier's "series 2")."""
    slots = [
        (spec, fam, spec.share * math.sqrt(fam.capacity) / sum(math.sqrt(f.capacity) for f in spec.families))
        for spec in CATEGORIES
        for fam in spec.families
    ]
    plan: list[tuple[CategorySpec, Family, int, int]] = []
    series = 1
    while count > 0:
        quotas = _fill([fam.capacity for _, fam, _ in slots], [weight for _, _, weight in slots], count)
        for (spec, fam, _), quota in zip(slots, quotas, strict=True):
            plan.extend((spec, fam, index, series) for index in sorted(rng.sample(range(fam.capacity), quota)))
        count -= sum(quotas)
        series += 1
    return plan


def _fill(capacities: list[int], weights: list[float], count: int) -> list[int]:
    """Share `count` by weight without exceeding any capacity (water filling)."""
    quotas = [0] * len(capacities)
    open_slots = [i for i, c in enumerate(capacities) if c > 0]
    remaining = count
    while remaining > 0 and open_slots:
        total = sum(weights[i] for i in open_slots)
        given = 0
        for i in open_slots:
            take = min(max(1, int(remaining * weights[i] / total)), capacities[i] - quotas[i], remaining - given)
            quotas[i] += take
            given += take
            if given == remaining:
                break
        remaining -= given
        open_slots = [i for i in open_slots if quotas[i] < capacities[i]]
    return quotas


def _generated(
    product_id: int,
    spec: CategorySpec,
    fam: Family,
    index: int,
    series: int,
    rng: random.Random,
    category_ids: dict[str, int],
    now: dt.datetime,
) -> tuple[ProductInfo, Row, Decimal]:
    options = fam.choose(index)
    sku = "-".join([fam.prefix, *(o.code for o in options)])
    name = _capitalised(fam.en.format(*(o.en for o in options)))
    name_ru = _capitalised(fam.ru.format(*(o.ru for o in options)))
    if series > 1:
        sku, name, name_ru = f"{sku}-S{series}", f"{name} (series {series})", f"{name_ru} (серия {series})"
    unit = next((o.unit for o in options if o.unit), fam.unit)
    price_factor = math.prod((o.price for o in options), start=Decimal(1))
    size_factor = math.prod((o.weight for o in options), start=Decimal(1))
    weight = Decimal("1.000") if unit == "kg" else max((fam.weight_kg * size_factor).quantize(MILLI), MILLI)
    pack = rng.choice(fam.packs)
    if weight * pack > MAX_CASE_KG:  # nobody boxes twelve 20-litre canisters together
        pack = 1
    volume = (fam.volume_m3 * size_factor).quantize(MILLI)
    base = nice_price(fam.price * price_factor * Decimal(rng.randint(92, 108)) / 100)
    info = ProductInfo(
        product_id, sku, name, spec.code, unit, pack, pack * rng.choice((1, 1, 1, 1, 2)),
        weight, product_id % DISCONTINUED_EVERY != 0,
    )
    created = now - dt.timedelta(days=rng.randint(200, 1500))
    row = _product_row(info, name_ru, list(fam.synonyms), volume, category_ids[spec.code], None, None, created)
    return info, row, base


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _breaks(info: ProductInfo, base: Decimal, rng: random.Random) -> Breaks:
    """The base price, and for many products cheaper prices from a whole number of packs upwards."""
    breaks = [(1, base)]
    if rng.random() < 0.45:
        first = _packs_from(max(info.min_order_qty * 5, 10), info.pack_size)
        breaks.append((first, nice_price(base * (100 - rng.randint(3, 6)) / 100)))
        if rng.random() < 0.5:
            breaks.append((first * 4, nice_price(base * (100 - rng.randint(8, 12)) / 100)))
    return _strictly_cheaper(breaks)


def _packs_from(quantity: int, pack: int) -> int:
    return -(-quantity // pack) * pack


def _strictly_cheaper(breaks: Breaks) -> Breaks:
    """Rounding can make a break no cheaper than the one below it; such a break is dropped."""
    kept = [breaks[0]]
    for qty, amount in breaks[1:]:
        if amount < kept[-1][1]:
            kept.append((qty, amount))
    return kept


def _price_tiers(catalogue: Catalogue, product_id: int, breaks: Breaks, discounts: dict[str, Decimal]) -> None:
    for tier in TIERS:
        if tier == "base":
            tiered = breaks
        else:
            tiered = _strictly_cheaper([(qty, _discounted(amount, discounts[tier])) for qty, amount in breaks])
        catalogue.prices[tier][product_id] = tiered


def _discounted(amount: Decimal, discount: Decimal) -> Decimal:
    """A tier price; on the cheapest items, exact cents, where rounding would swallow the discount."""
    exact = amount * (1 - discount)
    rounded = nice_price(exact)
    return rounded if rounded < amount else to_money(exact)


def _warehouses(rows: Rows) -> None:
    for w in WAREHOUSES:
        rows.add(Warehouse, {
            "id": w.id, "code": w.code, "name": w.name, "city": w.city, "address": w.address,
            "allows_pickup": True, "pickup_hours": w.pickup_hours, "external_id": None,
        })


def _stock(catalogue: Catalogue, rows: Rows, rng: random.Random, today: dt.date) -> None:
    """Most products sit in one to three warehouses; some are out everywhere (and often on their way),
    a few are down to their last packs. Flagships are always well stocked in Moscow and Saint Petersburg."""
    incoming: list[Row] = []
    flagship_ids = {p.id for p in catalogue.flagships}
    for product in catalogue.products:
        pack, minimum = product.pack_size, product.min_order_qty
        roll = rng.random()
        if product.id in flagship_ids:
            for code, packs in (("MSK", 2000), ("SPB", 800), ("KZN", 300), ("NSK", 120)):
                units = _packs_from(packs * minimum, pack)
                catalogue.stock[(product.id, catalogue.warehouse(code).id)] = [units, 0]
            continue
        if not product.is_active or roll < 0.07:
            if product.is_active and rng.random() < 0.5:
                catalogue.stock[(product.id, 1)] = [0, 0]
            if product.is_active and rng.random() < 0.6:
                incoming.append(_incoming(product, rng, today, "MSK"))
            continue
        if roll < 0.12:
            warehouse = rng.choice(catalogue.warehouses)
            catalogue.stock[(product.id, warehouse.id)] = [minimum * rng.randint(1, 2), 0]
            if rng.random() < 0.2:
                incoming.append(_incoming(product, rng, today, warehouse.code))
            continue
        stocked = [w for w in catalogue.warehouses if rng.random() < STOCKING_ODDS[w.code]]
        for warehouse in stocked or [catalogue.warehouses[0]]:
            packs = round(math.exp(rng.uniform(math.log(3), math.log(400))))
            catalogue.stock[(product.id, warehouse.id)] = [max(packs * pack, minimum), 0]
        if rng.random() < 0.06:
            incoming.append(_incoming(product, rng, today, rng.choice(stocked or [catalogue.warehouses[0]]).code))
    for number, row in enumerate(incoming, start=1):
        row["external_id"] = f"PO-{number:06d}"
    rows.extend(IncomingStock, incoming)


def _incoming(product: ProductInfo, rng: random.Random, today: dt.date, code: str) -> Row:
    warehouse_id = next(w.id for w in WAREHOUSES if w.code == code)
    return {
        "product_id": product.id, "warehouse_id": warehouse_id,
        "quantity": _packs_from(product.min_order_qty * rng.randint(10, 200), product.pack_size),
        "eta": today + dt.timedelta(days=rng.randint(2, 45)), "external_id": None,
    }
