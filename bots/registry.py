"""The channel registry: channel name -> sender adapter; it is the `Notifier` that proactive messages go through.

`notify` picks the contact's most recently active reachable identity on a registered channel, renders the
notification from the locale catalogues in that identity's language, fits it to the channel, sends it and
logs it in the identity's conversation. A channel that fails to send is logged and the next identity tried.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Protocol

from sqlalchemy import select

from bots.console.translate import CHANNEL as CONSOLE_CHANNEL
from bots.console.translate import CONSOLE_CAPABILITIES, render
from bots.fallback import adapt
from core.messaging import Button, Buttons, ChannelCapabilities, Outbound, TextOut, encode_payload
from core.models import ChannelIdentity
from core.ports import Clock, Notification, SystemClock
from core.services import conversations
from core.uow import UnitOfWorkFactory
from dialogs.i18n import catalogue, choose_locale, format_date, format_money, t

log = logging.getLogger(__name__)


class ChannelSender(Protocol):
    """Sends messages to one user of one channel; `capabilities` says what it can show."""

    name: str
    capabilities: ChannelCapabilities

    async def send(self, external_id: str, messages: Sequence[Outbound]) -> None: ...


class ConsoleSender:
    """Prints to the terminal (or any `write`), as `b2bot chat` shows replies."""

    name = CONSOLE_CHANNEL
    capabilities = CONSOLE_CAPABILITIES

    def __init__(self, write: Callable[[str], None] = print) -> None:
        self._write = write

    async def send(self, external_id: str, messages: Sequence[Outbound]) -> None:
        self._write(render(messages).text)


class ChannelRegistry:
    """Implements `core.ports.Notifier` over the registered channel senders."""

    def __init__(self, uow: UnitOfWorkFactory, senders: Iterable[ChannelSender] = (),
                 clock: Clock | None = None) -> None:
        self._uow = uow
        self._clock = clock or SystemClock()
        self._senders: dict[str, ChannelSender] = {}
        for sender in senders:
            self.register(sender)

    def register(self, sender: ChannelSender) -> None:
        if sender.name in self._senders:
            raise ValueError(f"channel {sender.name!r} is registered twice")
        self._senders[sender.name] = sender

    def sender(self, channel: str) -> ChannelSender | None:
        return self._senders.get(channel)

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(self._senders)

    async def notify(self, notification: Notification) -> None:
        for identity in await self._reachable(notification.contact_id):
            sender = self._senders[identity.channel]
            locale = choose_locale(identity.locale, None)
            messages = render_notification(notification, locale)
            adapted = adapt(messages, sender.capabilities, locale)
            try:
                await sender.send(identity.external_id, adapted.messages)
            except Exception:  # one channel's outage must not stop the others; logged with its trace
                log.exception("sending %s to identity %s on %s failed", notification.kind, identity.id,
                              identity.channel)
                continue
            await self._log(identity, adapted.messages)
            return
        log.info("no reachable identity for contact %s; %s not delivered", notification.contact_id,
                 notification.kind)

    async def _reachable(self, contact_id: int) -> list[ChannelIdentity]:
        if not self._senders:
            return []
        async with self._uow() as uow:
            rows = await uow.session.scalars(
                select(ChannelIdentity)
                .where(
                    ChannelIdentity.contact_id == contact_id,
                    ChannelIdentity.unreachable.is_(False),
                    ChannelIdentity.channel.in_(list(self._senders)),
                )
                .order_by(ChannelIdentity.last_inbound_at.desc().nulls_last(), ChannelIdentity.id.desc())
            )
            return list(rows)

    async def _log(self, identity: ChannelIdentity, messages: Sequence[Outbound]) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            view = conversations.IdentityView(identity.id, identity.channel, identity.external_id,
                                              identity.contact_id, identity.display_name, identity.locale)
            conversation = await conversations.conversation_for(uow.session, view)
            await conversations.log_outbound(
                uow.session, conversation.id, [conversations.describe_outbound(m) for m in messages],
                now=now, sender="system", status="sent",
            )
            await uow.commit()


def render_notification(notification: Notification, locale: str) -> list[Outbound]:
    """A notification as neutral messages in `locale`; unknown kinds get a generic line, never an error."""
    data = notification.data
    kind = notification.kind
    if kind == "order_status":
        order_id = _int(data.get("order_id"))
        status = str(data.get("status") or "")
        status_key = f"orders.status.{status}"
        lines = [t(locale, "notify.order_status", order_id=str(order_id),
                   status=t(locale, status_key) if _has(locale, status_key) else status)]
        eta = _date(data.get("eta"))
        if eta is not None:
            lines.append(t(locale, "notify.order_eta", date=format_date(eta, locale)))
        points = _int(data.get("points_accrued"))
        if points:
            lines.append(t(locale, "notify.points_accrued", count=points))
        if order_id:
            return [Buttons("\n".join(lines), [Button(t(locale, "notify.track_button"),
                                                      encode_payload("track", order_id))])]
        return [TextOut("\n".join(lines))]
    if kind == "approval_request":
        total = _money(data.get("total"))
        currency = str(data.get("currency") or "RUB")
        return [TextOut(t(locale, "notify.approval_request", placed_by=str(data.get("placed_by") or ""),
                          order_id=str(_int(data.get("order_id"))),
                          total=format_money(total, currency, locale)))]
    if kind == "back_in_stock":
        return [TextOut(t(locale, "notify.back_in_stock", name=str(data.get("name") or ""),
                          sku=str(data.get("sku") or "")))]
    if kind == "manager_reply":
        text = str(data.get("text") or "")
        manager = data.get("manager")
        if manager:
            return [TextOut(t(locale, "notify.manager_reply", manager=str(manager), text=text))]
        return [TextOut(t(locale, "notify.manager_reply_anonymous", text=text))]
    free_text = data.get("text")
    return [TextOut(str(free_text) if free_text else t(locale, "notify.generic"))]


def _has(locale: str, key: str) -> bool:
    return key in catalogue(locale).entries


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
