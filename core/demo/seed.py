"""`seed_demo_data`: a whole believable supplier, deterministic by seed, written in one transaction."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.demo.catalog import build_catalogue
from core.demo.companies import build_companies, build_staff
from core.demo.history import build_history
from core.demo.ledger import build_ledger
from core.demo.materials import build_materials
from core.demo.rows import Rows, table_of, write_rows
from core.errors import InvalidInput
from core.models import (
    Base,
    Category,
    Company,
    Contact,
    Document,
    LedgerEntry,
    Order,
    PriceList,
    Product,
    StaffUser,
    StockLevel,
    SystemState,
    Warehouse,
)
from core.uow import UnitOfWorkFactory

MAX_PRODUCTS = 1_000_000
MAX_COMPANIES = 10_000
MIN_PRODUCTS = 100
MIN_COMPANIES = 3  # the three documented demo companies
# Tables whose rows the seed numbers itself; any row there means someone else's data.
MUST_BE_EMPTY: tuple[type[Base], ...] = (
    Category, Product, Warehouse, PriceList, Company, Contact, Order, LedgerEntry, Document,
)
CATALOG_VERSION = "catalog_version"


class DatabaseNotEmpty(InvalidInput):
    """The demo supplier goes into an empty database only; it never mixes with real or earlier data."""

    code = "demo_database_not_empty"


@dataclass(frozen=True, slots=True)
class DemoSummary:
    products: int
    categories: int
    warehouses: int
    companies: int
    contacts: int
    orders: int

    def __str__(self) -> str:
        return (
            f"{self.products} products in {self.categories} categories, {self.warehouses} warehouses, "
            f"{self.companies} companies, {self.contacts} contacts, {self.orders} orders"
        )


async def catalogue_is_empty(uow_factory: UnitOfWorkFactory) -> bool:
    async with uow_factory() as uow:
        return await uow.session.scalar(select(Product.id).limit(1)) is None


async def seed_demo_data(
    uow_factory: UnitOfWorkFactory,
    *,
    seed: int,
    products: int,
    companies: int,
    today: dt.date | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo supplier. The same seed on the same day (`today`, default
    the current date, anchors every date) gives the same rows. Raises `DatabaseNotEmpty` if any
    catalogue, customer, order or ledger row exists, `InvalidInput` for sizes out of range."""
    if not MIN_PRODUCTS <= products <= MAX_PRODUCTS:
        raise InvalidInput("products must be between 100 and 1,000,000", products=products)
    if not MIN_COMPANIES <= companies <= MAX_COMPANIES:
        raise InvalidInput("companies must be between 3 and 10,000", companies=companies)
    anchor = today or dt.date.today()
    async with uow_factory() as uow:
        await _refuse_unless_empty(uow.session)
        staff = {email: id_ for email, id_ in await uow.session.execute(select(StaffUser.email, StaffUser.id))}
        first_staff_id = (await uow.session.scalar(select(func.max(StaffUser.id))) or 0) + 1
    # Generating is pure CPU work: in a thread, with no transaction held open, the event loop stays free.
    rows = await asyncio.to_thread(_generate, seed, products, companies, anchor, first_staff_id, staff)
    async with uow_factory() as uow:
        await _refuse_unless_empty(uow.session)  # someone may have filled it meanwhile
        await write_rows(uow.session, rows)
        await _bump_catalog_version(uow.session)
        await uow.commit()
    return DemoSummary(
        products=rows.count(Product),
        categories=rows.count(Category),
        warehouses=rows.count(Warehouse),
        companies=rows.count(Company),
        contacts=rows.count(Contact),
        orders=rows.count(Order),
    )


def _generate(
    seed: int, products: int, companies: int, today: dt.date, first_staff_id: int, staff: dict[str, int]
) -> Rows:
    """Every row of the demo, in memory. Each part draws from its own stream, so e.g. a different number
    of companies leaves the catalogue unchanged."""
    rows = Rows()
    catalogue = build_catalogue(rows, _stream(seed, "catalogue"), products=products, today=today)
    staff_ids = build_staff(rows, first_id=first_staff_id, existing=staff, today=today)
    customers = build_companies(
        rows, _stream(seed, "companies"), catalogue, count=companies, staff_ids=staff_ids, today=today
    )
    orders = build_history(rows, _stream(seed, "history"), catalogue, customers, today=today)
    build_ledger(rows, _stream(seed, "ledger"), customers, orders, today=today)
    build_materials(rows, catalogue, today=today)
    rows.extend(StockLevel, catalogue.stock_rows())  # last: open orders have reserved their units by now
    return rows


def _stream(seed: int, part: str) -> random.Random:
    # Reproducible demo data is the point; a string seed is hashed the same way on every run.
    return random.Random(f"{seed}:{part}")  # noqa: S311 - not for security


async def _refuse_unless_empty(session: AsyncSession) -> None:
    occupied = [
        table_of(model).name
        for model in MUST_BE_EMPTY
        if await session.scalar(select(func.count()).select_from(select(table_of(model)).limit(1).subquery()))
    ]
    if occupied:
        raise DatabaseNotEmpty(
            "demo data goes into an empty database only, and this one already has data "
            f"({', '.join(occupied)}); use a fresh database, or `b2bot seed-demo --if-empty` to skip",
            tables=occupied,
        )


async def _bump_catalog_version(session: AsyncSession) -> None:
    """Tell every replica's catalogue index that the catalogue changed."""
    state = await session.get(SystemState, CATALOG_VERSION)
    if state is None:
        session.add(SystemState(name=CATALOG_VERSION, value=1))
    else:
        state.value += 1
    await session.flush()
