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


@contextmanager
def recorded_sql(engine: AsyncEngine) -> Iterator[Recorded]:
    recorded = Recorded()
    sync_engine = engine.sync_engine

    def on_statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
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
