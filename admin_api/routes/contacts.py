"""Contacts (people at customer companies) and staff managers: sync and read back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from admin_api.deps import CompanyFilter, CoreDep, Limit, Offset, sync_batch
from admin_api.schemas.common import BatchIn, BatchOut, Page
from admin_api.schemas.resources import ContactOut
from admin_api.schemas.sync import ContactIn, ManagerIn
from admin_api.security import RequireScopes
from core.services.sync import accounts, reads

router = APIRouter(prefix="/contacts", tags=["contacts"], dependencies=[Depends(RequireScopes("sync", "crm"))])
managers_router = APIRouter(
    prefix="/managers", tags=["managers"], dependencies=[Depends(RequireScopes("sync", "crm"))]
)


@router.post("/sync", operation_id="sync_contacts")
async def sync_contacts(body: BatchIn[ContactIn], core: CoreDep, request: Request) -> BatchOut:
    return await sync_batch(core, request, "contacts", accounts.upsert_contacts, body.rows)


@router.get("", operation_id="list_contacts")
async def list_contacts(
    core: CoreDep, limit: Limit = 50, offset: Offset = 0,
    company_external_id: CompanyFilter = None,
) -> Page[ContactOut]:
    async with core.uow() as uow:
        page = await reads.contacts(uow.session, limit=limit, offset=offset, company_external_id=company_external_id)
    return Page[ContactOut].model_validate(page, from_attributes=True)


@router.get("/{external_id}", operation_id="get_contact")
async def get_contact(
    external_id: Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[^\x00]+$")], core: CoreDep
) -> ContactOut:
    async with core.uow() as uow:
        return ContactOut.model_validate(await reads.contact(uow.session, external_id))


@managers_router.post("/sync", operation_id="sync_managers")
async def sync_managers(body: BatchIn[ManagerIn], core: CoreDep, request: Request) -> BatchOut:
    """Upsert the supplier's managers (staff users) by external id; companies name them as account manager."""
    return await sync_batch(core, request, "managers", accounts.upsert_managers, body.rows)
