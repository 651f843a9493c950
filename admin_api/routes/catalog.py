"""Catalogue sync: categories, products, warehouses."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from admin_api.deps import CoreDep, sync_batch
from admin_api.schemas.common import BatchIn, BatchOut
from admin_api.schemas.sync import CategoryIn, ProductIn, WarehouseIn
from admin_api.security import RequireScopes
from core.services.sync import catalog

router = APIRouter(prefix="/catalog", tags=["catalog"], dependencies=[Depends(RequireScopes("sync"))])


@router.post("/categories", operation_id="sync_categories")
async def sync_categories(body: BatchIn[CategoryIn], core: CoreDep, request: Request) -> BatchOut:
    """Upsert categories by external id; a parent may come in the same batch."""
    return await sync_batch(core, request, "categories", catalog.upsert_categories, body.rows)


@router.post("/products", operation_id="sync_products")
async def sync_products(body: BatchIn[ProductIn], core: CoreDep, request: Request) -> BatchOut:
    """Upsert products by external id (full rows: an omitted field takes its default)."""
    return await sync_batch(core, request, "products", catalog.upsert_products, body.rows)


@router.post("/warehouses", operation_id="sync_warehouses")
async def sync_warehouses(body: BatchIn[WarehouseIn], core: CoreDep, request: Request) -> BatchOut:
    return await sync_batch(core, request, "warehouses", catalog.upsert_warehouses, body.rows)
