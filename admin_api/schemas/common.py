"""Shapes every resource shares: pages, batches and their reports, errors."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from core.services.sync.common import MAX_BATCH, BatchResult

T = TypeVar("T")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class BatchIn(BaseModel, Generic[T]):
    """Up to 10,000 rows, upserted in one transaction."""

    model_config = ConfigDict(extra="forbid")

    rows: list[T] = Field(min_length=1, max_length=MAX_BATCH)


class RowErrorOut(Out):
    index: int = Field(description="Position of the row in the batch, from 0")
    key: str | None = Field(description="The row's key (external id, or its parts joined by /)")
    errors: list[str]


class BatchOut(Out):
    """What a batch did; refused rows are listed with their reasons, the others landed."""

    received: int
    created: int
    updated: int
    unchanged: int
    rejected: list[RowErrorOut]

    @classmethod
    def of(cls, result: BatchResult) -> BatchOut:
        return cls.model_validate(result)


class ErrorOut(BaseModel):
    detail: str
    code: str
    details: dict[str, object] = Field(default_factory=dict)
