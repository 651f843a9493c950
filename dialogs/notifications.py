"""Proactive messages (order status, approval requests, back in stock, manager replies, the hand-back to the bot)
as neutral messages, rendered from the locale catalogues in the recipient's language; the channel registry sends
them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from core.messaging import Button, Buttons, Outbound, TextOut, encode_payload
from core.ports import Notification
from dialogs.flows.approvals import decision_buttons
from dialogs.flows.orders import status_name
from dialogs.i18n import format_date, format_money, t


def render_notification(notification: Notification, locale: str) -> list[Outbound]:
    """A notification as neutral messages in `locale`; unknown kinds get a generic line, never an error."""
    data = notification.data
    kind = notification.kind
    if kind == "order_status":
        order_id = _int(data.get("order_id"))
        status = str(data.get("status") or "")
        key = ("notify.order_turned_down" if status == "cancelled" and data.get("previous") == "awaiting_approval"
               else "notify.order_status")
        lines = [t(locale, key, order_id=str(order_id), status=status_name(status, locale))]
        if data.get("note"):
            lines.append(t(locale, "notify.order_note", note=str(data["note"])[:500]))
        eta = _date(data.get("eta"))
        if eta is not None and status not in ("cancelled", "delivered"):  # no delivery date for what won't come
            lines.append(t(locale, "notify.order_eta", date=format_date(eta, locale)))
        points = _int(data.get("points_accrued"))
        if points:
            lines.append(t(locale, "notify.points_accrued", count=points))
        if order_id:
            return [Buttons("\n".join(lines), [Button(t(locale, "notify.track_button"),
                                                      encode_payload("track", order_id))])]
        return [TextOut("\n".join(lines))]
    if kind == "approval_request":
        order_id = _int(data.get("order_id"))
        text = t(locale, "notify.approval_request", placed_by=str(data.get("placed_by") or ""),
                 order_id=str(order_id), total=total_of(notification, locale))
        return [Buttons(text, decision_buttons(locale, order_id))] if order_id else [TextOut(text)]
    if kind == "back_in_stock":
        return [TextOut(t(locale, "notify.back_in_stock", name=str(data.get("name") or ""),
                          sku=str(data.get("sku") or "")))]
    if kind == "manager_reply":
        text = str(data.get("text") or "")
        manager = data.get("manager")
        if manager:
            return [TextOut(t(locale, "notify.manager_reply", manager=str(manager), text=text))]
        return [TextOut(t(locale, "notify.manager_reply_anonymous", text=text))]
    if kind == "handed_back":
        return [TextOut(t(locale, "handover.back_to_bot"))]
    free_text = data.get("text")
    return [TextOut(str(free_text) if free_text else t(locale, "notify.generic"))]


def total_of(notification: Notification, locale: str) -> str:
    """The notification's `total` in its `currency` (RUB when unsaid), formatted for `locale`."""
    data = notification.data
    return format_money(_money(data.get("total")), str(data.get("currency") or "RUB"), locale)


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def _money(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def _date(value: object) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
