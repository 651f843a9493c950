"""`b2bot chat` scripted through standard input against a seeded database, as a customer and as a guest."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from core.bootstrap import Core
from core.config import Settings
from core.demo import DEMO_BUYER, DEMO_PREPAID_BUYER, seed_demo_data
from core.migrate import upgrade
from core.models import Order, Product

B2BOT = str(Path(sys.executable).with_name("b2bot"))


@pytest.fixture(scope="session")
def nlu_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nlu-cache")  # trained by the first chat, loaded by the others


@pytest.fixture
async def demo(core: Core) -> Core:
    await seed_demo_data(core.uow, seed=1, products=300, companies=4)
    return core


def chat(settings: Settings, nlu_cache: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "NLU_CACHE_DIR": str(nlu_cache),
           "ENVIRONMENT": "test"}
    if settings.database_schema:
        env["DATABASE_SCHEMA"] = settings.database_schema
    return subprocess.run(  # noqa: S603 - our own console script, fed the test's script
        [B2BOT, "chat", *args], input=script, capture_output=True, text=True, env=env, timeout=300, check=False
    )


async def test_a_customer_asks_the_balance_in_english_then_in_russian(demo: Core, nlu_cache: Path) -> None:
    result = chat(demo.settings, nlu_cache, "hi\nbalance\n/lang ru\nбаланс\n", "--as", DEMO_BUYER)
    assert result.returncode == 0, result.stderr
    assert re.search(r"Balance: you owe [\d,]+\.\d\d", result.stdout)
    assert re.search(r"Баланс: ваш долг [\d\u00a0]+,\d\d", result.stdout)
    assert "[1]" in result.stdout  # buttons are numbered choices


async def test_a_guest_is_refused_the_balance_and_told_how_to_get_access(demo: Core, nlu_cache: Path) -> None:
    result = chat(demo.settings, nlu_cache, "balance\n", "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert "customer account" in result.stdout and "Request access" in result.stdout
    assert "you owe" not in result.stdout


async def test_a_customer_finds_a_product_from_the_menu(demo: Core, nlu_cache: Path) -> None:
    async with demo.uow() as uow:
        sku, name = (await uow.session.execute(select(Product.sku, Product.name).order_by(Product.id))).first()
    # Numbers press the buttons of the last reply: "1" is the menu's "Find products".
    result = chat(demo.settings, nlu_cache, f"/menu\n1\n{sku}\n", "--as", DEMO_BUYER, "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert sku in result.stdout or name in result.stdout


def test_an_unknown_contact_is_a_clear_error(settings: Settings, nlu_cache: Path) -> None:
    result = chat(settings, nlu_cache, "balance\n", "--as", "nobody@nowhere.test")
    assert result.returncode == 1
    assert "no active contact" in result.stderr


def test_an_unmigrated_database_says_to_migrate(tmp_path: Path, nlu_cache: Path) -> None:
    empty = Settings(environment="test", database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")
    result = chat(empty, nlu_cache, "balance\n")
    assert result.returncode == 1
    assert "b2bot migrate" in result.stderr


def test_a_database_behind_the_latest_migration_says_to_migrate(tmp_path: Path, nlu_cache: Path) -> None:
    behind = Settings(environment="test", database_url=f"sqlite+aiosqlite:///{tmp_path / 'behind.sqlite3'}")
    upgrade(behind, "0006")
    result = chat(behind, nlu_cache, "balance\n")
    assert result.returncode == 1
    assert "(0006)" in result.stderr and "b2bot migrate" in result.stderr and "Traceback" not in result.stderr


async def test_a_customer_searches_adds_to_the_cart_and_places_an_order(demo: Core, nlu_cache: Path) -> None:
    async with demo.uow() as uow:
        before = len(list(await uow.session.scalars(select(Order.id))))
    # Find products -> A4-80 -> "Add" (first quantity) -> Checkout -> first saved address -> cheapest option
    # -> don't spend points -> Confirm.
    script = "/menu\n1\nA4-80\n1\n2\n1\n1\n2\n1\n"
    result = chat(demo.settings, nlu_cache, script, "--as", DEMO_PREPAID_BUYER, "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert re.search(r"Order #\d+ is placed", result.stdout), result.stdout[-3000:]
    async with demo.uow() as uow:
        after = len(list(await uow.session.scalars(select(Order.id))))
    assert after == before + 1
