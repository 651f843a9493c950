"""SQLite connections that run on the event loop's own thread, for the async engine.

aiosqlite runs every call on a thread of its own and hands the result back through the event loop: for the
small indexed statements a chat turn makes, that hop costs five to seven times the statement itself (about
0.3 ms of CPU against 0.04 ms; `python -m bench.turn_profile` shows the turn-level effect). SQLite answers
such statements from its page cache in microseconds, so running them inline is cheaper than any hop.

Running inline has one danger: a connection that waits for SQLite's write lock would block the loop while
the coroutine that holds the lock can never run to release it. So SQLite's busy handler is off
(`timeout=0`), and writers take turns at an asyncio lock instead (`WriteGate`, one per database file and
event loop): a connection takes the gate before the first write of a transaction and gives it back at
commit, rollback or close. Readers never wait (WAL). A lock held by another process (a worker, a CLI
command) is waited for with asynchronous retries of the statement that found it taken; a statement that
opens the transaction is safe to retry, as nothing was written yet.

A WAL checkpoint (copying committed pages from the log into the database file, then syncing both) runs in
whichever connection's commit crosses SQLite's threshold, about every 1,000 pages: in-loop, that stalls the
loop for the copy and two fsyncs. So these connections never checkpoint (`wal_autocheckpoint=0`); a
`Checkpointer` thread does, on its own connection, a moment after commits (the sqlite3 module lets go of the
GIL while SQLite works, so the loop runs on). Other processes' connections keep SQLite's automatic checkpoint.

The objects here stand where SQLAlchemy's aiosqlite adapter expects an aiosqlite connection; they are
handed to it through `create_async_engine(async_creator=...)` (see `core.db.create_engine`), so the URL
stays `sqlite+aiosqlite://`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 30.0  # how long a writer waits for the lock (the gate, or another process) before failing
_RETRY_FIRST_S, _RETRY_MAX_S = 0.001, 0.05
_READS = frozenset({"SELECT", "PRAGMA", "EXPLAIN", "VALUES"})


def _writes(sql: str) -> bool:
    """Whether a statement may take SQLite's write lock (anything but a plain read; WITH counts as a write)."""
    head = sql.lstrip()[:8].split(None, 1)
    return not head or head[0].upper() not in _READS


def _locked(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or (
        "database is locked" in str(error))


class WriteGate:
    """One writer at a time per database file in this process, queued on the event loop, not in SQLite."""

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary())

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def acquire(self) -> asyncio.Lock:
        lock = self._lock()
        if not lock.locked():  # free: taken at once (wait_for would start a task to time a wait that never comes)
            await lock.acquire()
            return lock
        try:
            await asyncio.wait_for(lock.acquire(), BUSY_TIMEOUT_S)
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked (waited for another writer)") from None
        return lock


class Checkpointer:
    """Checkpoints a database's WAL from a thread of its own, `delay` seconds after a commit asks for one.

    The thread starts with the first request and ends after `idle` seconds without one, so nothing needs
    stopping when an engine goes. A PASSIVE checkpoint never waits for readers or writers; what it could not
    copy (a reader still uses it) is copied by a later one.
    """

    def __init__(self, database: str, *, delay: float = 0.2, idle: float = 5.0) -> None:
        self._database = database
        self._delay = delay
        self._idle = idle
        self._wanted = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def request(self) -> None:
        """A commit wrote to the WAL: checkpoint soon."""
        self._wanted.set()
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        try:
            # mode=rw: a database removed meanwhile is not created again, empty.
            connection = sqlite3.connect(f"file:{self._database}?mode=rw", uri=True, check_same_thread=False)
            while self._wanted.wait(self._idle):
                time.sleep(self._delay)  # commits close together share a checkpoint
                self._wanted.clear()
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as error:  # the next commit's request tries again
            log.warning("WAL checkpoint of %s failed: %s", self._database, error)
            self._wanted.clear()
        finally:
            if connection is not None:
                connection.close()
            with self._lock:
                self._thread = None
        if self._wanted.is_set():  # asked for while this thread was ending: start another
            self.request()


class InLoopConnection:
    """An aiosqlite-shaped connection whose calls run at once on the caller's thread."""

    def __init__(self, raw: sqlite3.Connection, gate: WriteGate, checkpointer: Checkpointer | None = None) -> None:
        self._connection: sqlite3.Connection | None = raw
        self._gate = gate
        self._checkpointer = checkpointer
        self._held: asyncio.Lock | None = None  # the gate's lock while this connection writes
        self._tx = _InlineQueue()  # SQLAlchemy's adapter sets isolation_level through aiosqlite's queue

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("Connection closed")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InLoopCursor:
        return InLoopCursor(self, self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InLoopCursor:
        cursor = self.cursor()
        await cursor.execute(sql, parameters)
        return cursor

    async def commit(self) -> None:
        wrote = self._held is not None
        try:
            self._conn.commit()
        finally:
            self._release_if_idle()
        if wrote and self._checkpointer is not None:
            self._checkpointer.request()

    async def rollback(self) -> None:
        try:
            self._conn.rollback()
        finally:
            self._release_if_idle()

    async def close(self) -> None:
        raw, self._connection = self._connection, None
        try:
            if raw is not None:
                raw.close()
        finally:
            self._release()

    def stop(self) -> None:
        """Close without waiting (SQLAlchemy's terminate); nothing here ever waits."""
        raw, self._connection = self._connection, None
        if raw is not None:
            raw.close()
        self._release()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def run(self, sql: str, call: Callable[[], Any]) -> Any:
        """Run one statement: through the gate when it may write, retried while another process holds the lock."""
        raw = self._conn
        opens = not raw.in_transaction
        if opens and self._held is None and _writes(sql):
            self._held = await self._gate.acquire()
        try:
            return await self._retrying(call, raw, opens)
        finally:
            self._release_if_idle()

    async def _retrying(self, call: Callable[[], Any], raw: sqlite3.Connection, opens: bool) -> Any:
        deadline, pause = time.monotonic() + BUSY_TIMEOUT_S, _RETRY_FIRST_S
        while True:
            try:
                return call()
            except sqlite3.OperationalError as error:
                # Only a statement that opened the transaction may run again: nothing was written before it.
                if not (opens and _locked(error)) or time.monotonic() >= deadline:
                    raise
                if raw.in_transaction:
                    raw.rollback()
            await asyncio.sleep(pause)
            pause = min(pause * 2, _RETRY_MAX_S)

    def _release_if_idle(self) -> None:
        if self._held is not None and (self._connection is None or not self._connection.in_transaction):
            self._release()

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is not None and held.locked():
            held.release()


class InLoopCursor:
    """An aiosqlite-shaped cursor over a sqlite3 cursor."""

    def __init__(self, connection: InLoopConnection, cursor: sqlite3.Cursor) -> None:
        self._connection = connection
        self._cursor = cursor

    async def __aenter__(self) -> InLoopCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> InLoopCursor:
        cursor = self._cursor
        if parameters is None:
            await self._connection.run(sql, lambda: cursor.execute(sql))
        else:
            await self._connection.run(sql, lambda: cursor.execute(sql, parameters))
        return self

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any] | dict[str, Any]]) -> InLoopCursor:
        batch = list(rows)  # a retry must see the rows again
        cursor = self._cursor
        await self._connection.run(sql, lambda: cursor.executemany(sql, batch))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _InlineQueue:
    """Runs what SQLAlchemy's aiosqlite adapter queues for aiosqlite's thread (its isolation-level setter)."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:  # handed to the awaiting adapter, as aiosqlite's thread does
            future.set_exception(error)


def connector(database: str, gate: WriteGate | None = None) -> Callable[[], Any]:
    """An `async_creator` for `create_async_engine`: in-loop connections to `database` sharing one gate, and a
    checkpointer when `database` is a file path (not ":memory:" or a URI)."""
    shared = gate or WriteGate()
    on_file = database != ":memory:" and not database.startswith("file:")
    checkpointer = Checkpointer(database) if on_file else None

    async def connect() -> InLoopConnection:
        # check_same_thread is off because the pool may close a connection from the garbage collector.
        raw = sqlite3.connect(database, timeout=0, check_same_thread=False, uri=database.startswith("file:"))
        if checkpointer is not None:
            raw.execute("PRAGMA wal_autocheckpoint=0")
        return InLoopConnection(raw, shared, checkpointer)

    return connect
