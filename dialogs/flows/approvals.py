"""Approvals: an approver at a customer company confirms or turns down an order above the company's
approval limit with the buttons of the request they received. Turning down asks once more."""

from __future__ import annotations

from collections.abc import Sequence

from core.messaging import Button, Buttons, Outbound, TextOut, encode_payload
from core.services import orders
from dialogs.engine import menu_button
from dialogs.flow import Accept, Answer, Flow, FlowContext, Reject, Step, Validation
from dialogs.i18n import t
from dialogs.menus import guest_refusal
from dialogs.services import Services

Ctx = FlowContext[Services]
APPROVE_ACTION = "apv"
REJECT_ACTION = "rjt"


def decision_buttons(locale: str, order_id: int) -> list[Button]:
    """The buttons of an approval request: approve, turn down, look at the order."""
    return [Button(t(locale, "approvals.approve_button"), encode_payload(APPROVE_ACTION, order_id)),
            Button(t(locale, "approvals.reject_button"), encode_payload(REJECT_ACTION, order_id)),
            Button(t(locale, "notify.track_button"), encode_payload("track", order_id))]


def _order_id(ctx: Ctx) -> int | None:
    raw = ctx.args[0] if ctx.args else ""
    return int(raw) if raw.isdigit() and 0 < int(raw) < 2**31 else None


async def _approve(ctx: Ctx) -> Sequence[Outbound]:
    return await _decide(ctx, approve=True)


async def _ask_sure(ctx: Ctx) -> Sequence[Outbound]:
    order_id = _order_id(ctx)
    return [Buttons(ctx.t("approvals.reject_sure", id=str(order_id)),
                    [ctx.choice(ctx.t("approvals.reject_button"), "y"), ctx.choice(ctx.t("common.no"), "n")])]


async def _check_sure(answer: Answer, ctx: Ctx) -> Validation:
    if answer.choice in ("y", "n"):
        return Accept(answer.choice)
    return Reject("approvals.reject_pick")


async def _reject(ctx: Ctx) -> Sequence[Outbound]:
    if ctx.slots.get("sure") != "y":
        return [Buttons(ctx.t("approvals.still_waiting", id=str(_order_id(ctx))), [menu_button(ctx.locale)])]
    return await _decide(ctx, approve=False)


async def _decide(ctx: Ctx, *, approve: bool) -> Sequence[Outbound]:
    if ctx.actor.is_guest:
        return guest_refusal(ctx.locale)
    order_id = _order_id(ctx)
    if order_id is None:
        return [TextOut(ctx.t("engine.button_expired"))]
    services = ctx.services
    decide = orders.approve if approve else orders.reject
    async with services.uow() as uow:
        change = await decide(uow, ctx.actor, order_id, services.settings, services.clock)
        await uow.commit()
    await orders.send(services.core.notifier, change.notifications)
    key = "approvals.approved" if approve else "approvals.rejected"
    return [Buttons(ctx.t(key, id=str(order_id)),
                    [Button(ctx.t("notify.track_button"), encode_payload("track", order_id)), menu_button(ctx.locale)])]


FLOWS: list[Flow[Services]] = [
    Flow[Services](name="approve", title_key="approvals.title", actions=(APPROVE_ACTION,), complete=_approve),
    Flow[Services](name="reject", title_key="approvals.title", actions=(REJECT_ACTION,), complete=_reject,
                   steps=(Step[Services]("sure", _ask_sure, _check_sure,
                                         ask_if=lambda ctx: not ctx.actor.is_guest),)),
]
