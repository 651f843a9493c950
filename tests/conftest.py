"""Test wiring: a migrated database per test (SQLite file copy, or a PostgreSQL schema per run)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from core.bootstrap import Core, build_core
from core.config import Settings
from core.migrate import upgrade
from core.models import Base
from core.ports import RecordingNotifier

POSTGRES_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith("postgresql")


def pytest_configure(config: pytest.Config) -> None:
    # Nothing in the tests may read the developer's .env or var/ database by accident.
    os.environ.setdefault("ENVIRONMENT", "test")


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A migrated database for the whole run: a SQLite file to copy, or a fresh PostgreSQL schema."""
    if ON_POSTGRES:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        settings = Settings(environment="test", database_url=POSTGRES_URL, database_schema=schema)
        _run_sql(POSTGRES_URL, f'CREATE SCHEMA "{schema}"')
        upgrade(settings)
        yield settings
        _run_sql(POSTGRES_URL, f'DROP SCHEMA "{schema}" CASCADE')
    else:
        path = tmp_path_factory.mktemp("db") / "template.sqlite3"
        settings = Settings(environment="test", database_url=f"sqlite+aiosqlite:///{path}")
        upgrade(settings)
        yield settings


def _run_sql(url: str, statement: str) -> None:
    import asyncio

    async def run() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.execute(text(statement))
        await engine.dispose()

    asyncio.run(run())


@pytest.fixture
def settings(database_template: Settings, tmp_path: Path) -> Settings:
    """Per-test settings on an empty, migrated database (and an empty Redis, when the run uses one)."""
    if database_template.redis_url:
        _flush_redis(database_template.redis_url)
    if ON_POSTGRES:
        return database_template.model_copy()
    path = tmp_path / "b2bot.sqlite3"
    shutil.copyfile(database_template.database_url.split("///", 1)[1], path)
    return database_template.model_copy(update={"database_url": f"sqlite+aiosqlite:///{path}"})


def _flush_redis(url: str) -> None:
    # Conversation state and locks are keyed by ids that restart with every test's database.
    from redis import Redis

    with Redis.from_url(url) as redis:
        redis.flushdb()


@pytest.fixture
async def core(settings: Settings) -> AsyncIterator[Core]:
    built = build_core(settings, notifier=RecordingNotifier())
    if ON_POSTGRES:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        async with built.engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield built
    await built.close()


@pytest.fixture
def notifier(core: Core) -> RecordingNotifier:
    assert isinstance(core.notifier, RecordingNotifier)
    return core.notifier
