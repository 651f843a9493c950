"""`Annotated` dependencies, so route signatures read like business inputs; and the audited write."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from admin_api.schemas.common import BatchOut
from core.bootstrap import Core
from core.services import audit
from core.services.apikeys import Principal
from core.services.sync.common import BatchResult
from core.uow import UnitOfWork

R = TypeVar("R")


def get_core(request: Request) -> Core:
    core = request.app.state.core
    assert isinstance(core, Core)
    return core


CoreDep = Annotated[Core, Depends(get_core)]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Rows to skip")]
CompanyFilter = Annotated[
    str | None, Query(min_length=1, max_length=100, pattern=r"^[^\x00]+$", description="A company's external id")
]


@dataclass
class Write:
    """An open unit of work whose commit also records the audit entry; `details` say what changed."""

    uow: UnitOfWork
    details: dict[str, Any] = field(default_factory=dict)


@asynccontextmanager
async def audited(core: Core, request: Request, resource: str) -> AsyncIterator[Write]:
    """One transaction per write request: the change and its audit row commit together, or neither."""
    principal: Principal = request.state.principal
    route = request.scope.get("route")
    action = getattr(route, "operation_id", None) or f"{request.method} {request.url.path}"
    async with core.uow() as uow:
        write = Write(uow)
        yield write
        await audit.record(uow.session, actor=principal.label, action=action, resource=resource,
                           details=write.details, at=core.clock.now())
        await uow.commit()


async def sync_batch(
    core: Core,
    request: Request,
    resource: str,
    upsert: Callable[[AsyncSession, Sequence[R]], Awaitable[BatchResult]],
    rows: Sequence[R],
) -> BatchOut:
    """Upsert one batch in one transaction, audited with its counts."""
    async with audited(core, request, resource) as write:
        result = await upsert(write.uow.session, rows)
        write.details = {"received": result.received, "created": result.created, "updated": result.updated,
                         "unchanged": result.unchanged, "rejected": len(result.rejected)}
    return BatchOut.of(result)
