"""Orders: status updates in (stage, ETA, tracking; the client is notified), the export out by an
acknowledged cursor, and reading orders back."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from admin_api.deps import CompanyFilter, CoreDep, Limit, Offset, audited
from admin_api.schemas.common import BatchIn, BatchOut, Page
from admin_api.schemas.resources import AckIn, AckOut, OrderExportOut, OrderOut
from admin_api.schemas.sync import OrderStatusIn
from admin_api.security import PrincipalDep, RequireScopes
from core.models import OrderStatus
from core.services import orders as order_service
from core.services.sync import orders, reads
from core.services.sync.orders import MAX_EXPORT_PAGE

router = APIRouter(prefix="/orders", tags=["orders"], dependencies=[Depends(RequireScopes("orders", "sync"))])


@router.post("/status-updates", operation_id="sync_order_statuses")
async def sync_order_statuses(
    body: BatchIn[OrderStatusIn], core: CoreDep, request: Request, principal: PrincipalDep
) -> BatchOut:
    """Move orders to new stages, with ETA and shipment tracking. A stage the order already passed is
    a no-op; an impossible move is refused for its row. Clients are notified after the commit."""
    async with audited(core, request, "orders") as write:
        applied = await orders.apply_status_updates(
            write.uow, body.rows, actor_label=principal.label, settings=core.settings, clock=core.clock
        )
        result = applied.result
        write.details = {"received": result.received, "updated": result.updated, "rejected": len(result.rejected)}
    await order_service.send(core.notifier, applied.notifications)
    return BatchOut.of(result)


@router.get("/export", operation_id="export_orders")
async def export_orders(
    core: CoreDep, principal: PrincipalDep,
    after: Annotated[
        str | None,
        Query(max_length=200, pattern=r"^[A-Za-z0-9_=-]*$", description="Cursor; default: your last acknowledged"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_EXPORT_PAGE)] = 100,
) -> OrderExportOut:
    """New and changed orders, oldest change first."""
    async with core.uow() as uow:
        settled = core.clock.now() - dt.timedelta(seconds=core.settings.order_export_settle_s)
        page = await orders.export_orders(uow.session, consumer=principal.label, after=after, limit=limit,
                                          settled_before=settled)
    return OrderExportOut.model_validate(page)


@router.post("/export/ack", operation_id="acknowledge_orders_export")
async def acknowledge_orders_export(
    body: AckIn, core: CoreDep, request: Request, principal: PrincipalDep
) -> AckOut:
    """Confirm that everything up to `cursor` is stored: the next export starts after it."""
    async with audited(core, request, "orders_export") as write:
        await orders.acknowledge(write.uow.session, consumer=principal.label, cursor=body.cursor,
                                 now=core.clock.now())
        write.details = {"cursor": body.cursor}
    return AckOut(acknowledged=body.cursor)


@router.get("", operation_id="list_orders")
async def list_orders(
    core: CoreDep, limit: Limit = 50, offset: Offset = 0, status: OrderStatus | None = None,
    company_external_id: CompanyFilter = None,
) -> Page[OrderOut]:
    async with core.uow() as uow:
        page = await reads.orders(uow.session, limit=limit, offset=offset, status=status,
                                  company_external_id=company_external_id)
    return Page[OrderOut].model_validate(page, from_attributes=True)


@router.get("/{order_id}", operation_id="get_order")
async def get_order(order_id: Annotated[int, Path(ge=1, le=2**31 - 1)], core: CoreDep) -> OrderOut:
    async with core.uow() as uow:
        return OrderOut.model_validate(await reads.order(uow.session, order_id))
