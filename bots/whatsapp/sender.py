"""Sending to WhatsApp within its rules: pacing, retries, unreachable recipients, and the 24-hour window.

`WhatsAppSender` is the channel registry's sender for WhatsApp and the way conversation replies go out. Every
Graph API call waits for the rate limiter (the business number's throughput overall, and Meta's pacing per
recipient with a burst for one turn's messages), backs off on throttling (130429, 131056, and Graph's
generic 4 and 80007), retries 5xx and network errors, and on "undeliverable" (131026: not on WhatsApp, or
blocked us) marks the identity unreachable and raises `RecipientUnreachable`, so the registry moves on.

Proactive messages (`send_notification`) go out free-form only within 24 hours of the customer's last
message. Outside that window a notification kind with an approved template (`WHATSAPP_TEMPLATES`) is sent as
that template; any other is held (`core.services.held_notifications`), reported in the log and the
conversation, and released when the customer next writes (`release_held`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import zlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

import httpx
from sqlalchemy import select

from bots.fallback import adapt
from bots.pacing import RateLimiter
from bots.registry import Receipt, RecipientUnreachable
from bots.whatsapp.graph import GraphApi, GraphError
from bots.whatsapp.translate import CHANNEL, WHATSAPP_CAPABILITIES, Request, template_request, to_requests
from core.config import Settings
from core.messaging import Outbound
from core.models import ChannelIdentity
from core.ports import Clock, Notification, SystemClock
from core.services import conversations, held_notifications, reachability
from core.uow import UnitOfWorkFactory
from dialogs.flows.orders import status_name
from dialogs.i18n import choose_locale
from dialogs.notifications import render_notification, total_of

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

SERVICE_WINDOW = dt.timedelta(hours=24)
THROTTLED_NUMBER = frozenset({4, 80007, 130429})  # the app or the business number sends too fast
THROTTLED_PAIR = 131056  # too many messages to one recipient in a short time
UNDELIVERABLE = frozenset({131026})  # not a WhatsApp user, or blocked the business
OUTSIDE_WINDOW = 131047  # "re-engagement message": the 24 hours are over
RETRIED_CODES = frozenset({1, 2, 131000, 131016})  # Meta's transient errors


class OutsideWindow(Exception):
    """WhatsApp refused a free-form message: the customer's last message is more than 24 hours old."""


def whatsapp_limiter(settings: Settings, *, sleep: Sleep = asyncio.sleep,
                     monotonic: Callable[[], float] = time.monotonic) -> RateLimiter:
    """The cell-rate limiter set to the business number's throughput and the pacing per recipient."""
    return RateLimiter(per_chat=1.0 / settings.whatsapp_recipient_interval_s,
                       chat_burst=settings.whatsapp_recipient_burst,
                       overall=settings.whatsapp_messages_per_second, monotonic=monotonic, sleep=sleep)


class WhatsAppSender:
    """Sends neutral messages to WhatsApp users; implements `bots.registry.NotificationSender`."""

    name = CHANNEL
    capabilities = WHATSAPP_CAPABILITIES

    def __init__(self, api: GraphApi, uow: UnitOfWorkFactory, *, templates: Mapping[str, str] | None = None,
                 limiter: RateLimiter | None = None, clock: Clock | None = None, sleep: Sleep = asyncio.sleep,
                 max_attempts: int = 5, backoff: float = 1.0) -> None:
        self.api = api
        self._uow = uow
        self._templates = dict(templates or {})
        self._clock = clock or SystemClock()
        self._sleep = sleep
        # Meta's defaults: 80 messages a second per number; about one in 6 s per recipient, in bursts.
        self.limiter = limiter or RateLimiter(per_chat=1 / 6, chat_burst=10, overall=80.0, sleep=sleep)
        self._max_attempts = max_attempts
        self._backoff = backoff

    # Conversation replies -------------------------------------------------------------------------

    async def send(self, external_id: str, messages: Sequence[Outbound]) -> None:
        await self.send_turn(external_id, messages)

    async def send_turn(self, external_id: str, messages: Sequence[Outbound]) -> list[str | None]:
        """Send messages in order; the id WhatsApp gave each (its last part, when it took several)."""
        ids: list[str | None] = []
        for requests in to_requests(messages):
            sent: str | None = None
            for request in requests:
                sent = await self._send_request(external_id, request)
            ids.append(sent)
        return ids

    async def _send_request(self, external_id: str, request: Request) -> str:
        body = request.body
        if request.upload is not None:
            document = request.upload
            media_id = await self.call(external_id, lambda: self.api.upload_media(
                document.filename, document.content_type, document.data), paced=False)
            body = {**body, "document": {**body["document"], "id": media_id}}
        return await self.call(external_id, lambda: self.api.send_message(external_id, body))

    # Proactive messages ---------------------------------------------------------------------------

    async def send_notification(self, external_id: str, notification: Notification,
                                messages: Sequence[Outbound]) -> Receipt:
        """Free-form within the 24-hour window, else its approved template, else held until the customer writes."""
        identity = await self._identity(external_id)
        locale = choose_locale(identity.locale if identity else None, None)
        if identity is not None and self._window_open(identity):
            try:
                return Receipt("sent", tuple(await self.send_turn(external_id, messages)))
            except OutsideWindow:
                log.info("WhatsApp says the window of identity %s is closed; trying a template", identity.id)
        template = self._templates.get(notification.kind)
        if template:
            request = template_request(template, locale, template_parameters(notification, locale, messages))
            sent = await self.call(external_id, lambda: self.api.send_message(external_id, request.body))
            return Receipt("sent", (sent,))
        if identity is None:
            raise LookupError(f"no WhatsApp identity {external_id!r}")
        reason = f"outside the 24-hour window; no template for {notification.kind}"
        async with self._uow() as uow:
            held_id = await held_notifications.hold(uow.session, identity.id, notification, reason=reason,
                                                    now=self._clock.now())
            await uow.commit()
        log.warning("WhatsApp %s for identity %s held (#%s): %s; set WHATSAPP_TEMPLATES to send it as a template",
                    notification.kind, identity.id, held_id, reason)
        return Receipt("held")

    async def release_held(self, external_id: str) -> int:
        """Send what was held for this identity, now that its window is open again; how many went out."""
        identity = await self._identity(external_id)
        if identity is None:
            return 0
        async with self._uow() as uow:
            pending = await held_notifications.pending(uow.session, identity.id)
        locale = choose_locale(identity.locale, None)
        released = 0
        for held in pending:
            async with self._uow() as uow:  # claimed first: another process releasing it too sends nothing
                claimed = await held_notifications.release(uow.session, held.id, now=self._clock.now())
                await uow.commit()
            if not claimed:
                continue
            messages = adapt(render_notification(held.notification, locale), self.capabilities, locale).messages
            try:
                ids = await self.send_turn(external_id, messages)
            except Exception:
                async with self._uow() as uow:  # not sent: held again for the next time they write
                    await held_notifications.reopen(uow.session, held.id)
                    await uow.commit()
                raise
            async with self._uow() as uow:
                view = conversations.IdentityView(identity.id, CHANNEL, external_id, identity.contact_id,
                                                  identity.display_name, identity.locale)
                conversation = await conversations.conversation_for(uow.session, view)
                await conversations.log_outbound(
                    uow.session, conversation.id, [conversations.describe_outbound(m) for m in messages],
                    now=self._clock.now(), sender="system", status="sent", channel_message_ids=ids)
                await uow.commit()
            released += 1
        return released

    async def _identity(self, external_id: str) -> ChannelIdentity | None:
        async with self._uow() as uow:
            return await uow.session.scalar(
                select(ChannelIdentity)
                .where(ChannelIdentity.channel == CHANNEL, ChannelIdentity.external_id == external_id)
            )

    def _window_open(self, identity: ChannelIdentity) -> bool:
        last = identity.last_inbound_at
        return last is not None and self._clock.now() - last < SERVICE_WINDOW

    # One call -------------------------------------------------------------------------------------

    async def call(self, external_id: str, request: Callable[[], Awaitable[T]], *, paced: bool = True) -> T:
        """Run one Graph API call for `external_id` within the limits, retrying what can be retried."""
        key = pace_key(external_id)
        for attempt in range(1, self._max_attempts + 1):
            if paced:
                await self.limiter.acquire(key)
            last = attempt == self._max_attempts
            wait = self._backoff * 2 ** (attempt - 1)
            try:
                return await request()
            except GraphError as failure:
                if failure.code in UNDELIVERABLE:
                    await self._mark_unreachable(external_id)
                    raise RecipientUnreachable(f"WhatsApp user {external_id}: {failure.message}") from failure
                if failure.code == OUTSIDE_WINDOW:
                    raise OutsideWindow(failure.message) from failure
                if failure.code == THROTTLED_PAIR and not last:
                    log.info("WhatsApp paces messages to %s; waiting %.1f s", external_id, wait)
                    self.limiter.hold(key, wait)
                    continue
                transient = (failure.code in THROTTLED_NUMBER or failure.code in RETRIED_CODES
                             or failure.status >= 500)
                if not transient or last:
                    raise
                log.info("WhatsApp call failed (%s); retrying in %.1f s", failure, wait)
                await self._sleep(wait)
            except httpx.TransportError as failure:
                if last:
                    raise
                log.info("WhatsApp call failed (%s); retrying in %.1f s", type(failure).__name__, wait)
                await self._sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover

    async def _mark_unreachable(self, external_id: str) -> None:
        async with self._uow() as uow:
            await reachability.set_reachable(uow.session, CHANNEL, external_id, reachable=False)
            await uow.commit()
        log.info("WhatsApp user %s cannot be reached; their identity is marked unreachable", external_id)


def pace_key(external_id: str) -> int:
    """The limiter's key for a recipient: the phone number itself, or a checksum of a business-scoped id."""
    return int(external_id) if external_id.isdigit() else zlib.crc32(external_id.encode())


def template_parameters(notification: Notification, locale: str, messages: Sequence[Outbound]) -> list[str]:
    """The body parameters of a notification's template, in the order the README documents per kind."""
    data = notification.data
    if notification.kind == "order_status":
        return [str(data.get("order_id") or ""), status_name(str(data.get("status") or ""), locale)]
    if notification.kind == "back_in_stock":
        return [str(data.get("name") or ""), str(data.get("sku") or "")]
    if notification.kind == "approval_request":
        return [str(data.get("placed_by") or ""), str(data.get("order_id") or ""), total_of(notification, locale)]
    texts = [getattr(message, "text", "") or "" for message in messages]
    return [" ".join(" ".join(texts).split())[:1000]]

