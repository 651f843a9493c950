"""Conversations with their transcripts, for the handover console and the CRM; and the manager's side of a
handover (scope `handover` only): take a conversation, reply to the client on their channel, hand it back.

A reply is sent between two units of work, never inside one: the implicit take commits first, then the channel
sends, then the message is logged. A channel that refuses it leaves the take in place and logs nothing.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request, status
from sqlalchemy.ext.asyncio import AsyncSession

from admin_api.deps import CoreDep, Limit, Offset, audited
from admin_api.schemas.common import Page
from admin_api.schemas.conversations import (
    HandBackIn,
    HandBackOut,
    ManagerMessageIn,
    ReplyOut,
    SentOut,
    TakeIn,
    TakeOut,
)
from admin_api.schemas.resources import ConversationDetailOut, ConversationOut
from admin_api.security import PrincipalDep, RequireScopes
from core.bootstrap import Core
from core.errors import InvalidInput
from core.models import ConversationStatus
from core.ports import Notification
from core.services import audit, handover
from core.services.apikeys import Principal
from core.services.handover import DeliveryFailed, Desk
from core.services.sync import reads

log = logging.getLogger(__name__)

router = APIRouter(prefix="/conversations", tags=["conversations"])
READ = [Depends(RequireScopes("handover", "crm"))]
DESK = [Depends(RequireScopes("handover"))]
RESOURCE = "conversations"
ConversationId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", operation_id="list_conversations", dependencies=READ)
async def list_conversations(
    core: CoreDep, limit: Limit = 50, offset: Offset = 0, status: ConversationStatus | None = None
) -> Page[ConversationOut]:
    async with core.uow() as uow:
        page = await reads.conversations(uow.session, limit=limit, offset=offset, status=status)
    return Page[ConversationOut].model_validate(page, from_attributes=True)


@router.get("/{conversation_id}", operation_id="get_conversation", dependencies=READ)
async def get_conversation(
    conversation_id: ConversationId, core: CoreDep,
    last: Annotated[int, Query(ge=1, le=1000, description="How many of the latest messages")] = 200,
) -> ConversationDetailOut:
    async with core.uow() as uow:
        return ConversationDetailOut.model_validate(await reads.conversation(uow.session, conversation_id, last=last))


@router.post("/{conversation_id}/take", operation_id="take_conversation", dependencies=DESK)
async def take_conversation(
    conversation_id: ConversationId, core: CoreDep, request: Request, principal: PrincipalDep,
    body: Annotated[TakeIn | None, Body()] = None,
) -> TakeOut:
    """The caller takes the conversation: the bot stays silent and the client's messages are theirs to answer.
    Taking it again changes nothing; one another staff member has is a 409 unless `force`."""
    body = body or TakeIn()
    async with audited(core, request, RESOURCE) as write:
        desk = await handover.take(write.uow.session, conversation_id, staff_id=_acting_staff(principal, body.staff_id),
                                   now=core.clock.now(), force=body.force)
        write.details = _details(desk)
        conversation = await _conversation_out(write.uow.session, conversation_id)
    return TakeOut(conversation=conversation, changed=desk.changed)


@router.post("/{conversation_id}/messages", operation_id="send_conversation_message", dependencies=DESK,
             status_code=status.HTTP_201_CREATED)
async def send_conversation_message(
    conversation_id: ConversationId, body: ManagerMessageIn, core: CoreDep, request: Request,
    principal: PrincipalDep,
) -> ReplyOut:
    """Send the client a reply, signed with the manager's name, on the channel they wrote from; logged with sender
    `manager`. A conversation not yet the caller's is taken first (another staff member's is a 409). A channel
    that does not take the message (WhatsApp outside its 24-hour window, a blocked bot, an outage) is a 502 and
    nothing is logged as sent; a process with no channel registry is a 503."""
    async with core.uow() as uow:
        now = core.clock.now()
        desk = await handover.take(uow.session, conversation_id, staff_id=_acting_staff(principal, body.staff_id),
                                   now=now)
        try:
            notifier = handover.identity_notifier(core.notifier)
        except DeliveryFailed as error:  # before the take commits: a process that cannot send changes nothing
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, error.message) from None
        if desk.changed:
            await audit.record(uow.session, actor=principal.label, action="take_conversation", resource=RESOURCE,
                               details=_details(desk), at=now)
        await uow.commit()
    try:
        delivery = await notifier.notify_identity(desk.identity_id, handover.manager_reply(desk, body.text))
    except DeliveryFailed as error:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, error.message) from None
    async with audited(core, request, RESOURCE) as write:
        await handover.log_delivery(write.uow.session, conversation_id, delivery, sender="manager",
                                    now=core.clock.now(), staff_id=desk.staff_id)
        write.details = {"conversation_id": conversation_id, "staff_id": desk.staff_id,
                         "messages": len(delivery.messages)}
        conversation = await _conversation_out(write.uow.session, conversation_id)
    return ReplyOut(conversation=conversation, taken=desk.changed,
                    sent=[SentOut(kind=m.kind, text=m.text) for m in delivery.messages])


@router.post("/{conversation_id}/hand-back", operation_id="hand_back_conversation", dependencies=DESK)
async def hand_back_conversation(
    conversation_id: ConversationId, core: CoreDep, request: Request, principal: PrincipalDep,
    body: Annotated[HandBackIn | None, Body()] = None,
) -> HandBackOut:
    """The bot answers again, the open handover is closed, and the client is told so in their language. Nothing
    to hand back changes nothing; another staff member's conversation is a 409 unless `force`."""
    body = body or HandBackIn()
    async with audited(core, request, RESOURCE) as write:
        desk = await handover.hand_back(write.uow.session, conversation_id,
                                        staff_id=_acting_staff(principal, body.staff_id), now=core.clock.now(),
                                        force=body.force)
        write.details = _details(desk)
        conversation = await _conversation_out(write.uow.session, conversation_id)
    told = desk.changed and await _tell(core, desk, handover.handed_back(desk))
    return HandBackOut(conversation=conversation, changed=desk.changed, client_told=told)


def _acting_staff(principal: Principal, staff_id: int | None) -> int | None:
    """A staff session acts as itself; an API key for the staff member it names (None: the assignee)."""
    if principal.kind != "staff":
        return staff_id
    if staff_id not in (None, principal.id):
        raise InvalidInput("a staff session acts as its own user; staff_id is for API keys", staff_id=staff_id)
    return principal.id


async def _tell(core: Core, desk: Desk, notification: Notification) -> bool:
    """Send the client a notice from the system and log it; False (and a warning) when the channel refuses."""
    try:
        delivery = await handover.identity_notifier(core.notifier).notify_identity(desk.identity_id, notification)
    except DeliveryFailed as error:
        log.warning("conversation %s: the client was not told (%s): %s", desk.conversation_id, notification.kind,
                    error.message)
        return False
    async with core.uow() as uow:
        await handover.log_delivery(uow.session, desk.conversation_id, delivery, sender="system",
                                    now=core.clock.now())
        await uow.commit()
    return True


async def _conversation_out(session: AsyncSession, conversation_id: int) -> ConversationOut:
    return ConversationOut.model_validate(await reads.conversation(session, conversation_id, last=1))


def _details(desk: Desk) -> dict[str, object]:
    return {"conversation_id": desk.conversation_id, "staff_id": desk.staff_id, "status": str(desk.status),
            "assignee_id": desk.assignee_id, "previous_assignee_id": desk.previous_assignee_id,
            "changed": desk.changed}
