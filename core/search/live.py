"""The per-process catalogue index, kept in step with the database through the catalogue version.

Writers that change products or categories call `bump_catalog_version(session)` in their own
transaction. Every reader compares the stored version with its index's (one primary-key read) and
rebuilds when they differ, so each replica sees a catalogue change as soon as it is committed.
Stock and prices are not in the index (they are read per request), so they need no bump.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core.db import conflict_insert, dialect_of
from core.heap import trim_heap
from core.models import Category, Product, SystemState
from core.search.index import CatalogIndex, IndexBuilder, IndexedCategory, IndexedProduct

CATALOG_VERSION = "catalog_version"
# Rows read (and dropped) at a time: small chunks reuse one chunk's freed memory for the next, where large
# ones spread garbage over new heap arenas that a few surviving objects then keep resident.
LOAD_CHUNK = 2_000
# From this many products a build's freed garbage is worth handing back to the OS (a trim costs milliseconds).
TRIM_AFTER_PRODUCTS = 10_000
_BUMPED = "catalog_version_bumped"  # in session.info: this transaction changed the catalogue
_LISTENING = "catalog_version_listening"


# Built once: every search reads the version, and building the statement cost more than running it.
_VERSION_QUERY = select(SystemState.value).where(SystemState.name == CATALOG_VERSION)
# The same read as a column, for a query that checks an index's version in the round trip it makes anyway.
CATALOG_VERSION_COLUMN = _VERSION_QUERY.scalar_subquery()


async def catalog_version(session: AsyncSession) -> int:
    """The committed (or this transaction's) catalogue version; 0 before the first bump."""
    value = await session.scalar(_VERSION_QUERY)
    return int(value or 0)


async def bump_catalog_version(session: AsyncSession) -> int:
    """Mark the catalogue as changed in the caller's transaction; returns the new version.

    Concurrent writers each add one: the row is created by an upsert, then only incremented.
    """
    dialect = dialect_of(session)
    if dialect in ("postgresql", "sqlite"):
        statement = (
            conflict_insert(dialect)(SystemState)
            .values(name=CATALOG_VERSION, value=1)
            .on_conflict_do_update(index_elements=[SystemState.name], set_={"value": SystemState.value + 1})
            .returning(SystemState.value)
        )
        version = int((await session.execute(statement)).scalar_one())
    else:
        updated = await session.execute(
            update(SystemState)
            .where(SystemState.name == CATALOG_VERSION)
            .values(value=SystemState.value + 1)
            .execution_options(synchronize_session=False)
        )
        if updated.rowcount == 0:  # type: ignore[attr-defined]
            session.add(SystemState(name=CATALOG_VERSION, value=1))
            await session.flush()
        version = await catalog_version(session)
    _remember_bump(session)
    return version


def _remember_bump(session: AsyncSession) -> None:
    """Flag the transaction as a catalogue writer until it ends (session.info outlives transactions)."""
    session.info[_BUMPED] = True
    sync = session.sync_session
    if not sync.info.get(_LISTENING):
        sync.info[_LISTENING] = True
        event.listen(sync, "after_commit", _forget_bump)
        event.listen(sync, "after_rollback", _forget_bump)


def _forget_bump(session: Session) -> None:
    session.info.pop(_BUMPED, None)


async def load_index(session: AsyncSession, version: int) -> CatalogIndex:
    """Reads the active catalogue in chunks and builds an index of it, labelled `version`.

    Chunks keep the rows in memory few; building in a worker thread lets the event loop keep serving
    (100,000 products take seconds of CPU). Should a writer commit between chunks, its bump makes the
    version differ from `version` and the next reader rebuilds.
    """
    category_rows = await session.execute(
        select(Category.id, Category.name, Category.name_ru, Category.parent_id)
    )
    builder = IndexBuilder({row.id: IndexedCategory(*row) for row in category_rows})
    columns = (
        Product.id,
        Product.sku,
        Product.name,
        Product.name_ru,
        Product.synonyms,
        Product.category_id,
        Product.barcode,
    )
    after = 0
    while True:
        rows = (
            await session.execute(
                select(*columns)
                .where(Product.is_active.is_(True), Product.id > after)
                .order_by(Product.id)
                .limit(LOAD_CHUNK)
            )
        ).all()
        if not rows:
            break
        await asyncio.to_thread(builder.add_all, [IndexedProduct(*row) for row in rows])
        after = rows[-1].id
    index = await asyncio.to_thread(builder.finish, version)
    del builder
    if len(index) >= TRIM_AFTER_PRODUCTS:
        await asyncio.to_thread(trim_heap)
    return index


class LiveCatalogIndex:
    """One process's index of one database: rebuilt when the catalogue version moves.

    `recheck_seconds` trades freshness for one query per search; 0 (the default) checks every time.
    """

    def __init__(self, recheck_seconds: float = 0.0) -> None:
        self.recheck_seconds = recheck_seconds
        self._index: CatalogIndex | None = None
        self._checked_at = 0.0
        self._lock = asyncio.Lock()

    @property
    def version(self) -> int | None:
        """The catalogue version of the shared index, None before the first search."""
        return None if self._index is None else self._index.version

    def latest(self, session: AsyncSession) -> CatalogIndex | None:
        """The index last built, unchecked: for a caller that reads `CATALOG_VERSION_COLUMN` with its own
        query and falls back to `current` when it differs. None when there is none yet, or when this
        session's transaction changed the catalogue (it needs its private index)."""
        return None if session.info.get(_BUMPED) else self._index

    async def current(self, session: AsyncSession) -> CatalogIndex:
        if session.info.get(_BUMPED):
            # This transaction changed the catalogue: its view is not the committed one, so it gets
            # a private index that no other request will see.
            return await load_index(session, await catalog_version(session))
        index = self._index
        if index is not None and time.monotonic() < self._checked_at + self.recheck_seconds:
            return index
        version = await catalog_version(session)
        if index is None or index.version != version:
            async with self._lock:
                index = self._index
                if index is None or index.version != version:
                    index = self._index = await load_index(session, version)
        self._checked_at = time.monotonic()
        return index


_live: weakref.WeakKeyDictionary[Engine, LiveCatalogIndex] = weakref.WeakKeyDictionary()


def live_index(session: AsyncSession) -> LiveCatalogIndex:
    """The index this process keeps for the database `session` is bound to."""
    bind: Any = session.get_bind()
    engine: Engine = getattr(bind, "engine", bind)
    found = _live.get(engine)
    if found is None:
        found = _live[engine] = LiveCatalogIndex()
    return found
