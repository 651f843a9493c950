"""Demo data: deterministic by seed, believable, and consistent with the rules the services rely on."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
import re
import shutil
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from core.bootstrap import Core, build_core
from core.config import Settings
from core.demo import (
    DEMO_APPROVER,
    DEMO_BUYER,
    DEMO_OVERDUE_BUYER,
    DEMO_PREPAID_BUYER,
    DatabaseNotEmpty,
    catalogue_is_empty,
    seed_demo_data,
)
from core.demo.codes import ean13, is_valid_ean13, is_valid_legal_inn, legal_inn
from core.demo.families import CATEGORIES
from core.domain.order_states import RESERVING_STATUSES, TRANSITIONS
from core.errors import InvalidInput
from core.migrate import upgrade_async
from core.models import (
    Category,
    Company,
    Contact,
    Document,
    IncomingStock,
    LedgerEntry,
    LoyaltyEntry,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Price,
    PriceList,
    Product,
    Shipment,
    StaffUser,
    StockLevel,
    StockReservation,
    SystemState,
    Warehouse,
)
from core.services import accounts, pricing

TODAY = dt.date(2025, 3, 14)
SMALL = {"products": 300, "companies": 6}
POSTGRES_URL = os.environ.get("DATABASE_URL", "")
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


async def seed(core: Core, seed_value: int = 7) -> None:
    await seed_demo_data(core.uow, seed=seed_value, today=TODAY, **SMALL)


@pytest.fixture
async def second_core(database_template: Settings, tmp_path: Path) -> AsyncIterator[Core]:
    """Another fresh, migrated database, made the way conftest makes the first one."""
    if POSTGRES_URL.startswith("postgresql"):
        schema = f"t_{uuid.uuid4().hex[:12]}"
        settings = database_template.model_copy(update={"database_schema": schema})
        await _run_sql(f'CREATE SCHEMA "{schema}"')
        await upgrade_async(settings)
        built = build_core(settings)
        yield built
        await built.close()
        await _run_sql(f'DROP SCHEMA "{schema}" CASCADE')
    else:
        path = tmp_path / "second.sqlite3"
        shutil.copyfile(database_template.database_url.split("///", 1)[1], path)
        built = build_core(database_template.model_copy(update={"database_url": f"sqlite+aiosqlite:///{path}"}))
        yield built
        await built.close()


async def _run_sql(statement: str) -> None:
    engine = create_async_engine(POSTGRES_URL)
    async with engine.begin() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


async def digest(core: Core) -> str:
    """A fingerprint of what a user of the demo would see: catalogue, prices, customers, money, orders."""
    queries = (
        select(Product.sku, Product.name, Product.name_ru, Product.unit, Product.pack_size, Product.min_order_qty,
               Product.weight_kg, Product.barcode, Product.is_active, Product.synonyms).order_by(Product.sku),
        select(PriceList.code, Product.sku, Price.min_qty, Price.amount)
        .join(PriceList, PriceList.id == Price.price_list_id).join(Product, Product.id == Price.product_id)
        .order_by(PriceList.code, Product.sku, Price.min_qty),
        select(StockLevel.product_id, StockLevel.warehouse_id, StockLevel.on_hand, StockLevel.reserved)
        .order_by(StockLevel.product_id, StockLevel.warehouse_id),
        select(Company.name, Company.tax_id, Company.price_tier, Company.credit_limit, Company.tags)
        .order_by(Company.id),
        select(Contact.email, Contact.phone, Contact.name, Contact.locale).order_by(Contact.id),
        select(LedgerEntry.company_id, LedgerEntry.kind, LedgerEntry.number, LedgerEntry.amount,
               LedgerEntry.occurred_on, LedgerEntry.due_on).order_by(LedgerEntry.number),
        select(Order.id, Order.company_id, Order.status, Order.total, Order.created_at).order_by(Order.id),
        select(LoyaltyEntry.company_id, LoyaltyEntry.points, LoyaltyEntry.occurred_at)
        .order_by(LoyaltyEntry.company_id, LoyaltyEntry.occurred_at, LoyaltyEntry.points),
    )
    fingerprint = hashlib.sha256()
    async with core.uow() as uow:
        for query in queries:
            for row in await uow.session.execute(query):
                fingerprint.update(repr(tuple(row)).encode())
    return fingerprint.hexdigest()


async def balances(core: Core) -> dict[int, tuple[Decimal, Decimal]]:
    """(balance, overdue) per company: overdue is what invoices due before today leave unpaid."""
    async with core.uow() as uow:
        entries = (await uow.session.scalars(select(LedgerEntry))).all()
    owed: dict[int, Decimal] = defaultdict(Decimal)
    due: dict[int, Decimal] = defaultdict(Decimal)
    paid: dict[int, Decimal] = defaultdict(Decimal)
    for entry in entries:
        if entry.kind == "invoice":
            owed[entry.company_id] += entry.amount
            if entry.due_on is not None and entry.due_on < TODAY:
                due[entry.company_id] += entry.amount
        else:
            paid[entry.company_id] += entry.amount
    return {
        company: (owed[company] - paid[company], max(due[company] - paid[company], Decimal(0)))
        for company in set(owed) | set(paid)
    }


async def test_same_seed_gives_the_same_supplier_in_two_fresh_databases(core: Core, second_core: Core) -> None:
    await seed(core)
    await seed(second_core)
    assert await digest(core) == await digest(second_core)


async def test_another_seed_gives_another_supplier(core: Core, second_core: Core) -> None:
    await seed(core, 7)
    await seed(second_core, 8)
    assert await digest(core) != await digest(second_core)


async def test_summary_counts_what_was_written(core: Core) -> None:
    summary = await seed_demo_data(core.uow, seed=1, today=TODAY, **SMALL)
    async with core.uow() as uow:
        count = {
            model: await uow.session.scalar(select(func.count()).select_from(model))
            for model in (Product, Category, Warehouse, Company, Contact, Order)
        }
    assert (summary.products, summary.companies) == (300, 6)
    assert summary.products == count[Product] and summary.categories == count[Category] >= 20
    assert summary.warehouses == count[Warehouse] == 4
    assert summary.contacts == count[Contact] and summary.orders == count[Order] > 20
    assert str(summary).startswith("300 products in 25 categories, 4 warehouses, 6 companies")


async def test_catalogue_is_bilingual_with_consistent_pack_rules_and_valid_barcodes(core: Core) -> None:
    await seed(core)
    async with core.uow() as uow:
        products = (await uow.session.scalars(select(Product))).all()
        categories = (await uow.session.scalars(select(Category))).all()
    assert all(c.name and c.name_ru and CYRILLIC.search(c.name_ru) for c in categories)
    assert all(p.name_ru and CYRILLIC.search(p.name_ru) and not CYRILLIC.search(p.name) for p in products)
    assert all(p.min_order_qty % p.pack_size == 0 and p.weight_kg > 0 for p in products)
    assert {p.unit for p in products} >= {"pcs", "pack", "box", "roll"}
    barcodes = [p.barcode for p in products if p.barcode]
    assert len(barcodes) > len(products) // 2 and all(is_valid_ean13(b) for b in barcodes)
    assert len(set(barcodes)) == len(barcodes)
    assert any(not p.is_active for p in products)
    paper = next(p for p in products if p.sku == "A4-80")
    assert paper.name_ru == "Бумага офисная А4 80 г/м², 500 листов"
    assert {"A4 paper", "бумага для принтера", "ксероксная бумага"} <= set(paper.synonyms)


async def test_every_product_has_tier_prices_cheaper_for_better_tiers(core: Core) -> None:
    await seed(core)
    async with core.uow() as uow:
        lists = {pl.code: pl for pl in (await uow.session.scalars(select(PriceList))).all()}
        rows = (await uow.session.execute(
            select(Price.product_id, PriceList.code, Price.min_qty, Price.amount)
            .join(PriceList, PriceList.id == Price.price_list_id)
        )).all()
        product_ids = set((await uow.session.scalars(select(Product.id))).all())
    first: dict[tuple[int, str], Decimal] = {(pid, code): amount for pid, code, qty, amount in rows if qty == 1}
    breaks = {(pid, code) for pid, code, qty, _ in rows if qty > 1}
    for pid in product_ids:
        assert first[(pid, "tier-gold")] <= first[(pid, "tier-silver")] < first[(pid, "tier-base")]
    assert len({pid for pid, code in breaks if code == "tier-base"}) > len(product_ids) // 4
    company_lists = [pl for pl in lists.values() if pl.company_id is not None]
    assert company_lists and all(pl.tier is None for pl in company_lists)


async def test_pricing_service_gives_the_demo_buyer_its_contract_price(core: Core) -> None:
    await seed(core)
    async with core.uow() as uow:
        company = await uow.session.scalar(select(Company).where(Company.id == 1))
        paper = await uow.session.scalar(select(Product).where(Product.sku == "A4-80"))
        assert company is not None and paper is not None
        price = (await pricing.prices_for(uow.session, company, [paper.id]))[paper.id]
        gold = (await uow.session.execute(
            select(Price.min_qty, Price.amount).join(PriceList)
            .where(PriceList.code == "tier-gold", Price.product_id == paper.id)
        )).all()
    assert price.price_list == "company-1" and len(gold) > 1
    # Under the tier at every quantity break, so a big order never costs more than the tier's list would ask.
    assert all(price.unit_price(min_qty) < amount for min_qty, amount in gold)


async def test_every_order_status_appears_and_each_history_follows_the_state_machine(core: Core) -> None:
    await seed(core)
    async with core.uow() as uow:
        orders = (await uow.session.scalars(select(Order))).all()
        events = (await uow.session.scalars(select(OrderEvent).order_by(OrderEvent.order_id, OrderEvent.id))).all()
        shipped_ids = set((await uow.session.scalars(select(Shipment.order_id))).all())
        lines = set((await uow.session.scalars(select(OrderLine.order_id))).all())
    assert {o.status for o in orders} == set(OrderStatus)
    history = {oid: list(group) for oid, group in itertools.groupby(events, key=lambda e: e.order_id)}
    for order in orders:
        steps = history[order.id]
        assert steps[0].status == OrderStatus.PLACED and steps[-1].status == order.status
        assert all(b.status in TRANSITIONS[a.status] and a.at <= b.at for a, b in itertools.pairwise(steps))
        assert all(e.at < dt.datetime.combine(TODAY, dt.time(), dt.UTC) for e in steps)
        assert order.id in lines and order.total == order.subtotal - order.discount + order.delivery_cost
        went_out = any(e.status == OrderStatus.SHIPPED for e in steps)
        assert (order.id in shipped_ids) == went_out
    keys = [(o.company_id, o.idempotency_key) for o in orders]
    assert len(set(keys)) == len(keys)


async def test_open_orders_hold_exactly_the_units_stock_levels_show_reserved(core: Core) -> None:
    await seed(core)
    async with core.uow() as uow:
        held = (await uow.session.execute(
            select(StockReservation, OrderLine.quantity, Order.status)
            .join(OrderLine, OrderLine.id == StockReservation.order_line_id)
            .join(Order, Order.id == OrderLine.order_id)
        )).all()
        levels = (await uow.session.scalars(select(StockLevel))).all()
        open_lines = (await uow.session.execute(
            select(OrderLine.id, OrderLine.quantity).join(Order).where(Order.status.in_(RESERVING_STATUSES))
        )).all()
    by_level: dict[tuple[int, int], int] = defaultdict(int)
    by_line: dict[int, int] = defaultdict(int)
    for reservation, _quantity, status in held:
        assert status in RESERVING_STATUSES
        assert reservation.released_at is None and reservation.consumed_at is None
        by_level[(reservation.product_id, reservation.warehouse_id)] += reservation.quantity
        by_line[reservation.order_line_id] += reservation.quantity
    assert held, "the demo should have open orders holding stock"
    assert {(lv.product_id, lv.warehouse_id): lv.reserved for lv in levels if lv.reserved} == dict(by_level)
    assert all(0 <= lv.reserved <= lv.on_hand for lv in levels)
    assert dict(by_line) == dict(open_lines)


async def test_stock_has_out_of_stock_items_with_incoming_goods_and_low_stock(core: Core) -> None:
    await seed_demo_data(core.uow, seed=3, products=2000, companies=3, today=TODAY)
    async with core.uow() as uow:
        on_hand = {pid: units for pid, units in await uow.session.execute(
            select(Product.id, func.coalesce(func.sum(StockLevel.on_hand), 0))
            .outerjoin(StockLevel, StockLevel.product_id == Product.id).group_by(Product.id)
        )}
        per_product_warehouses = (await uow.session.execute(
            select(StockLevel.product_id, func.count()).where(StockLevel.on_hand > 0).group_by(StockLevel.product_id)
        )).all()
        incoming = set((await uow.session.scalars(select(IncomingStock.product_id))).all())
        etas = (await uow.session.scalars(select(IncomingStock.eta))).all()
    out = {pid for pid, units in on_hand.items() if units == 0}
    assert len(out) > 20 and out & incoming
    assert {count for _, count in per_product_warehouses} >= {1, 2, 3}
    assert all(eta > TODAY for eta in etas)


async def test_demo_logins_exist_with_the_documented_terms(core: Core) -> None:
    await seed(core)
    async with core.uow() as uow:
        contacts = {
            c.email: c for c in (await uow.session.scalars(select(Contact).where(Contact.email.like("%@demo.b2bot"))))
        }
        companies = {c.id: c for c in (await uow.session.scalars(select(Company))).all()}
        staff_roles = {s.role for s in (await uow.session.scalars(select(StaffUser))).all()}
    money = await balances(core)
    buyer, approver = contacts[DEMO_BUYER], contacts[DEMO_APPROVER]
    first = companies[buyer.company_id]
    assert approver.company_id == first.id and approver.role == "approver" and buyer.role == "buyer"
    assert (first.price_tier, first.payment_terms, first.approval_threshold) == ("gold", "credit", Decimal(150_000))
    assert money[first.id][0] < first.credit_limit and money[first.id][1] == 0
    prepaid = companies[contacts[DEMO_PREPAID_BUYER].company_id]
    assert prepaid.payment_terms == "prepayment" and money[prepaid.id][0] < 0
    debtor = companies[contacts[DEMO_OVERDUE_BUYER].company_id]
    assert debtor.payment_terms == "credit" and money[debtor.id][1] > 0
    assert len({buyer.company_id, prepaid.id, debtor.id}) == 3
    assert staff_roles == {"manager", "marketer", "admin"}
    assert all(c.account_manager_id is not None for c in companies.values())


async def test_the_documented_buyer_has_credit_left_in_the_demo_that_make_run_seeds(core: Core) -> None:
    # `b2bot seed-demo`'s own sizes and seed: in a big catalogue a picked line could be eighty mop trolleys.
    await seed_demo_data(core.uow, seed=42, products=5000, companies=50, today=TODAY)
    async with core.uow() as uow:
        company = await uow.session.scalar(select(Company).join(Contact).where(Contact.email == DEMO_BUYER))
        assert company is not None
        assert await accounts.available_credit(uow.session, company) >= company.credit_limit / 10


async def test_customers_have_unique_valid_tax_ids_emails_and_phones(core: Core) -> None:
    await seed_demo_data(core.uow, seed=5, products=100, companies=120, today=TODAY)
    async with core.uow() as uow:
        companies = (await uow.session.scalars(select(Company))).all()
        contacts = (await uow.session.scalars(select(Contact))).all()
    assert len(companies) == 120 and all(is_valid_legal_inn(c.tax_id) for c in companies)
    assert {c.payment_terms for c in companies} == {"credit", "prepayment"}
    assert all(c.phone and re.fullmatch(r"\+7\d{10}", c.phone) for c in contacts)
    assert {c.locale for c in contacts} == {"en", "ru"}
    assert {c.role for c in contacts} == {"buyer", "approver", "admin"}
    money = await balances(core)
    assert any(overdue > 0 for _, overdue in money.values())
    assert any(balance == 0 for balance, _ in money.values())
    assert any(balance < 0 for balance, _ in money.values())


async def test_loyalty_points_never_go_negative_and_old_lots_expire(core: Core) -> None:
    await seed_demo_data(core.uow, seed=11, products=300, companies=30, today=TODAY)
    async with core.uow() as uow:
        entries = (await uow.session.scalars(
            select(LoyaltyEntry).order_by(LoyaltyEntry.company_id, LoyaltyEntry.occurred_at, LoyaltyEntry.points.desc())
        )).all()
    assert {e.kind for e in entries} == {"accrual", "redemption", "expiry"}
    for _company, group in itertools.groupby(entries, key=lambda e: e.company_id):
        running = list(itertools.accumulate(e.points for e in group))
        assert min(running) >= 0
    expired = [e for e in entries if e.kind == "expiry"]
    assert all(e.occurred_at < dt.datetime.combine(TODAY, dt.time(), dt.UTC) for e in expired)


async def test_corporate_materials_are_shared_documents(core: Core) -> None:
    await seed(core)
    async with core.uow() as uow:
        documents = (await uow.session.scalars(select(Document))).all()
    assert documents and all(d.kind == "material" and d.company_id is None for d in documents)
    by_name = {d.filename: d for d in documents}
    assert by_name["company-profile.pdf"].content.startswith(b"%PDF-")
    assert b"A4-80" in by_name["price-list.csv"].content


async def test_seeding_marks_the_catalogue_version_and_leaves_ids_usable(core: Core) -> None:
    await seed(core)
    async with core.uow() as uow:
        version = await uow.session.get(SystemState, "catalog_version")
        category = Category(name="Added later", name_ru="Добавлена позже")
        uow.session.add(category)
        await uow.session.flush()
        largest = await uow.session.scalar(select(func.max(Category.id)).where(Category.id != category.id))
    assert version is not None and version.value == 1
    assert largest is not None and category.id > largest


async def test_a_second_seed_is_refused_and_changes_nothing(core: Core) -> None:
    assert await catalogue_is_empty(core.uow)
    await seed(core)
    before = await digest(core)
    assert not await catalogue_is_empty(core.uow)
    with pytest.raises(DatabaseNotEmpty) as refused:
        await seed(core, 99)
    assert "products" in refused.value.details["tables"]
    assert await digest(core) == before


@pytest.mark.parametrize("sizes", [{"products": 10, "companies": 6}, {"products": 300, "companies": 2}])
async def test_absurd_sizes_are_refused(core: Core, sizes: dict[str, int]) -> None:
    with pytest.raises(InvalidInput):
        await seed_demo_data(core.uow, seed=1, today=TODAY, **sizes)
    assert await catalogue_is_empty(core.uow)


def test_generated_codes_carry_valid_check_digits() -> None:
    assert is_valid_legal_inn("7707083893")  # a real bank's tax id
    assert not is_valid_legal_inn("7707083894")
    assert is_valid_legal_inn(legal_inn(1655, 12345))
    assert ean13("400", 638133393) == "4006381333931"  # a published example
    assert is_valid_ean13(ean13("460", 123456789)) and not is_valid_ean13("4601234567890")


def test_every_family_names_all_its_attributes_in_both_languages() -> None:
    prefixes = [fam.prefix for spec in CATEGORIES for fam in spec.families]
    assert len(prefixes) == len(set(prefixes)) and len(CATEGORIES) >= 20
    for spec in CATEGORIES:
        for fam in spec.families:
            options = fam.choose(fam.capacity - 1)
            assert "{" not in fam.en.format(*(o.en for o in options))
            assert "{" not in fam.ru.format(*(o.ru for o in options))
            for axis_index in range(len(fam.axes)):
                assert f"{{{axis_index}}}" in fam.en and f"{{{axis_index}}}" in fam.ru


@pytest.mark.parametrize(("seed", "today"), [(42, dt.date(2026, 12, 1)), (42, TODAY), (7, dt.date(2026, 6, 30))])
async def test_the_documented_debtor_has_overdue_invoices_whatever_the_seed(core: Core, seed: int,
                                                                             today: dt.date) -> None:
    await seed_demo_data(core.uow, seed=seed, products=100, companies=10, today=today)
    async with core.uow() as uow:
        company = await uow.session.scalar(
            select(Company).join(Contact, Contact.company_id == Company.id).where(Contact.email == "buyer3@demo.b2bot"))
        assert company is not None
        entries = (await uow.session.scalars(select(LedgerEntry).where(LedgerEntry.company_id == company.id))).all()
    overdue, oldest = accounts.overdue_fifo(entries, company.payment_days, today)
    assert overdue > 0 and oldest is not None and oldest < today
