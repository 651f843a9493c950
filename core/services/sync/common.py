"""What every sync batch shares: row models, the batch report, duplicate and reference checks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlalchemy import ColumnElement, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from core.db import dialect_of
from core.errors import InvalidInput

MAX_BATCH = 10_000
ANALYZE_AFTER = 1_000  # inserted rows that refresh PostgreSQL's statistics of the table
CHUNK = 500  # ids per IN (...) lookup: far under every database's bound-parameter limit

MAX_INT = 2**31 - 1  # every integer column is a 32-bit INTEGER

S = TypeVar("S", bound="SyncRow")
R = TypeVar("R", bound="KeyedRow")
M = TypeVar("M")


def _printable(value: str) -> str:
    # PostgreSQL refuses NUL in text, so it is refused here with a clear message rather than a 500.
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


def _stripped(max_length: int) -> StringConstraints:
    return StringConstraints(min_length=1, max_length=max_length, strip_whitespace=True)


Key = Annotated[str, _stripped(100), AfterValidator(_printable)]
"""An external id: the accounting system's or the CRM's own id of the row."""
Code = Annotated[str, _stripped(50), AfterValidator(_printable)]
Short = Annotated[str, _stripped(20), AfterValidator(_printable)]
Name = Annotated[str, _stripped(200), AfterValidator(_printable)]
LongName = Annotated[str, _stripped(300), AfterValidator(_printable)]
Url = Annotated[str, _stripped(500), AfterValidator(_printable)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Positive = Annotated[int, Field(gt=0, le=MAX_INT)]
Count = Annotated[int, Field(ge=0, le=MAX_INT)]


class SyncRow(BaseModel):
    """One incoming row; types are checked on arrival, business rules row by row."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # Every text field, including lists of text: PostgreSQL cannot store NUL, SQLite would.
        for text_value in value if isinstance(value, list) else [value]:
            if isinstance(text_value, str):
                _printable(text_value)
        return value


class KeyedRow(SyncRow):
    """A row that names itself by the source system's id."""

    external_id: Key


class BatchTooLarge(InvalidInput):
    code = "batch_too_large"


@dataclass(frozen=True, slots=True)
class RowError:
    index: int
    key: str | None
    errors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BatchResult:
    received: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: tuple[RowError, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


@dataclass
class Batch:
    """Collects a batch's outcome: which rows were refused and why, what to insert and to update."""

    received: int
    errors: dict[int, list[str]] = field(default_factory=dict)
    keys: dict[int, str | None] = field(default_factory=dict)
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0

    def reject(self, index: int, key: str | None, reason: str) -> None:
        self.keys[index] = key
        self.errors.setdefault(index, []).append(reason)

    def ok(self, index: int) -> bool:
        return index not in self.errors

    def result(self) -> BatchResult:
        rejected = tuple(
            RowError(index, self.keys.get(index), tuple(reasons)) for index, reasons in sorted(self.errors.items())
        )
        return BatchResult(self.received, len(self.inserts), len(self.updates), self.unchanged, rejected)


def check_size(rows: Sequence[object], maximum: int = MAX_BATCH) -> None:
    if not rows:
        raise InvalidInput("the batch is empty: send 1 to 10,000 rows")
    if len(rows) > maximum:
        raise BatchTooLarge(
            f"the batch has {len(rows)} rows; send at most {maximum} per request", rows=len(rows), maximum=maximum
        )


def start(rows: Sequence[S], key: Callable[[S], Any]) -> Batch:
    """A batch with every row whose key repeats in it refused: which one is meant would be a guess."""
    check_size(rows)
    batch = Batch(len(rows))
    counts = Counter(key(row) for row in rows)
    for index, row in enumerate(rows):
        if counts[key(row)] > 1:
            batch.reject(index, _label(key(row)), f"duplicate key {_label(key(row))} in this batch")
    return batch


def _label(key: Any) -> str:
    return "/".join(str(part) for part in key) if isinstance(key, tuple) else str(key)


def chunks(values: Sequence[M], size: int = CHUNK) -> Iterable[Sequence[M]]:
    for offset in range(0, len(values), size):
        yield values[offset : offset + size]


async def load_by(
    session: AsyncSession, model: type[M], column: InstrumentedAttribute[Any], values: Iterable[Any]
) -> dict[Any, M]:
    """Rows of `model` whose `column` is one of `values`, keyed by that column."""
    wanted = sorted({v for v in values if v is not None}, key=str)
    found: dict[Any, M] = {}
    for part in chunks(wanted):
        rows = await session.scalars(select(model).where(column.in_(part)))
        for row in rows:
            found[getattr(row, column.key)] = row
    return found


async def ids_by(
    session: AsyncSession, column: InstrumentedAttribute[Any], id_column: InstrumentedAttribute[int],
    values: Iterable[Any], *where: ColumnElement[bool],
) -> dict[Any, int]:
    """Map of `column` value -> id, for resolving references such as external ids."""
    wanted = sorted({v for v in values if v is not None}, key=str)
    found: dict[Any, int] = {}
    for part in chunks(wanted):
        for value, ident in await session.execute(select(column, id_column).where(column.in_(part), *where)):
            found[value] = ident
    return found


def diff(current: object, wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of `wanted` that differ from the loaded row."""
    return {name: value for name, value in wanted.items() if getattr(current, name) != value}


async def write(session: AsyncSession, model: type[Any], batch: Batch) -> None:
    """Bulk insert and bulk update by primary key: two statements, however many rows."""
    if batch.inserts:
        await session.execute(insert(model), batch.inserts)
    if batch.updates:
        await session.execute(update(model), batch.updates)
    if len(batch.inserts) >= ANALYZE_AFTER and dialect_of(session) == "postgresql":
        # A first bulk load leaves PostgreSQL's planner believing the table is empty until autovacuum
        # catches up, and its plans for the next batch's lookups then run 10-50 times slower.
        await session.execute(text(f'ANALYZE "{model.__table__.name}"'))


def plan(
    batch: Batch,
    rows: Sequence[R],
    existing: Mapping[str, Any],
    build: Callable[[int, R], dict[str, Any] | None],
    key: Callable[[R], str],
) -> None:
    """Sort the batch's valid rows into inserts, updates (full rows by id) and unchanged."""
    for index, row in enumerate(rows):
        if not batch.ok(index):
            continue
        wanted = build(index, row)
        if wanted is None:
            continue
        current = existing.get(key(row))
        if current is None:
            batch.inserts.append(wanted)
        elif diff(current, wanted):
            batch.updates.append({"id": current.id, **wanted})
        else:
            batch.unchanged += 1


def refuse_taken(
    batch: Batch, rows: Sequence[R], owners: Mapping[Any, Any], field: str, label: str
) -> None:
    """Refuse rows whose unique `field` already belongs to a row with another external id."""
    for index, row in enumerate(rows):
        owner = owners.get(getattr(row, field))
        if owner is not None and owner.external_id != row.external_id:
            batch.reject(
                index, row.external_id,
                f"{label} {getattr(row, field)} belongs to another record (external id {owner.external_id})",
            )


def refuse_repeats(batch: Batch, rows: Sequence[R], field: str) -> None:
    seen: dict[Any, list[int]] = {}
    for index, row in enumerate(rows):
        seen.setdefault(getattr(row, field), []).append(index)
    for value, indexes in seen.items():
        if len(indexes) > 1:
            for index in indexes:
                batch.reject(index, rows[index].external_id, f"duplicate {field} {value} in this batch")
