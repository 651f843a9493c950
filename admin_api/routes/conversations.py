"""Conversations with their transcripts, for the handover console and the CRM."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from admin_api.deps import CoreDep, Limit, Offset
from admin_api.schemas.common import Page
from admin_api.schemas.resources import ConversationDetailOut, ConversationOut
from admin_api.security import RequireScopes
from core.models import ConversationStatus
from core.services.sync import reads

router = APIRouter(
    prefix="/conversations", tags=["conversations"], dependencies=[Depends(RequireScopes("handover", "crm"))]
)


@router.get("", operation_id="list_conversations")
async def list_conversations(
    core: CoreDep, limit: Limit = 50, offset: Offset = 0, status: ConversationStatus | None = None
) -> Page[ConversationOut]:
    async with core.uow() as uow:
        page = await reads.conversations(uow.session, limit=limit, offset=offset, status=status)
    return Page[ConversationOut].model_validate(page, from_attributes=True)


@router.get("/{conversation_id}", operation_id="get_conversation")
async def get_conversation(
    conversation_id: Annotated[int, Path(ge=1, le=2**31 - 1)], core: CoreDep,
    last: Annotated[int, Query(ge=1, le=1000, description="How many of the latest messages")] = 200,
) -> ConversationDetailOut:
    async with core.uow() as uow:
        return ConversationDetailOut.model_validate(await reads.conversation(uow.session, conversation_id, last=last))
