"""Companies: sync from accounting or CRM, read back, and their balance from the ledger."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from admin_api.deps import CoreDep, Limit, Offset, sync_batch
from admin_api.schemas.common import BatchIn, BatchOut, Page
from admin_api.schemas.resources import BalanceOut, CompanyOut
from admin_api.schemas.sync import CompanyIn
from admin_api.security import RequireScopes
from core.services.sync import accounts, reads

router = APIRouter(prefix="/companies", tags=["companies"], dependencies=[Depends(RequireScopes("sync", "crm"))])
ExternalId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[^\x00]+$")]


@router.post("/sync", operation_id="sync_companies")
async def sync_companies(body: BatchIn[CompanyIn], core: CoreDep, request: Request) -> BatchOut:
    """Upsert companies by external id, with their account manager's external id."""
    return await sync_batch(core, request, "companies", accounts.upsert_companies, body.rows)


@router.get("", operation_id="list_companies")
async def list_companies(
    core: CoreDep, limit: Limit = 50, offset: Offset = 0,
    region: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")] = None,
) -> Page[CompanyOut]:
    async with core.uow() as uow:
        page = await reads.companies(uow.session, limit=limit, offset=offset, region=region)
    return Page[CompanyOut].model_validate(page, from_attributes=True)


@router.get("/{external_id}", operation_id="get_company")
async def get_company(external_id: ExternalId, core: CoreDep) -> CompanyOut:
    async with core.uow() as uow:
        return CompanyOut.model_validate(await reads.company(uow.session, external_id))


@router.get("/{external_id}/balance", operation_id="get_company_balance")
async def get_company_balance(external_id: ExternalId, core: CoreDep) -> BalanceOut:
    """Balance, overdue debt and available credit, as the ledger makes them today."""
    async with core.uow() as uow:
        summary = await accounts.company_balance(uow.session, external_id, core.clock.now().date())
    return BalanceOut.model_validate(summary)
