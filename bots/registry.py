"""The channel registry: channel name -> sender adapter; it is the `Notifier` that proactive messages go through.

`notify` picks the contact's most recently active reachable identity on a registered channel, renders the
notification from the locale catalogues in that identity's language, fits it to the channel, sends it and
logs it in the identity's conversation. A channel that fails to send is logged and the next identity tried.
A channel with its own rules for proactive messages (`NotificationSender`: WhatsApp's templates outside the
24-hour window) gets the notification itself too, and may hold it for later; the log says which (`Receipt`).

`notify_identity` (`core.services.handover.IdentityNotifier`) is for a live conversation instead: a manager's reply
goes to the one identity the client wrote from, as a conversation message, is never held, and a channel that
refuses it (WhatsApp outside the window, a user who blocked the bot) is the caller's `DeliveryFailed`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sqlalchemy import select

from bots.console.translate import CHANNEL as CONSOLE_CHANNEL
from bots.console.translate import CONSOLE_CAPABILITIES, render
from bots.fallback import adapt
from core.errors import NotFound
from core.messaging import ChannelCapabilities, Outbound
from core.models import ChannelIdentity, Contact
from core.ports import Clock, Notification, SystemClock
from core.services import conversations
from core.services.handover import Delivery, DeliveryFailed
from core.uow import UnitOfWorkFactory
from dialogs.i18n import choose_locale
from dialogs.notifications import render_notification

log = logging.getLogger(__name__)


class RecipientUnreachable(Exception):
    """A sender cannot reach this user (blocked the bot, not on the messenger); their identity is now marked
    unreachable, and the registry moves on to the contact's next identity."""


class ChannelSender(Protocol):
    """Sends messages to one user of one channel; `capabilities` says what it can show."""

    name: str
    capabilities: ChannelCapabilities

    async def send(self, external_id: str, messages: Sequence[Outbound]) -> None: ...


@dataclass(frozen=True, slots=True)
class Receipt:
    """What became of a notification a channel took: sent (with the channel's ids per message) or held for later."""

    status: str = "sent"  # sent | held
    channel_message_ids: tuple[str | None, ...] = ()


@runtime_checkable
class NotificationSender(ChannelSender, Protocol):
    """A sender with its own rules for proactive messages (WhatsApp: templates outside the 24-hour window)."""

    async def send_notification(self, external_id: str, notification: Notification,
                                messages: Sequence[Outbound]) -> Receipt: ...


@runtime_checkable
class TurnSender(ChannelSender, Protocol):
    """A sender that answers the ids the channel gave each message (WhatsApp: delivery statuses come back under
    them)."""

    async def send_turn(self, external_id: str, messages: Sequence[Outbound]) -> list[str | None]: ...


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
                if isinstance(sender, NotificationSender):
                    receipt = await sender.send_notification(identity.external_id, notification, adapted.messages)
                else:
                    await sender.send(identity.external_id, adapted.messages)
                    receipt = Receipt()
            except Exception:  # one channel's outage must not stop the others; logged with its trace
                log.exception("sending %s to identity %s on %s failed", notification.kind, identity.id,
                              identity.channel)
                continue
            await self._log(identity, adapted.messages, receipt)
            return
        log.info("no reachable identity for contact %s; %s not delivered", notification.contact_id,
                 notification.kind)

    async def notify_identity(self, identity_id: int, notification: Notification) -> Delivery:
        """Send `notification` to one identity, in its language (else its contact's), as a conversation message;
        what was sent, for the caller to log. `DeliveryFailed` when the channel does not take it."""
        async with self._uow() as uow:
            found = (await uow.session.execute(
                select(ChannelIdentity, Contact.locale)
                .outerjoin(Contact, Contact.id == ChannelIdentity.contact_id)
                .where(ChannelIdentity.id == identity_id)
            )).first()
        if found is None:
            raise NotFound("no such identity", identity_id=identity_id)
        identity, contact_locale = found
        sender = self._senders.get(identity.channel)
        if sender is None:
            raise DeliveryFailed(f"no {identity.channel} sender in this process: the message cannot be sent",
                                 channel=identity.channel)
        locale = choose_locale(identity.locale, contact_locale)
        messages = adapt(render_notification(notification, locale), sender.capabilities, locale).messages
        try:
            if isinstance(sender, TurnSender):
                ids = tuple(await sender.send_turn(identity.external_id, messages))
            else:
                await sender.send(identity.external_id, messages)
                ids = ()
        except RecipientUnreachable as error:
            raise DeliveryFailed(f"the client cannot be reached on {identity.channel}: {error}",
                                 channel=identity.channel, error=type(error).__name__) from error
        except Exception as error:  # the channel's own refusal or outage, named to the caller and traced here
            log.exception("sending %s to identity %s on %s failed", notification.kind, identity.id, identity.channel)
            raise DeliveryFailed(f"{identity.channel} did not take the message: {type(error).__name__}: {error}",
                                 channel=identity.channel, error=type(error).__name__) from error
        return Delivery(identity.channel, tuple(conversations.describe_outbound(m) for m in messages), ids)

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

    async def _log(self, identity: ChannelIdentity, messages: Sequence[Outbound], receipt: Receipt) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            view = conversations.IdentityView(identity.id, identity.channel, identity.external_id,
                                              identity.contact_id, identity.display_name, identity.locale)
            conversation = await conversations.conversation_for(uow.session, view)
            await conversations.log_outbound(
                uow.session, conversation.id, [conversations.describe_outbound(m) for m in messages],
                now=now, sender="system", status=receipt.status, channel_message_ids=receipt.channel_message_ids,
            )
            await uow.commit()
