"""Invites: a one-time code or Telegram deep link that binds a messenger account to a contact."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request

from admin_api.deps import CoreDep, audited
from admin_api.schemas.resources import InviteIn, InviteOut
from admin_api.security import RequireScopes
from core.services import invites
from core.services.sync import reads

router = APIRouter(prefix="/invites", tags=["invites"], dependencies=[Depends(RequireScopes("crm"))])


@router.post("", operation_id="create_invite", status_code=201)
async def create_invite(body: InviteIn, core: CoreDep, request: Request) -> InviteOut:
    async with audited(core, request, "invites") as write:
        contact = await reads.contact(write.uow.session, body.contact_external_id)
        created = await invites.create_invite(
            write.uow.session, contact.id, now=core.clock.now(), ttl=dt.timedelta(hours=body.ttl_hours),
            telegram_bot_username=request.app.state.telegram_bot_username,
        )
        write.details = {"contact_id": contact.id, "invite_id": created.id}
    return InviteOut.model_validate(created)
