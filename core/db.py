"""Async SQLAlchemy engine and session factory, built on demand (nothing happens at import)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from core.config import Settings
from core.sqlite_inloop import connector


def create_engine(settings: Settings) -> AsyncEngine:
    """An engine for `settings.database_url`. SQLite runs on the event loop's thread (`core.sqlite_inloop`)
    with WAL and foreign keys on."""
    url = settings.database_url
    kwargs: dict[str, Any] = {"echo": settings.database_echo}
    if url.startswith("sqlite"):
        database = make_url(url).database or ":memory:"
        if database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["async_creator"] = connector(database)
    else:
        kwargs.update(pool_size=20, max_overflow=20, pool_pre_ping=settings.database_pool_pre_ping)
        if settings.database_schema:
            kwargs["connect_args"] = {"server_settings": {"search_path": settings.database_schema}}
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def dialect_of(session: AsyncSession) -> str:
    """The session's dialect name: "sqlite" or "postgresql"."""
    return str(session.get_bind().dialect.name)


def conflict_insert(dialect: str) -> Any:
    """The dialect's `insert`, the one with ON CONFLICT (SQLite's or PostgreSQL's)."""
    return sqlite.insert if dialect == "sqlite" else postgresql.insert


def table_of(model: type[Any]) -> Table:
    """A mapped class's table, for Core statements built once (they skip the ORM's per-call work)."""
    return cast(Table, model.__table__)
