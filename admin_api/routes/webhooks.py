"""Outbound webhooks: endpoints, the outbox's events, and re-driving dead letters."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request

from admin_api.deps import CoreDep, Limit, Offset, audited
from admin_api.schemas.admin import (
    CreatedEndpointOut,
    EndpointIn,
    EndpointOut,
    EventOut,
    RedriveIn,
    RedriveOut,
)
from admin_api.schemas.common import Page
from admin_api.security import RequireScopes
from core.services import outbox

router = APIRouter(prefix="/webhooks", tags=["webhooks"], dependencies=[Depends(RequireScopes("admin"))])


@router.post("/endpoints", operation_id="create_webhook_endpoint", status_code=201)
async def create_webhook_endpoint(body: EndpointIn, core: CoreDep, request: Request) -> CreatedEndpointOut:
    async with audited(core, request, "webhook_endpoints") as write:
        created = await outbox.create_endpoint(
            write.uow.session, url=body.url, topics=body.topics, description=body.description, now=core.clock.now()
        )
        write.details = {"endpoint_id": created.endpoint.id, "url": body.url}
    return CreatedEndpointOut.model_validate(created, from_attributes=True)


@router.get("/endpoints", operation_id="list_webhook_endpoints")
async def list_webhook_endpoints(core: CoreDep) -> list[EndpointOut]:
    async with core.uow() as uow:
        return [EndpointOut.model_validate(e) for e in await outbox.list_endpoints(uow.session)]


@router.delete("/endpoints/{endpoint_id}", operation_id="deactivate_webhook_endpoint")
async def deactivate_webhook_endpoint(
    endpoint_id: Annotated[int, Path(ge=1, le=2**31 - 1)], core: CoreDep, request: Request
) -> EndpointOut:
    async with audited(core, request, "webhook_endpoints") as write:
        view = await outbox.deactivate_endpoint(write.uow.session, endpoint_id)
        write.details = {"endpoint_id": endpoint_id}
    return EndpointOut.model_validate(view)


@router.get("/events", operation_id="list_webhook_events")
async def list_webhook_events(
    core: CoreDep, limit: Limit = 50, offset: Offset = 0,
    status: Literal["pending", "delivered", "dead"] | None = None,
) -> Page[EventOut]:
    """Outbox events; `status=dead` lists the dead letters."""
    async with core.uow() as uow:
        items, total = await outbox.events(uow.session, status=status, limit=limit, offset=offset)
    return Page[EventOut](items=[EventOut.model_validate(i) for i in items], total=total, limit=limit, offset=offset)


@router.post("/events/redrive", operation_id="redrive_dead_letters")
async def redrive_dead_letters(body: RedriveIn, core: CoreDep, request: Request) -> RedriveOut:
    """Queue dead letters (the given ones, or all) for a fresh round of delivery attempts."""
    async with audited(core, request, "outbox_events") as write:
        count = await outbox.redrive(write.uow.session, body.event_ids, now=core.clock.now())
        write.details = {"event_ids": body.event_ids, "redriven": count}
    return RedriveOut(redriven=count)
