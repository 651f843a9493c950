"""WhatsApp transport: the Cloud API webhook route, and the handling of its messages before and after the ack.

`GET /whatsapp/webhook` answers Meta's verification (`hub.verify_token` -> `hub.challenge`). `POST` checks
`X-Hub-Signature-256` (HMAC-SHA256 of the raw body under the app secret, compared in constant time) before
anything is read; then delivery statuses are written to the message log, and each message is taken under its
WhatsApp id (a redelivery is recognised and dropped) before the ack. A plain message (text, a press, a location,
a contact card, a catalogue order) is admitted through the one gateway in one commit: recorded finished, who
wrote worked out (found by business-scoped id first; a number that is a contact's signs its owner in, else a
guest), and logged; after the ack its turn runs, the answer is sent, and whatever was held for them released.
A document to download, a message answered with a hint, or one whose admission failed is only recorded, and
handled from the record after the ack. A message recorded but never finished (the process died after the ack)
is handled by `WhatsAppChannel.replay_unfinished`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeGuard

import httpx
from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.responses import PlainTextResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bots.fallback import presenter
from bots.gateway import Admission, Gateway
from bots.recorded import REPLAY_AFTER, RecordedUpdates
from bots.whatsapp.graph import GraphError
from bots.whatsapp.sender import UNDELIVERABLE, WhatsAppSender
from bots.whatsapp.translate import (
    CHANNEL,
    WHATSAPP_CAPABILITIES,
    Ignored,
    MediaRef,
    Notice,
    Sender,
    UserMessage,
    WebhookItem,
    WhatsAppEvent,
    read_message,
    read_status,
    split_webhook,
)
from core.bootstrap import Core
from core.errors import InvalidInput
from core.messaging import FileUpload, RawUpdate, TextOut
from core.models import ChannelIdentity
from core.services import conversations, inbound_updates, message_status, onboarding, reachability
from core.services.conversations import IdentityView
from dialogs.i18n import choose_locale, t

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/whatsapp/webhook"
SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_WEBHOOK_BYTES = 3_000_000
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_CHALLENGE = 200
FILE_TOO_BIG_HINT = "telegram.file_too_big"  # channel-neutral wording


Recorded = tuple[int, dict[str, Any]]
AfterAck = Callable[[], Awaitable[None]]  # what is left of a message's handling once the webhook is acknowledged


class WhatsAppChannel:
    """Handles WhatsApp webhooks for one business phone number: from the raw JSON to the answer sent."""

    def __init__(self, core: Core, gateway: Gateway | Callable[[], Gateway], sender: WhatsAppSender) -> None:
        """`gateway` may be a function returning it: the app builds its routes before the runtime exists."""
        self.core = core
        self._gateway = gateway
        self.sender = sender
        self.phone_number_id = sender.api.phone_number_id
        self._present = presenter(WHATSAPP_CAPABILITIES)
        self.recorded = RecordedUpdates(core, CHANNEL, self.handle)

    @property
    def gateway(self) -> Gateway:
        return self._gateway if isinstance(self._gateway, Gateway) else self._gateway()

    # Taking messages ------------------------------------------------------------------------------

    async def accept(self, items: Sequence[WebhookItem]) -> list[AfterAck]:
        """Take a webhook's messages before it is acknowledged; what is left to do after the ack, in their order
        (a redelivery leaves nothing).

        A plain message (text, a press, a location, a contact card, a catalogue order) is admitted here: recorded,
        finished, in the commit that works out who wrote and logs it, so the turn after the ack has fewer commits.
        A document to download, a message answered with a hint, or one whose admission failed is only recorded,
        with the messages after it (the log keeps their order), and handled after the ack from the record."""
        after_ack: list[AfterAck] = []
        admitted = 0
        for item in items:
            event = read_message(item.payload)
            if not _plain(event):
                break
            try:
                after = await self._admit_new(item, event)
            except Exception:  # recorded below instead, and handled from the record: the error is kept with it
                log.warning("WhatsApp message %s could not be admitted; handling it from its record", item.key,
                            exc_info=True)
                break
            admitted += 1
            if after is not None:
                after_ack.append(after)
        recorded = await self.record(items[admitted:])
        after_ack.extend(functools.partial(self.process, row_id, payload) for row_id, payload in recorded)
        return after_ack

    async def record(self, items: Sequence[WebhookItem]) -> list[Recorded]:
        """Record the messages of a webhook before it is acknowledged; redeliveries are left out."""
        if not items:
            return []
        recorded: list[Recorded] = []
        async with self.core.uow() as uow:
            for item in items:
                row = await inbound_updates.record(uow.session, CHANNEL, item.key, item.payload,
                                                   now=self.core.clock.now())
                if row is not None:
                    recorded.append((row, item.payload))
            await uow.commit()
        return recorded

    async def apply_statuses(self, items: Sequence[WebhookItem]) -> None:
        """Delivery statuses onto the message log; a failure WhatsApp calls undeliverable stops further sends."""
        if not items:
            return
        async with self.core.uow() as uow:
            for item in items:
                status = read_status(item.payload)
                await message_status.record_status(uow.session, CHANNEL, status.message_id, status.status,
                                                   error=status.error_text)
                if status.recipient_id and any(code in UNDELIVERABLE for code, _ in status.errors):
                    await reachability.set_reachable(uow.session, CHANNEL, status.recipient_id, reachable=False)
            await uow.commit()

    async def run_after_ack(self, after_ack: Sequence[AfterAck]) -> None:
        """What `accept` left of a webhook's messages, in the order they came (one webhook may carry several from
        one user); one that fails stops none after it."""
        for step in after_ack:
            try:
                await step()
            except Exception:  # its message is finished already (a record keeps its own error); go on with the next
                log.exception("handling a WhatsApp message after the ack failed")

    async def process(self, row_id: int, payload: Mapping[str, Any]) -> None:
        """Handle a recorded message and mark it finished, with the error that stopped it if any."""
        await self.recorded.process(row_id, payload, functools.partial(self.handle, recorded_update=row_id))

    async def replay_unfinished(self, older_than: dt.timedelta = REPLAY_AFTER) -> int:
        """Handle messages recorded but never finished (a crash after the ack); how many were handled."""
        return await self.recorded.replay_unfinished(older_than)

    # Handling -------------------------------------------------------------------------------------

    async def handle(self, payload: Mapping[str, Any], *, recorded_update: int | None = None) -> bool:
        """Handle one recorded message; True when the gateway marked `recorded_update` finished."""
        event = read_message(payload)
        if isinstance(event, Ignored):
            log.debug("WhatsApp message ignored: %s", event.reason)
            return False
        if _plain(event):
            admission, external_id = await self._admit(event, recorded_update=recorded_update)
            if external_id is not None:
                await self._after_admission(event.message_id, external_id, admission)
            return admission is not None and recorded_update is not None
        identity = await self._admit_writer(event.sender)
        if isinstance(event, Notice):
            await self._notice(identity.external_id, identity, event.key)
        elif event.media is not None:
            await self._document_turn(event, event.media, identity)
        return False

    async def _admit_new(self, item: WebhookItem, event: UserMessage) -> AfterAck | None:
        """Admit a plain message of the webhook at hand; what is left after the ack, None for a redelivery."""
        admission, external_id = await self._admit(event, raw_update=RawUpdate(item.key, item.payload))
        if external_id is None:
            return None
        if admission is None or admission.recorded_update is None:  # a manager has the conversation
            return functools.partial(self._after_admission, event.message_id, external_id, None)
        answer = functools.partial(self._answer_admitted, event, admission)
        return functools.partial(self.recorded.process, admission.recorded_update, item.payload, answer)

    async def _admit(self, event: UserMessage, *, raw_update: RawUpdate | None = None,
                     recorded_update: int | None = None) -> tuple[Admission | None, str | None]:
        """The gateway's admission of a plain message, who wrote worked out in its unit of work (`_identify`);
        and the writer's external id, None when the gateway dropped a redelivered update before that."""
        writers: list[IdentityView] = []

        async def identify(session: AsyncSession) -> IdentityView:
            writers.append(await self._identify(session, event.sender))
            return writers[-1]

        inbound = replace(event.inbound(event.sender.external_id), raw_update=raw_update,
                          recorded_update=recorded_update)
        admission = await self.gateway.admit(inbound, identify)
        return admission, (writers[-1].external_id if writers else None)

    async def _answer_admitted(self, event: UserMessage, admission: Admission, _payload: Mapping[str, Any]) -> bool:
        """After the ack, the turn of a message `accept` admitted (its update is finished already: True)."""
        await self._after_admission(event.message_id, admission.inbound.external_user_id, admission)
        return True

    async def _after_admission(self, message_id: str, external_id: str, admission: Admission | None) -> None:
        """After the ack: the message marked read (showing "typing…"), then the reply."""
        await self._typing(message_id)
        await self._reply(external_id, admission)

    async def _document_turn(self, event: UserMessage, media: MediaRef, identity: IdentityView) -> None:
        """The turn of a message with a document, downloaded first."""
        external_id = identity.external_id
        await self._typing(event.message_id)
        upload = await self._download(external_id, identity, media)
        if upload is None:
            return
        await self._reply(external_id, await self.gateway.admit(event.inbound(external_id, upload)))

    async def _reply(self, external_id: str, admission: Admission | None) -> None:
        """The turn of an admitted message (none when a manager has the conversation), the answer sent and its
        WhatsApp ids kept; then whatever was held for the writer released."""
        if admission is not None:
            adapted = await self.gateway.answer(admission, self._present)
            ids = await self.sender.send_turn(external_id, adapted.messages)
            async with self.core.uow() as uow:
                await message_status.attach_channel_ids(uow.session, admission.conversation.id, ids)
                await uow.commit()
        await self.sender.release_held(external_id)

    async def _admit_writer(self, sender: Sender) -> IdentityView:
        """Who wrote, worked out in a unit of work of its own (for a message the gateway does not admit at once)."""
        async with self.core.uow() as uow:
            identity = await self._identify(uow.session, sender)
            await uow.commit()
        return identity

    async def _identify(self, session: AsyncSession, sender: Sender) -> IdentityView:
        """The writer's identity (found by business-scoped id first), reachable again, and signed in by phone.

        WhatsApp has verified the number, so a number that is an active contact's signs its owner in.
        """
        now = self.core.clock.now()
        external_id = sender.external_id
        if sender.scoped_user_id:
            known = await session.scalar(
                select(ChannelIdentity.external_id)
                .where(ChannelIdentity.channel == CHANNEL, ChannelIdentity.scoped_user_id == sender.scoped_user_id)
                .limit(1)
            )
            external_id = known or external_id
        identity = await conversations.resolve_identity(session, CHANNEL, external_id, now=now,
                                                        display_name=sender.name, locale_hint=sender.locale_hint)
        row = await session.get(ChannelIdentity, identity.id)
        assert row is not None
        row.unreachable = False  # they wrote: whatever failed before, they can be reached now
        if sender.scoped_user_id:
            row.scoped_user_id = sender.scoped_user_id
        if row.contact_id is None and sender.phone is not None:
            try:
                await onboarding.link_by_phone(session, identity.id, sender.phone, user_id_matches=True)
            except InvalidInput:
                log.info("WhatsApp number of identity %s is not a phone number", identity.id)
        await session.flush()
        return IdentityView(row.id, CHANNEL, row.external_id, row.contact_id, row.display_name, row.locale)

    async def _download(self, external_id: str, identity: IdentityView, media: MediaRef) -> FileUpload | None:
        info = await self.sender.call(external_id, lambda: self.sender.api.media_info(media.media_id), paced=False)
        too_big = info.file_size is not None and info.file_size > MAX_DOWNLOAD_BYTES
        data = None if too_big else await self.sender.call(
            external_id, lambda: self.sender.api.download(info.url, max_bytes=MAX_DOWNLOAD_BYTES), paced=False)
        if data is None:
            await self._notice(external_id, identity, FILE_TOO_BIG_HINT, filename=media.filename,
                               limit=MAX_DOWNLOAD_BYTES // (1024 * 1024))
            return None
        content_type = media.content_type or info.mime_type or "application/octet-stream"
        return FileUpload(filename=media.filename, content_type=content_type, data=data, size=len(data))

    async def _typing(self, message_id: str) -> None:
        try:
            await self.sender.api.mark_read(message_id, typing=True)
        except (GraphError, httpx.HTTPError) as failure:  # a courtesy: the turn goes on without it
            log.info("marking WhatsApp message %s read failed: %s", message_id, failure)

    async def _notice(self, external_id: str, identity: IdentityView, key: str, **params: object) -> None:
        text = t(choose_locale(identity.locale, None), key, **params)
        await self.sender.send_turn(external_id, [TextOut(text)])


# Webhook ------------------------------------------------------------------------------------------


def signature_matches(app_secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether `header` is `sha256=<hex HMAC-SHA256 of body under the app secret>`; constant-time."""
    expected = "sha256=" + hmac.new(app_secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest((header or "").strip().lower().encode(), expected.encode())


def create_whatsapp_webhook_router(channel: WhatsAppChannel, *, verify_token: str, app_secret: str) -> APIRouter:
    """`GET` and `POST /whatsapp/webhook`: Meta's verification, and signed notifications taken then handled.

    Messages are admitted or recorded before the response (`WhatsAppChannel.accept`), so nothing acknowledged is
    lost, and answered after it (a background task), so Meta gets its 200 at once. A wrong signature is refused
    before the body is parsed.
    """
    if not verify_token or not app_secret:
        raise ValueError("a WhatsApp webhook needs WHATSAPP_VERIFY_TOKEN and WHATSAPP_APP_SECRET")
    expected_token = verify_token.encode()
    secret = app_secret.encode()
    router = APIRouter(tags=["whatsapp"])

    @router.get(WEBHOOK_PATH, operation_id="whatsapp_verify", include_in_schema=False)
    async def whatsapp_verify(request: Request) -> Response:
        params = request.query_params
        given = params.get("hub.verify_token", "").encode()
        challenge = params.get("hub.challenge", "")
        if (params.get("hub.mode") != "subscribe" or not hmac.compare_digest(given, expected_token)
                or not challenge or len(challenge) > MAX_CHALLENGE):
            return _problem(403, "verification refused")
        return PlainTextResponse(challenge)

    @router.post(WEBHOOK_PATH, operation_id="whatsapp_webhook", include_in_schema=False)
    async def whatsapp_webhook(request: Request, background: BackgroundTasks) -> Response:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_WEBHOOK_BYTES:
            return _problem(413, "notification too large")
        body = await request.body()
        if len(body) > MAX_WEBHOOK_BYTES:
            return _problem(413, "notification too large")
        if not signature_matches(secret, body, request.headers.get(SIGNATURE_HEADER)):
            return _problem(401, "wrong or missing X-Hub-Signature-256")
        try:
            items = split_webhook(json.loads(body), channel.phone_number_id)
        except (ValueError, InvalidInput):
            return _problem(400, "not a WhatsApp Business Account notification")
        await channel.apply_statuses([item for item in items if item.kind == "status"])
        after_ack = await channel.accept([item for item in items if item.kind == "message"])
        if after_ack:
            background.add_task(channel.run_after_ack, after_ack)
        return Response(status_code=200)

    return router


def _plain(event: WhatsAppEvent) -> TypeGuard[UserMessage]:
    """A message the gateway admits as it is: nothing to download first."""
    return isinstance(event, UserMessage) and event.media is None


def _problem(status: int, detail: str) -> Response:
    return Response(json.dumps({"detail": detail}), status_code=status, media_type="application/json")

