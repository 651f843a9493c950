"""Stock sync: on hand per warehouse, and incoming deliveries with ETA."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from admin_api.deps import CoreDep, sync_batch
from admin_api.schemas.common import BatchIn, BatchOut
from admin_api.schemas.sync import IncomingIn, StockIn
from admin_api.security import RequireScopes
from core.services.sync import stock

router = APIRouter(prefix="/stock", tags=["stock"], dependencies=[Depends(RequireScopes("sync"))])


@router.post("", operation_id="sync_stock")
async def sync_stock(body: BatchIn[StockIn], core: CoreDep, request: Request) -> BatchOut:
    """Set units on hand per (product, warehouse)."""
    return await sync_batch(core, request, "stock", stock.upsert_stock, body.rows)


@router.post("/incoming", operation_id="sync_incoming_stock")
async def sync_incoming_stock(body: BatchIn[IncomingIn], core: CoreDep, request: Request) -> BatchOut:
    """Upsert incoming deliveries by external id; quantity 0 removes one."""
    return await sync_batch(core, request, "incoming_stock", stock.upsert_incoming, body.rows)
