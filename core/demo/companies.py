"""Demo customers: the supplier's staff, companies with terms, addresses, contacts and contract prices.

Three companies are fixed so the demo can be documented: company 1 (gold, credit, approval above
150,000 RUB, buyer@demo.b2bot and approver@demo.b2bot), company 2 (prepayment with an advance,
buyer2@demo.b2bot) and company 3 (credit with overdue invoices, buyer3@demo.b2bot).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from core.demo.catalog import Breaks, Catalogue, ProductInfo, nice_price
from core.demo.codes import legal_inn, slug
from core.demo.families import CATEGORIES
from core.demo.names import (
    ADDRESS_LABELS,
    CITIES,
    COMPANY_ROOTS,
    COMPANY_SUFFIXES,
    DEFAULT_ADDRESS_LABELS,
    FEMALE_FIRST,
    LEGAL_FORMS,
    MALE_FIRST,
    STAFF,
    STREETS,
    SUPPLIER_DOMAIN,
    SURNAMES,
    City,
)
from core.demo.rows import Row, Rows
from core.models import Company, CompanyAddress, Contact, Price, PriceList, StaffUser

DEMO_BUYER = "buyer@demo.b2bot"
DEMO_APPROVER = "approver@demo.b2bot"
DEMO_PREPAID_BUYER = "buyer2@demo.b2bot"
DEMO_OVERDUE_BUYER = "buyer3@demo.b2bot"
MANAGERS_BY_WAREHOUSE = {"MSK": (0, 1, 2), "SPB": (3,), "KZN": (4,), "NSK": (5,)}  # indexes into STAFF


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    role: str


@dataclass(slots=True)
class CompanyInfo:
    """A generated customer and what its order history needs to know."""

    id: int
    name: str
    tier: str
    credit: bool
    payment_days: int
    approval_threshold: Decimal | None
    loyalty_tier: str
    city: City
    manager_id: int
    behaviour: str  # good | overdue | paid_up (credit); prepaid | advance (prepayment)
    orders: int
    domain: str
    row: Row
    buyers: list[Person] = field(default_factory=list)
    approver: Person | None = None
    destinations: list[str] = field(default_factory=list)
    favourites: list[ProductInfo] = field(default_factory=list)
    contract: dict[int, Breaks] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DemoCompany:
    root: int
    suffix: int
    city: str
    tier: str
    credit: bool
    payment_days: int
    credit_limit: int
    threshold: int | None
    loyalty: str
    extra_tags: tuple[str, ...]
    behaviour: str
    contacts: tuple[tuple[str, str, str, str, str], ...]  # name, email, role, locale, phone
    favourite_skus: tuple[str, ...]


DEMO_COMPANIES = (
    DemoCompany(
        0, 0, "Moscow", "gold", True, 30, 500_000, 150_000, "gold", ("key-account",), "good",
        (("Anna Petrova", DEMO_BUYER, "buyer", "en", "+79990000001"),
         ("Sergey Ivanov", DEMO_APPROVER, "approver", "en", "+79990000002")),
        ("A4-80", "A3-80", "PEN-BLUE", "TOWEL-V-200", "TP-8", "GLOVE-NIT-M", "CUP-250", "BAG-120-10", "SOAP-5L",
         "BOX-400-300-300", "TAPE-48-66"),
    ),
    DemoCompany(
        1, 1, "Saint Petersburg", "silver", False, 0, 0, None, "silver", (), "advance",
        (("Мария Смирнова", DEMO_PREPAID_BUYER, "buyer", "ru", "+79990000003"),),
        ("A4-80", "BOX-400-300-300", "BOX-600-400-400", "STRETCH-500-20", "TAPE-48-66"),
    ),
    DemoCompany(
        2, 5, "Kazan", "base", True, 14, 300_000, None, "bronze", (), "overdue",
        (("Oleg Kuznetsov", DEMO_OVERDUE_BUYER, "buyer", "en", "+79990000004"),),
        ("SCREW-35-35", "GLOVE-NIT-L", "BAG-120-10", "STRETCH-500-20"),
    ),
)


@dataclass(slots=True)
class _Uniques:
    tax_ids: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)


def build_staff(rows: Rows, *, first_id: int, existing: dict[str, int], today: dt.date) -> list[int]:
    """The supplier's people; ones already in the database (same e-mail) are kept, not duplicated."""
    created = dt.datetime.combine(today, dt.time(), dt.UTC) - dt.timedelta(days=730)
    ids: list[int] = []
    next_id = first_id
    for member in STAFF:
        email = f"{member.email_local}@{SUPPLIER_DOMAIN}"
        if email in existing:
            ids.append(existing[email])
            continue
        ids.append(next_id)
        rows.add(StaffUser, {
            "id": next_id, "email": email, "name": member.name, "role": member.role, "phone": member.phone,
            "password_hash": None, "telegram_user_id": None, "is_active": True, "external_id": None,
            "created_at": created, "updated_at": created,
        })
        next_id += 1
    return ids


def build_companies(
    rows: Rows,
    rng: random.Random,
    catalogue: Catalogue,
    *,
    count: int,
    staff_ids: list[int],
    today: dt.date,
) -> list[CompanyInfo]:
    uniques = _Uniques(phones={c[4] for d in DEMO_COMPANIES for c in d.contacts},
                       emails={c[1] for d in DEMO_COMPANIES for c in d.contacts})
    now = dt.datetime.combine(today, dt.time(), dt.UTC)
    names = _name_pairs(rng, count)
    companies: list[CompanyInfo] = []
    next_contact = 1
    next_list = max(catalogue.price_list_ids.values()) + 1
    for company_id in range(1, count + 1):
        demo = DEMO_COMPANIES[company_id - 1] if company_id <= len(DEMO_COMPANIES) else None
        company = _company(company_id, demo, names[company_id - 1], rng, uniques, staff_ids, now)
        rows.add(Company, company.row)
        _addresses(rows, rng, company)
        next_contact = _contacts(rows, rng, company, demo, uniques, next_contact)
        _favourites(rng, catalogue, company, demo)
        if "key-account" in company.row["tags"]:
            _contract_prices(rows, rng, catalogue, company, next_list)
            next_list += 1
        companies.append(company)
    return companies


def _name_pairs(rng: random.Random, count: int) -> list[tuple[int, int, int]]:
    """Distinct (root, suffix, repeat) triples; the demo companies' names are reserved."""
    reserved = {(d.root, d.suffix) for d in DEMO_COMPANIES}
    pool = [(r, s) for r in range(len(COMPANY_ROOTS)) for s in range(len(COMPANY_SUFFIXES)) if (r, s) not in reserved]
    rng.shuffle(pool)
    pairs = [(d.root, d.suffix, 1) for d in DEMO_COMPANIES]
    repeat = 1
    while len(pairs) < count:
        pairs.extend((r, s, repeat) for r, s in pool[: count - len(pairs)])
        repeat += 1
    return pairs[:count]


def _company(
    company_id: int,
    demo: DemoCompany | None,
    name: tuple[int, int, int],
    rng: random.Random,
    uniques: _Uniques,
    staff_ids: list[int],
    now: dt.datetime,
) -> CompanyInfo:
    (root_ru, root_en), suffix, repeat = COMPANY_ROOTS[name[0]], COMPANY_SUFFIXES[name[1]], name[2]
    form_ru, _form_en = rng.choice(LEGAL_FORMS) if demo is None else LEGAL_FORMS[0]
    number = f" {repeat}" if repeat > 1 else ""
    legal_name = f"{form_ru} «{root_ru}-{suffix.ru}{number}»"
    if demo is not None:
        city = next(c for c in CITIES if c.name == demo.city)
        tier, credit, days, limit = demo.tier, demo.credit, demo.payment_days, Decimal(demo.credit_limit)
        threshold = Decimal(demo.threshold) if demo.threshold else None
        loyalty, behaviour, extra_tags = demo.loyalty, demo.behaviour, demo.extra_tags
    else:
        city = rng.choices(CITIES, weights=[c.weight for c in CITIES])[0]
        tier = rng.choices(("base", "silver", "gold"), weights=(50, 30, 20))[0]
        credit = rng.random() < 0.6
        days = rng.choice((7, 14, 30, 30, 45, 60)) if credit else 0
        limit = Decimal(rng.choice((100, 150, 250, 300, 500, 750, 1000, 1500, 2000)) * 1000) if credit else Decimal(0)
        threshold = Decimal(rng.choice((50, 100, 150, 250, 500)) * 1000) if rng.random() < 0.35 else None
        loyalty = {"base": "bronze", "silver": "silver", "gold": "gold"}[tier] if rng.random() < 0.7 else "bronze"
        if credit:
            behaviour = rng.choices(("good", "overdue", "paid_up"), weights=(65, 22, 13))[0]
        else:
            behaviour = rng.choices(("prepaid", "advance"), weights=(70, 30))[0]
        extra_tags = ("key-account",) if tier == "gold" and rng.random() < 0.4 else ()
        if rng.random() < 0.1:
            extra_tags += ("new",)
    tags = sorted({*suffix.tags, *extra_tags})
    managers = MANAGERS_BY_WAREHOUSE[city.warehouse]
    manager_id = staff_ids[managers[company_id % len(managers)]]
    tax_id = legal_inn(city.tax_office, rng.randrange(100_000))
    while tax_id in uniques.tax_ids:
        tax_id = legal_inn(city.tax_office, rng.randrange(100_000))
    uniques.tax_ids.add(tax_id)
    domain = slug(f"{root_en}-{suffix.en}{number}")
    if domain in uniques.domains:
        domain = f"{domain}-{company_id}"
    uniques.domains.add(domain)
    created = now - dt.timedelta(days=rng.randint(200, 1500))
    row: Row = {
        "id": company_id, "name": legal_name, "tax_id": tax_id, "external_id": None, "price_tier": tier,
        "payment_terms": "credit" if credit else "prepayment", "payment_days": days, "credit_limit": limit,
        "approval_threshold": threshold, "currency": "RUB", "loyalty_tier": loyalty, "region": city.region,
        "city": city.name, "tags": tags, "account_manager_id": manager_id, "is_active": True,
        "created_at": created, "updated_at": created,
    }
    orders = 16 if demo is not None else rng.randint(18, 30) if "key-account" in tags else rng.randint(4, 16)
    return CompanyInfo(company_id, legal_name, tier, credit, days, threshold, loyalty, city, manager_id,
                       behaviour, orders, domain, row)


def _addresses(rows: Rows, rng: random.Random, company: CompanyInfo) -> None:
    count = 1 + (rng.random() < 0.5) + (rng.random() < 0.15)
    fitting = sorted({label for tag in company.row["tags"] for label in ADDRESS_LABELS.get(tag, ())})
    labels = ["Main office", *rng.sample(fitting or list(DEFAULT_ADDRESS_LABELS), min(count - 1, len(fitting) or 2))]
    for position, label in enumerate(labels):
        city = company.city if position < 2 else rng.choice(CITIES)
        line = f"{rng.choice(STREETS)} {rng.randint(1, 140)}"
        if rng.random() < 0.5:
            line += f", {'office' if position == 0 else 'bldg'} {rng.randint(1, 40)}"
        rows.add(CompanyAddress, {
            "company_id": company.id, "label": label if position < 2 else f"{label}, {city.name}",
            "city": city.name, "region": city.region, "line": line, "is_default": position == 0,
        })
        company.destinations.append(f"{city.name}, {line}")


def _contacts(
    rows: Rows,
    rng: random.Random,
    company: CompanyInfo,
    demo: DemoCompany | None,
    uniques: _Uniques,
    next_id: int,
) -> int:
    roles: list[str] = ["buyer"]
    if demo is not None:
        roles = [c[2] for c in demo.contacts]
    if rng.random() < 0.5:
        roles.append("buyer")
    if company.approval_threshold is not None and "approver" not in roles:
        roles.append("approver")
    if rng.random() < 0.35:
        roles.append("admin")
    for position, role in enumerate(roles):
        fixed = demo.contacts[position] if demo is not None and position < len(demo.contacts) else None
        if fixed is not None:
            name, email, _role, locale, phone = fixed
        else:
            name, email, locale = _person(rng, company.domain, uniques)
            phone = f"+79{rng.randrange(10**9):09d}"
            while phone in uniques.phones:
                phone = f"+79{rng.randrange(10**9):09d}"
            uniques.phones.add(phone)
        created = company.row["created_at"] + dt.timedelta(days=rng.randint(0, 10), hours=rng.randint(0, 23))
        rows.add(Contact, {
            "id": next_id, "company_id": company.id, "name": name, "role": role, "email": email, "phone": phone,
            "locale": locale, "external_id": None, "is_active": True, "created_at": created, "updated_at": created,
        })
        person = Person(next_id, name, role)
        if role == "approver":
            company.approver = company.approver or person
        elif role == "buyer":
            company.buyers.append(person)
        next_id += 1
    return next_id


def _person(rng: random.Random, domain: str, uniques: _Uniques) -> tuple[str, str, str]:
    female = rng.random() < 0.55
    first_ru, first_en = rng.choice(FEMALE_FIRST if female else MALE_FIRST)
    last_ru, last_en = rng.choice(SURNAMES)
    if female:
        last_ru, last_en = last_ru + "а", last_en + "a"
    locale = "en" if rng.random() < 0.25 else "ru"
    name = f"{first_en} {last_en}" if locale == "en" else f"{first_ru} {last_ru}"
    local = f"{first_en}.{last_en}".lower()
    email = f"{local}@{domain}.example"
    number = 2
    while email in uniques.emails:
        email = f"{local}{number}@{domain}.example"
        number += 1
    uniques.emails.add(email)
    return name, email, locale


def _favourites(rng: random.Random, catalogue: Catalogue, company: CompanyInfo, demo: DemoCompany | None) -> None:
    """What a company keeps buying: mostly from the categories of its trade."""
    tags = set(company.row["tags"])
    codes = [spec.code for spec in CATEGORIES if spec.code in catalogue.by_category]
    weights = [3.0 if tags & set(spec.segments) else 0.3 for spec in CATEGORIES if spec.code in catalogue.by_category]
    chosen: dict[int, ProductInfo] = {}
    if demo is not None:
        for product in catalogue.flagships:
            if product.sku in demo.favourite_skus:
                chosen[product.id] = product
    else:
        for product in rng.sample(catalogue.flagships, 3):
            chosen[product.id] = product
    wanted = len(chosen) + rng.randint(12, 40)
    for _attempt in range(wanted * 4):
        if len(chosen) >= wanted:
            break
        product = rng.choice(catalogue.by_category[rng.choices(codes, weights=weights)[0]])
        if product.is_active:
            chosen[product.id] = product
    company.favourites = list(chosen.values())


def _contract_prices(
    rows: Rows, rng: random.Random, catalogue: Catalogue, company: CompanyInfo, list_id: int
) -> None:
    """A key account's own list: agreed prices a little under its tier's at every quantity break, for what it
    buys most."""
    rows.add(PriceList, {
        "id": list_id, "code": f"company-{company.id}", "name": f"Contract prices: {company.name}",
        "currency": "RUB", "tier": None, "company_id": company.id,
    })
    tier_prices = catalogue.prices[company.tier]
    for product in company.favourites[:40]:
        share = Decimal(100 - rng.randint(2, 6)) / 100
        agreed = [(min_qty, nice_price(amount * share)) for min_qty, amount in tier_prices[product.id]]
        company.contract[product.id] = agreed
        for min_qty, amount in agreed:
            rows.add(Price, {"price_list_id": list_id, "product_id": product.id, "min_qty": min_qty, "amount": amount})
