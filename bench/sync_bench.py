"""Sync benchmark: 10,000 products and 10,000 stock rows through the admin API, first and repeated.

Run `python -m bench.sync_bench`; `run()` returns rows {"figure", "target", "measured", "pass"}.
The database is a fresh SQLite file, or a fresh schema of DATABASE_URL when it names PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from admin_api.main import create_admin_api
from core.bootstrap import build_core
from core.config import Settings
from core.migrate import upgrade_async
from core.services import apikeys

ROWS = 10_000
TARGET_SECONDS = 10.0


def _row(figure: str, seconds: float, target: float = TARGET_SECONDS) -> dict[str, Any]:
    return {"figure": figure, "target": f"<= {target:.0f} s", "measured": f"{seconds:.2f} s", "pass": seconds <= target}


async def _bench(settings: Settings) -> list[dict[str, Any]]:
    await upgrade_async(settings)
    core = build_core(settings)
    api = create_admin_api(core, rate_burst=1_000_000, rate_per_second=1_000_000)
    async with core.uow() as uow:
        key = await apikeys.create_api_key(uow.session, name="bench", scopes=["sync"],
                                           server_secret=core.settings.secret_key.get_secret_value(),
                                           now=core.clock.now())
        await uow.commit()
    products = [
        {"external_id": f"p{i}", "sku": f"SKU-{i:05d}", "name": f"Product {i}", "synonyms": [f"item {i}"],
         "unit": "pcs", "pack_size": 1 + i % 10, "min_order_qty": 1 + i % 10, "weight_kg": "1.250",
         "category_external_id": f"c{i % 50}"}
        for i in range(ROWS)
    ]
    stock = [{"product_external_id": f"p{i}", "warehouse_external_id": "w1", "on_hand": i % 500} for i in range(ROWS)]
    transport = httpx.ASGITransport(app=api)
    rows: list[dict[str, Any]] = []
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=300,
                                     headers={"Authorization": f"Bearer {key.secret}"}) as client:
            await client.post("/catalog/categories", json={"rows": [
                {"external_id": f"c{i}", "name": f"Category {i}"} for i in range(50)]})
            await client.post("/catalog/warehouses", json={"rows": [
                {"external_id": "w1", "code": "W1", "name": "Main", "city": "Moscow", "address": "1 Street"}]})
            for figure, path, body in (
                ("sync 10,000 products (new)", "/catalog/products", products),
                ("sync 10,000 products (repeat, no change)", "/catalog/products", products),
                ("sync 10,000 stock rows (new)", "/stock", stock),
                ("sync 10,000 stock rows (all changed)", "/stock", [{**r, "on_hand": r["on_hand"] + 1} for r in stock]),
            ):
                started = time.perf_counter()
                response = await client.post(path, json={"rows": body})
                elapsed = time.perf_counter() - started
                report = response.json()
                assert response.status_code == 200 and not report["rejected"], report
                rows.append(_row(f"{figure} [{core.engine.dialect.name}]", elapsed))
    finally:
        await core.close()
    return rows


def run() -> list[dict[str, Any]]:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        asyncio.run(_sql(url, f'CREATE SCHEMA "{schema}"'))
        try:
            return asyncio.run(_bench(Settings(environment="test", database_url=url, database_schema=schema)))
        finally:
            asyncio.run(_sql(url, f'DROP SCHEMA "{schema}" CASCADE'))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        return asyncio.run(_bench(Settings(environment="test", database_url=f"sqlite+aiosqlite:///{path}")))


async def _sql(url: str, statement: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


if __name__ == "__main__":
    for result in run():
        print(f"{result['figure']:<60} {result['measured']:>10}  target {result['target']}  pass={result['pass']}")
