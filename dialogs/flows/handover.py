"""Talk to a manager: a handover request, and who will answer and when. The gateway keeps the bot silent after."""

from __future__ import annotations

from collections.abc import Sequence

from core.messaging import Outbound, TextOut
from core.services import conversations
from dialogs.flow import Flow, FlowContext
from dialogs.i18n import format_date
from dialogs.services import Services

Ctx = FlowContext[Services]


async def request_manager(ctx: Ctx) -> Sequence[Outbound]:
    services = ctx.services
    async with services.uow() as uow:
        ticket = await conversations.request_handover(uow.session, services.conversation_id,
                                                      now=services.clock.now(), reason="client asked")
        await uow.commit()
    if ticket.during_working_hours or ticket.next_opening is None:
        when = ctx.t("handover.within", minutes=ticket.answer_within_minutes)
    else:
        opening = format_date(ticket.next_opening, ctx.locale, tz=conversations.WORK_TZ)
        when = ctx.t("handover.after_hours", opening=opening)
    if not ticket.created:
        first = ctx.t("handover.already", when=when)
    elif ticket.assignee_name:
        first = ctx.t("handover.requested_named", manager=ticket.assignee_name, when=when)
    else:
        first = ctx.t("handover.requested_any", when=when)
    return [TextOut(first), TextOut(ctx.t("handover.meanwhile"))]


FLOWS: tuple[Flow[Services], ...] = (
    Flow[Services](name="manager", title_key="handover.title", complete=request_manager,
                   intents=("talk_to_manager",), actions=("manager",), resumes=False),
)
