"""Loyalty journey: the company's points, what expires next, and the latest movements."""

from __future__ import annotations

from collections.abc import Sequence

from core.messaging import Buttons, Outbound
from core.services import loyalty
from dialogs.engine import menu_button
from dialogs.flow import Flow, FlowContext
from dialogs.i18n import catalogue, format_date, format_money, t
from dialogs.menus import guest_refusal
from dialogs.services import Services

Ctx = FlowContext[Services]
HISTORY_SHOWN = 5


async def show_loyalty(ctx: Ctx) -> Sequence[Outbound]:
    if ctx.actor.is_guest:
        return guest_refusal(ctx.locale)
    now = ctx.services.clock.now()
    async with ctx.services.uow() as uow:
        points = await loyalty.balance(uow.session, ctx.actor, now=now)
        history = await loyalty.history(uow.session, ctx.actor, limit=HISTORY_SHOWN)
    lines = [ctx.t("loyalty.balance", count=points.points, tier=points.tier, percent=points.accrual_percent,
                   value=format_money(points.value, points.currency, ctx.locale))]
    if points.next_expiry_points > 0 and points.next_expiry_at is not None:
        lines.append(ctx.t("loyalty.expiring", count=points.next_expiry_points,
                           date=format_date(points.next_expiry_at.date(), ctx.locale)))
    else:
        lines.append(ctx.t("loyalty.none_expiring"))
    lines.append("")
    if history:
        lines.append(ctx.t("loyalty.history"))
        lines.extend(ctx.t("loyalty.history_line", date=format_date(item.occurred_at.date(), ctx.locale),
                           points=f"{item.points:+d}", kind=_kind(item, ctx.locale)) for item in history)
    else:
        lines.append(ctx.t("loyalty.no_history"))
    return [Buttons("\n".join(lines), [menu_button(ctx.locale)])]


def _kind(item: loyalty.LoyaltyHistoryItem, locale: str) -> str:
    """What a movement was, with its order: "spent on order №519"; points given back for a cancelled order are
    a redemption of a negative amount, and say "returned"."""
    kind = "refund" if item.kind == "redemption" and item.points > 0 else item.kind
    key = f"loyalty.kind.{kind}"
    texts = catalogue(locale)
    text = texts.text(key if key in texts.entries else "loyalty.kind.other")
    return t(locale, "loyalty.for_order", kind=text, id=str(item.order_id)) if item.order_id else text


FLOWS: tuple[Flow[Services], ...] = (
    Flow[Services](name="loyalty", title_key="loyalty.title", complete=show_loyalty,
                   intents=("loyalty_points",), actions=("loyalty",)),
)
