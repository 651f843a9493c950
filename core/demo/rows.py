"""Generated rows kept per table in memory, then written with chunked bulk INSERTs in foreign-key order."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import dialect_of
from core.models import Base

Row = dict[str, Any]
CHUNK = 5_000


def table_of(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


class Rows:
    """Rows to insert, by table name; every row of a table carries the same keys."""

    def __init__(self) -> None:
        self._tables: defaultdict[str, list[Row]] = defaultdict(list)

    def add(self, model: type[Base], row: Row) -> None:
        self._tables[table_of(model).name].append(row)

    def extend(self, model: type[Base], rows: list[Row]) -> None:
        self._tables[table_of(model).name].extend(rows)

    def of(self, model: type[Base]) -> list[Row]:
        return self._tables[table_of(model).name]

    def count(self, model: type[Base]) -> int:
        return len(self._tables.get(table_of(model).name, ()))


async def write_rows(session: AsyncSession, rows: Rows) -> None:
    """Insert every table's rows (parents first). Explicit ids leave PostgreSQL's sequences behind,
    so those are moved past the largest id, or the next ordinary INSERT would collide."""
    postgres = dialect_of(session) == "postgresql"
    for table in Base.metadata.sorted_tables:
        batch = rows._tables.get(table.name)
        if not batch:
            continue
        for start in range(0, len(batch), CHUNK):
            await session.execute(insert(table), batch[start : start + CHUNK])
        if postgres and "id" in batch[0]:
            name = table.name  # from our own metadata, never from input
            sql = f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"  # noqa: S608
            await session.execute(text(sql))
