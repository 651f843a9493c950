"""Price sync: price lists (tiers, company lists) and prices with quantity breaks."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from admin_api.deps import CoreDep, sync_batch
from admin_api.schemas.common import BatchIn, BatchOut
from admin_api.schemas.sync import PriceIn, PriceListIn
from admin_api.security import RequireScopes
from core.services.sync import pricing

router = APIRouter(prefix="/prices", tags=["prices"], dependencies=[Depends(RequireScopes("sync"))])


@router.post("/lists", operation_id="sync_price_lists")
async def sync_price_lists(body: BatchIn[PriceListIn], core: CoreDep, request: Request) -> BatchOut:
    """Upsert price lists by code: a tier's list, or one company's own list."""
    return await sync_batch(core, request, "price_lists", pricing.upsert_price_lists, body.rows)


@router.post("", operation_id="sync_prices")
async def sync_prices(body: BatchIn[PriceIn], core: CoreDep, request: Request) -> BatchOut:
    """Upsert prices by (list, product, min_qty); min_qty above 1 is a quantity break."""
    return await sync_batch(core, request, "prices", pricing.upsert_prices, body.rows)
