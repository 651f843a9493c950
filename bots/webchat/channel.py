"""The web chat channel behind its transports: sessions, a visitor's messages through the gateway, delivery.

`WebchatChannel` is shared by the WebSocket and the HTTP fallback, and `WebchatSender` is what the
channel registry sends proactive messages through: whatever is sent is first written to the visitor's
transcript, then announced on the hub, so a visitor with no open socket finds it there on their return.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bots.fallback import presenter
from bots.webchat import history, identity, protocol
from bots.webchat.hub import Hub, MemoryHub, RedisHub
from bots.webchat.protocol import Hello, ProtocolError, SendMessage
from bots.webchat.translate import CHANNEL, WEBCHAT_CAPABILITIES, inbound_body, to_content
from core.config import Settings
from core.errors import DomainError
from core.messaging import Adapted, ChannelCapabilities, Inbound, Outbound, Text
from core.models import Company, Contact
from core.ports import Clock, SystemClock
from core.services import conversations
from core.uow import UnitOfWorkFactory
from dialogs.engine import Present
from dialogs.state import ConversationBusy

log = logging.getLogger(__name__)

MAX_LOCALE = 16


@runtime_checkable
class GatewayPort(Protocol):
    """What the channel needs of `bots.gateway.Gateway`."""

    async def handle(self, inbound: Inbound, present: Present) -> Adapted | None: ...


GatewaySource = GatewayPort | Callable[[], GatewayPort]


@dataclass(frozen=True, slots=True)
class Session:
    visitor: str  # the channel identity's external id: "guest:..." or "cust:<customer id>"
    token: str
    customer: bool
    identity_id: int | None
    locale: str | None


@dataclass(frozen=True, slots=True)
class Received:
    """The outcome of one visitor message: its transcript seq, or that it was a repeat of one stored before."""

    client_id: str
    seq: int
    duplicate: bool
    error: ProtocolError | None = None  # the turn failed after the message was stored


class WebchatSender:
    """The registry's sender for web chat: to the transcript, then a wake-up for open sockets."""

    name = CHANNEL
    capabilities: ChannelCapabilities = WEBCHAT_CAPABILITIES

    def __init__(self, channel: WebchatChannel) -> None:
        self._channel = channel

    async def send(self, external_id: str, messages: Sequence[Outbound]) -> None:
        await self._channel.deliver(external_id, messages)


class WebchatChannel:
    """Sessions, inbound turns and delivery for web chat visitors; one per process."""

    def __init__(self, settings: Settings, uow: UnitOfWorkFactory, *, hub: Hub | None = None,
                 clock: Clock | None = None) -> None:
        self.settings = settings
        self.uow = uow
        self.hub: Hub = hub or (RedisHub.from_url(settings.redis_url) if settings.redis_url else MemoryHub())
        self.clock = clock or SystemClock()
        self.present = presenter(WEBCHAT_CAPABILITIES)
        self.sender = WebchatSender(self)

    async def close(self) -> None:
        await self.hub.close()

    # Sessions -------------------------------------------------------------------------------------

    async def open_session(self, hello: Hello) -> Session:
        """Resume a session, verify a signed customer, or start a guest; `IdentityRefused` for a bad proof.

        A signed identity wins over a session token: the page that signs knows best who is logged in now.
        """
        now = self.clock.now()
        locale = _locale(hello.locale)
        identity_id: int | None
        if hello.identity is not None:
            signed = hello.identity
            visitor = identity.verify_customer(self._identity_secret, signed.customer_id, signed.timestamp,
                                               signed.signature, now=now)
            identity_id = await self._link_customer(visitor, signed.customer_id, locale)
        elif hello.session:
            visitor = identity.verify_session(self._session_secret, hello.session, now=now)
            identity_id = await self._identity_id(visitor)
        else:
            visitor, identity_id = identity.new_guest_key(), None
        token = identity.issue_session(self._session_secret, visitor, now=now)
        return Session(visitor, token, identity.customer_id_of(visitor) is not None, identity_id, locale)

    async def _link_customer(self, visitor: str, customer_id: str, locale: str | None) -> int:
        """The customer's identity, linked to their contact (matched by external id, else e-mail) when known."""
        async with self.uow() as uow:
            identity_id = await history.ensure_identity(uow.session, visitor, now=self.clock.now(),
                                                        locale_hint=locale)
            contact_id = await contact_for_customer(uow.session, customer_id)
            if contact_id is not None:
                await conversations.link_identity(uow.session, identity_id, contact_id)
            await uow.commit()
        return identity_id

    async def _identity_id(self, visitor: str) -> int | None:
        async with self.uow() as uow:
            return await history.identity_id(uow.session, visitor)

    # Reading --------------------------------------------------------------------------------------

    async def transcript(self, visitor: str, after: int, *, limit: int = history.PAGE) -> list[history.Entry]:
        async with self.uow() as uow:
            identity_id = await history.identity_id(uow.session, visitor)
            if identity_id is None:
                return []
            return await history.after(uow.session, identity_id, after, limit=limit)

    async def last_seq(self, visitor: str) -> int:
        async with self.uow() as uow:
            identity_id = await history.identity_id(uow.session, visitor)
            return 0 if identity_id is None else await history.last_seq(uow.session, identity_id)

    async def file(self, token: str) -> history.StoredFile | None:
        async with self.uow() as uow:
            return await history.file_by_token(uow.session, token)

    # Writing --------------------------------------------------------------------------------------

    async def receive(self, session: Session, frame: SendMessage, gateway: GatewayPort,
                      *, before_turn: Callable[[], Awaitable[None]] | None = None) -> Received:
        """Store the visitor's message (once per client id), run the turn, deliver the answer.

        The message is in the transcript before the turn runs, so a repeat sent while the first is still
        being answered is recognised as a repeat and not answered twice.
        """
        content = to_content(frame)  # ProtocolError for a bad file: nothing is stored
        now = self.clock.now()
        async with self.uow() as uow:
            identity_id = await history.ensure_identity(uow.session, session.visitor, now=now,
                                                        locale_hint=session.locale)
            seq, fresh = await history.append_inbound(uow.session, identity_id, frame.id,
                                                      inbound_body(frame, content), now=now)
            await uow.commit()
        if not fresh:
            return Received(frame.id, seq, duplicate=True)
        await self.hub.publish(session.visitor)  # the visitor's other tabs show what they wrote
        if before_turn is not None:
            await before_turn()
        inbound = Inbound(channel=CHANNEL, external_user_id=session.visitor, message_id=frame.id, received_at=now,
                          locale_hint=session.locale, content=content)
        return Received(frame.id, seq, duplicate=False, error=await self._turn(inbound, gateway))

    async def start(self, session: Session, gateway: GatewayPort) -> None:
        """Greet a visitor whose transcript is empty; the gateway's dedupe makes it happen once per visitor."""
        if await self.last_seq(session.visitor):
            return
        inbound = Inbound(channel=CHANNEL, external_user_id=session.visitor, message_id="start",
                          received_at=self.clock.now(), locale_hint=session.locale, content=Text("/start"))
        await self._turn(inbound, gateway)

    async def _turn(self, inbound: Inbound, gateway: GatewayPort) -> ProtocolError | None:
        try:
            adapted = await gateway.handle(inbound, self.present)
        except ConversationBusy:
            return ProtocolError("busy", "the previous message is still being answered; try again")
        except DomainError as error:
            return ProtocolError("refused", str(error))
        except Exception:  # the visitor gets a clear error instead of a dead socket; the trace goes to the log
            log.exception("web chat turn failed for %s", inbound.external_user_id)
            return ProtocolError("internal", "something went wrong on our side; try again")
        if adapted is not None and adapted.messages:
            await self.deliver(inbound.external_user_id, adapted.messages)
        return None

    async def deliver(self, visitor: str, messages: Sequence[Outbound]) -> list[int]:
        """Append to the visitor's transcript and wake their sockets, in every process."""
        now = self.clock.now()
        async with self.uow() as uow:
            identity_id = await history.ensure_identity(uow.session, visitor, now=now)
            seqs = await history.append_outbound(uow.session, identity_id, messages, now=now)
            await uow.commit()
        await self.hub.publish(visitor)
        return seqs

    @property
    def _identity_secret(self) -> str:
        return self.settings.webchat_identity_secret.get_secret_value()

    @property
    def _session_secret(self) -> str:
        return self.settings.secret_key.get_secret_value()


async def contact_for_customer(session: AsyncSession, customer_id: str) -> int | None:
    """The active contact a supplier's customer id names: its external id, or else its e-mail."""
    return await session.scalar(
        select(Contact.id)
        .join(Company, Company.id == Contact.company_id)
        .where(
            or_(Contact.external_id == customer_id, func.lower(Contact.email) == customer_id.strip().lower()),
            Contact.is_active.is_(True),
            Company.is_active.is_(True),
        )
        .order_by(Contact.external_id.is_(None), Contact.id)  # an external id match beats an e-mail match
        .limit(1)
    )


def _locale(value: str | None) -> str | None:
    if not value:
        return None
    return value.strip()[:MAX_LOCALE] or None


def resolve_gateway(source: GatewaySource) -> GatewayPort:
    """The gateway itself, or the one a provider returns (the app builds it after the routes exist)."""
    return source if isinstance(source, GatewayPort) else source()


def entry_frame(entry: history.Entry) -> dict[str, Any]:
    return protocol.message(entry.seq, entry.direction, entry.body, entry.at.isoformat())
