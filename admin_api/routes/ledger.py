"""Ledger sync: invoices, payments and credit notes."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from admin_api.deps import CoreDep, sync_batch
from admin_api.schemas.common import BatchIn, BatchOut
from admin_api.schemas.sync import LedgerEntryIn
from admin_api.security import RequireScopes
from core.services.sync import accounts

router = APIRouter(prefix="/ledger", tags=["ledger"], dependencies=[Depends(RequireScopes("sync"))])


@router.post("/entries", operation_id="sync_ledger_entries")
async def sync_ledger_entries(body: BatchIn[LedgerEntryIn], core: CoreDep, request: Request) -> BatchOut:
    """Upsert ledger entries by external id; balances follow from them."""
    return await sync_batch(core, request, "ledger_entries", accounts.upsert_ledger, body.rows)
