"""Counting what reaches the database: the statements (first keyword of each) and the commits of a block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class Recorded:
    statements: list[str] = field(default_factory=list)
    commits: int = 0

    @property
    def verbs(self) -> list[str]:
        """Each statement's first keyword: ["UPDATE", "INSERT", ...]."""
        return [sql.split(None, 1)[0].upper() for sql in self.statements]


DATA_VERBS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"})  # not transaction control


@contextmanager
def recorded_sql(engine: AsyncEngine, *, only: frozenset[str] | None = None) -> Iterator[Recorded]:
    """What the block sends to the database; `only` keeps the statements with these first keywords."""
    recorded = Recorded()
    sync_engine = engine.sync_engine

    def on_statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if only is None or sql.split(None, 1)[0].upper() in only:
            recorded.statements.append(sql)

    def on_commit(_conn: Any) -> None:
        recorded.commits += 1

    event.listen(sync_engine, "before_cursor_execute", on_statement)
    event.listen(sync_engine, "commit", on_commit)
    try:
        yield recorded
    finally:
        event.remove(sync_engine, "before_cursor_execute", on_statement)
        event.remove(sync_engine, "commit", on_commit)


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """The statements that read or write rows (not transaction control) while the block runs."""
    with recorded_sql(engine, only=DATA_VERBS) as recorded:
        yield recorded.statements
