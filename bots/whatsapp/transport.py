"""WhatsApp transport: the Cloud API webhook route, and the handling of one recorded message.

`GET /whatsapp/webhook` answers Meta's verification (`hub.verify_token` -> `hub.challenge`). `POST` checks
`X-Hub-Signature-256` (HMAC-SHA256 of the raw body under the app secret, compared in constant time) before
anything is read; then delivery statuses are written to the message log, and each message is recorded under its
WhatsApp id (a redelivery is recognised and dropped), acknowledged, and handled after the response: who wrote
(their phone number matched against contacts, else a guest), a document downloaded, the turn run through the one
gateway, the answer sent, and whatever was held for them released. A message recorded but never finished (the
process died after the ack) is handled by `WhatsAppChannel.replay_unfinished`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx
from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.responses import PlainTextResponse
from sqlalchemy import select

from bots.fallback import presenter
from bots.gateway import Gateway
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
    read_message,
    read_status,
    split_webhook,
)
from core.bootstrap import Core
from core.errors import InvalidInput
from core.messaging import FileUpload, TextOut
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

    # Recording ------------------------------------------------------------------------------------

    async def record(self, items: Sequence[WebhookItem]) -> list[Recorded]:
        """Record the messages of a webhook before it is acknowledged; redeliveries are left out."""
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

    async def process_all(self, recorded: Sequence[Recorded]) -> None:
        """Handle recorded messages in the order they came (one webhook may carry several from one user)."""
        for row_id, payload in recorded:
            await self.process(row_id, payload)

    async def process(self, row_id: int, payload: Mapping[str, Any]) -> None:
        """Handle a recorded message and mark it finished, with the error that stopped it if any."""
        await self.recorded.process(row_id, payload)

    async def replay_unfinished(self, older_than: dt.timedelta = REPLAY_AFTER) -> int:
        """Handle messages recorded but never finished (a crash after the ack); how many were handled."""
        return await self.recorded.replay_unfinished(older_than)

    # Handling -------------------------------------------------------------------------------------

    async def handle(self, payload: Mapping[str, Any]) -> None:
        event = read_message(payload)
        if isinstance(event, Ignored):
            log.debug("WhatsApp message ignored: %s", event.reason)
            return
        external_id, identity = await self._admit(event.sender)
        if isinstance(event, Notice):
            await self._notice(external_id, identity, event.key)
            return
        await self._turn(event, external_id, identity)

    async def _turn(self, event: UserMessage, external_id: str, identity: IdentityView) -> None:
        await self._typing(event.message_id)
        content = event.content
        if event.media is not None:
            upload = await self._download(external_id, identity, event.media)
            if upload is None:
                return
            content = upload
        gateway = self._gateway if isinstance(self._gateway, Gateway) else self._gateway()
        adapted = await gateway.handle(event.inbound(external_id, content), self._present)
        if adapted is not None:
            ids = await self.sender.send_turn(external_id, adapted.messages)
            async with self.core.uow() as uow:
                conversation = await conversations.conversation_for(uow.session, identity)
                await message_status.attach_channel_ids(uow.session, conversation.id, ids)
                await uow.commit()
        await self.sender.release_held(external_id)

    async def _admit(self, sender: Sender) -> tuple[str, IdentityView]:
        """The writer's identity (found by business-scoped id first), reachable again, and signed in by phone.

        WhatsApp has verified the number, so a number that is an active contact's signs its owner in.
        """
        now = self.core.clock.now()
        async with self.core.uow() as uow:
            session = uow.session
            external_id = sender.external_id
            if sender.scoped_user_id:
                known = await session.scalar(
                    select(ChannelIdentity.external_id)
                    .where(ChannelIdentity.channel == CHANNEL, ChannelIdentity.scoped_user_id == sender.scoped_user_id)
                    .limit(1)
                )
                external_id = known or external_id
            identity = await conversations.resolve_identity(session, CHANNEL, external_id, now=now,
                                                            display_name=sender.name,
                                                            locale_hint=sender.locale_hint)
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
            view = IdentityView(row.id, CHANNEL, row.external_id, row.contact_id, row.display_name, row.locale)
            await uow.commit()
        return external_id, view

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
    """`GET` and `POST /whatsapp/webhook`: Meta's verification, and signed notifications recorded then handled.

    Messages are handled after the response is sent (a background task), so Meta gets its 200 at once; they are
    recorded first, so nothing acknowledged is lost. A wrong signature is refused before the body is parsed.
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
        recorded = await channel.record([item for item in items if item.kind == "message"])
        if recorded:
            background.add_task(channel.process_all, recorded)
        return Response(status_code=200)

    return router


def _problem(status: int, detail: str) -> Response:
    return Response(json.dumps({"detail": detail}), status_code=status, media_type="application/json")

