"""Checkout contention: many purchasers check out at once, competing for a few units of one product.

Each of CHECKOUTS purchasers (contacts of COMPANIES companies, so some wait for their company's lock) has one
unit of the same product in the cart; UNITS are in stock. All check out at the same moment through the order
service's real `place_order`, each in its own unit of work, and every DOUBLE_TAP-th purchaser taps twice
with the same idempotency key at the same time. Afterwards: exactly UNITS units sold, no key with two orders,
stock reserved equal to units sold, and the rate of checkouts answered (placed or refused) per second.

Run `python -m bench.checkout_bench`; environment: BENCH_CHECKOUTS (500), BENCH_CHECKOUT_UNITS (100),
BENCH_CHECKOUT_COMPANIES (250). PostgreSQL is measured too when DATABASE_URL names it.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench.harness import Backend, backend, backends, env_int, median, percentile, row
from core.bootstrap import build_core
from core.domain.access import Actor
from core.errors import DomainError
from core.migrate import upgrade_async
from core.models import (
    Cart,
    CartLine,
    Company,
    Contact,
    ContactRole,
    Order,
    OrderLine,
    PaymentTerms,
    Price,
    PriceList,
    Product,
    StockLevel,
    Warehouse,
)
from core.services import orders

TARGET_PER_SECOND = 200.0
DOUBLE_TAP = 5


async def _seed(bk: Backend, checkouts: int, units: int, companies: int) -> list[Actor]:
    core = build_core(bk.settings())
    try:
        async with core.uow() as uow:
            session = uow.session
            warehouse = Warehouse(code="CB", name="Contention", city="Moscow", address="1 Bench St")
            price_list = PriceList(code="tier-base", name="Base", tier="base", currency="RUB")
            product = Product(sku="HOT-1", name="The product everyone wants", unit="pcs", pack_size=1,
                              min_order_qty=1, weight_kg=Decimal("1.000"))
            session.add_all([warehouse, price_list, product])
            await session.flush()
            session.add_all([StockLevel(product_id=product.id, warehouse_id=warehouse.id, on_hand=units),
                             Price(price_list_id=price_list.id, product_id=product.id, min_qty=1,
                                   amount=Decimal("100.00"))])
            company_ids = list((await session.scalars(insert(Company).returning(Company.id), [
                {"name": f"Bench {n}", "tax_id": f"78{n:08d}", "price_tier": "base",
                 "payment_terms": PaymentTerms.CREDIT, "payment_days": 14, "credit_limit": Decimal("1000000"),
                 "currency": "RUB", "city": "Moscow", "region": "Moscow"} for n in range(companies)])).all())
            contacts = [(company_ids[n % companies], n) for n in range(checkouts)]
            contact_ids = list((await session.scalars(insert(Contact).returning(Contact.id), [
                {"company_id": company_id, "name": f"Buyer {n}", "email": f"b{n}@bench.test",
                 "role": ContactRole.BUYER} for company_id, n in contacts])).all())
            cart_ids = list((await session.scalars(insert(Cart).returning(Cart.id), [
                {"contact_id": contact_id, "company_id": company_id}
                for contact_id, (company_id, _n) in zip(contact_ids, contacts, strict=True)])).all())
            await session.execute(insert(CartLine), [
                {"cart_id": cart_id, "product_id": product.id, "quantity": 1} for cart_id in cart_ids])
            await uow.commit()
        return [Actor(contact_id=contact_id, company_id=company_id, role=ContactRole.BUYER)
                for contact_id, (company_id, _n) in zip(contact_ids, contacts, strict=True)]
    finally:
        await core.close()


async def _bench(bk: Backend, checkouts: int, units: int, companies: int) -> list[dict[str, Any]]:
    await upgrade_async(bk.settings())
    actors = await _seed(bk, checkouts, units, companies)
    core = build_core(bk.settings())
    # As `b2bot serve` does (b2bot.app): what start-up built leaves the collector's sight, so a full collection
    # during the burst walks the burst's objects only, not every module, mapper and seeded row besides.
    gc.collect()
    gc.freeze()
    placed = refused = failed = 0
    latencies: list[float] = []
    gate = asyncio.Event()

    async def checkout(actor: Actor, key: str) -> None:
        nonlocal placed, refused, failed
        await gate.wait()
        started = time.perf_counter()
        try:
            async with core.uow() as uow:
                result = await orders.place_order(uow, actor, key, core.settings, core.clock, channel="telegram")
                await uow.commit()
            placed += result.created
        except DomainError:  # out of stock: the answer most get
            refused += 1
        except Exception as error:  # counted and shown: any other failure fails the figure
            failed += 1
            if failed <= 3:
                print(f"checkout failed: {type(error).__name__}: {error}", file=sys.stderr)
        latencies.append(time.perf_counter() - started)

    tasks = [asyncio.create_task(checkout(actor, f"bench-{n}")) for n, actor in enumerate(actors)]
    tasks += [asyncio.create_task(checkout(actor, f"bench-{n}")) for n, actor in enumerate(actors)
              if n % DOUBLE_TAP == 0]
    await asyncio.sleep(0.1)
    started, cpu_started = time.perf_counter(), time.process_time()
    gate.set()
    await asyncio.gather(*tasks)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started

    async with core.uow() as uow:
        session = uow.session
        sold = await session.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0))) or 0
        order_count = await session.scalar(select(func.count(Order.id))) or 0
        duplicates = await session.scalar(select(func.count()).select_from(
            select(Order.idempotency_key).group_by(Order.company_id, Order.idempotency_key)
            .having(func.count() > 1).subquery())) or 0
        reserved = await session.scalar(select(func.sum(StockLevel.reserved))) or 0
    await core.close()
    gc.unfreeze()
    label = f"[{bk.name}]"
    rate = checkouts / elapsed
    target = f">= {TARGET_PER_SECOND:g}" if bk.is_postgres else "report"
    ms = [s * 1000 for s in latencies]
    return [
        row(f"checkout: units sold of {units}, {checkouts} concurrent checkouts {label}", f"== {units}", sold,
            sold == units and reserved == units and order_count == units),
        row(f"checkout: duplicate orders ({checkouts // DOUBLE_TAP} double taps) {label}", "== 0", duplicates,
            duplicates == 0),
        row(f"checkout: other failures {label}", "== 0", failed, failed == 0),
        row(f"checkouts/s, all answered {label}", target, round(rate, 1),
            rate >= TARGET_PER_SECOND or not bk.is_postgres),
        row(f"checkout latency p50 / p99 ms under the burst {label}", "report",
            f"{median(ms):.0f} / {percentile(ms, 99):.0f}"),
        row(f"app CPU ms per checkout (this process: services, ORM, driver) {label}", "report",
            cpu / len(tasks) * 1000),
        row(f"app CPU use during the burst (1.0 = one core) {label}", "report", cpu / elapsed),
    ]


def run() -> list[dict[str, Any]]:
    checkouts = env_int("BENCH_CHECKOUTS", 500)
    units = env_int("BENCH_CHECKOUT_UNITS", 100)
    companies = env_int("BENCH_CHECKOUT_COMPANIES", 250)
    rows: list[dict[str, Any]] = []
    for kind in backends():
        with tempfile.TemporaryDirectory(prefix="checkout-bench-") as tmp, backend(kind, Path(tmp)) as bk:
            rows += asyncio.run(_bench(bk, checkouts, units, companies))
    return rows


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(run())
