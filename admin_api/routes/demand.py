"""Demand signals: backorder requests and searches that found nothing."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends

from admin_api.deps import CoreDep, Limit, Offset
from admin_api.schemas.common import Page
from admin_api.schemas.resources import DemandSignalOut
from admin_api.security import RequireScopes
from core.services.sync import reads

router = APIRouter(prefix="/demand-signals", tags=["demand"], dependencies=[Depends(RequireScopes("crm"))])


@router.get("", operation_id="list_demand_signals")
async def list_demand_signals(
    core: CoreDep, limit: Limit = 50, offset: Offset = 0,
    kind: Literal["backorder", "no_result"] | None = None, since: dt.datetime | None = None,
) -> Page[DemandSignalOut]:
    async with core.uow() as uow:
        page = await reads.demand_signals(uow.session, limit=limit, offset=offset, kind=kind, since=since)
    return Page[DemandSignalOut].model_validate(page, from_attributes=True)
