"""SQLite on the event loop's thread: writers take turns without blocking the loop, and nothing is lost.

These run on a SQLite file of their own whatever DATABASE_URL says: they are about the embedded driver.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from core import sqlite_inloop
from core.config import Settings
from core.db import create_engine, create_session_factory


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(Settings(environment="test", database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"))
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, writer INTEGER, step INTEGER)"))
    yield engine
    await engine.dispose()


async def _count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT count(*) FROM notes"))).scalar_one())


async def test_runs_on_the_loop_thread_with_wal(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.driver_connection, sqlite_inloop.InLoopConnection)
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1


async def test_concurrent_writers_that_pause_mid_transaction_all_commit(engine: AsyncEngine,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each writer holds its transaction open across an await; the others queue at the gate, so none of them
    ever finds SQLite's lock taken (a retry would sleep ten seconds here)."""
    monkeypatch.setattr(sqlite_inloop, "_RETRY_FIRST_S", 10.0)
    sessions = create_session_factory(engine)

    async def writer(n: int) -> None:
        async with sessions() as session:
            await session.execute(text("INSERT INTO notes (writer, step) VALUES (:w, 1)"), {"w": n})
            await asyncio.sleep(0.005)
            await session.execute(text("INSERT INTO notes (writer, step) VALUES (:w, 2)"), {"w": n})
            await session.commit()

    await asyncio.wait_for(asyncio.gather(*(writer(n) for n in range(20))), 5.0)
    assert await _count(engine) == 40


async def test_readers_do_not_wait_for_a_writer(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    async with sessions() as writing:
        await writing.execute(text("INSERT INTO notes (writer, step) VALUES (1, 1)"))
        # The write transaction is open: a reader sees the committed state at once (WAL), without the row.
        assert await asyncio.wait_for(_count(engine), 1.0) == 0
        await writing.commit()
    assert await _count(engine) == 1


async def test_a_rolled_back_writer_lets_the_next_one_in(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    async with sessions() as failing:
        await failing.execute(text("INSERT INTO notes (writer, step) VALUES (1, 1)"))
        with pytest.raises(OperationalError):
            await failing.execute(text("INSERT INTO no_such_table VALUES (1)"))
        await failing.rollback()
    async with sessions() as next_one:
        await asyncio.wait_for(next_one.execute(text("INSERT INTO notes (writer, step) VALUES (2, 1)")), 1.0)
        await next_one.commit()
    assert await _count(engine) == 1


async def test_a_lock_held_by_another_process_is_waited_for_without_blocking_the_loop(
        engine: AsyncEngine, tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "db.sqlite3", check_same_thread=False, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO notes (writer, step) VALUES (0, 0)")
    release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    release.start()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beating = asyncio.create_task(ticker())
    try:
        async with create_session_factory(engine)() as session:
            await session.execute(text("INSERT INTO notes (writer, step) VALUES (1, 1)"))
            await session.commit()
    finally:
        beating.cancel()
        release.join()
        other.close()
    assert await _count(engine) == 2
    assert ticks >= 10  # the loop ran on while the statement waited for the other process's lock


async def test_a_writer_gives_up_when_the_gate_stays_taken(engine: AsyncEngine,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_inloop, "BUSY_TIMEOUT_S", 0.2)
    sessions = create_session_factory(engine)
    async with sessions() as holder:
        await holder.execute(text("INSERT INTO notes (writer, step) VALUES (1, 1)"))
        async with sessions() as waiter:
            with pytest.raises(OperationalError, match="locked"):
                await waiter.execute(text("INSERT INTO notes (writer, step) VALUES (2, 1)"))
        await holder.commit()
    assert await _count(engine) == 1


async def test_the_wal_is_checkpointed_by_a_thread_not_by_the_loops_commits(engine: AsyncEngine,
                                                                            tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    async with engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA wal_autocheckpoint"))).scalar_one() == 0
    before = database.stat().st_size
    async with engine.begin() as connection:  # about 2,000 pages: SQLite alone would checkpoint in the commit
        await connection.execute(text("CREATE TABLE blobs (data BLOB)"))
        await connection.execute(text("INSERT INTO blobs VALUES (:data)"), [{"data": bytes(4000)}] * 2000)
    assert database.stat().st_size == before  # committed to the WAL only: the commit copied nothing
    for _ in range(100):  # up to 5 s
        if database.stat().st_size >= 8_000_000:
            break
        await asyncio.sleep(0.05)
    assert database.stat().st_size >= 8_000_000  # the checkpointer copied the pages into the database
