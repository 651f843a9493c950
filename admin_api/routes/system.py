"""System status: is the database reachable, which schema revision is it on."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from admin_api.deps import CoreDep

router = APIRouter(prefix="/system", tags=["system"])


class StatusOut(BaseModel):
    status: str
    database: str
    schema_revision: str | None


@router.get("/status", operation_id="system_status")
async def system_status(core: CoreDep) -> StatusOut:
    async with core.uow() as uow:
        revision = await uow.session.scalar(text("SELECT version_num FROM alembic_version"))
    return StatusOut(status="ok", database=core.engine.dialect.name, schema_revision=revision)
