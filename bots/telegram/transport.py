"""Telegram transport: the webhook route, the long-polling runner, and the handling of one recorded update.

Both modes go the same way: record the raw update under its `update_id` (a redelivery is recognised and
dropped), acknowledge, then handle it: translate, download a document, redeem a deep-link invite, run the
turn through the one gateway, send the answer. A handled update is marked with its outcome; one recorded but
never finished (the process died after the ack) is handled by `TelegramChannel.replay_unfinished`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import hmac
import io
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import AnswerCallbackQuery, DeleteWebhook, EditMessageReplyMarkup, GetUpdates, SendChatAction
from aiogram.types import ReplyKeyboardMarkup, Update
from fastapi import APIRouter, BackgroundTasks, Request, Response
from pydantic import ValidationError
from sqlalchemy import select

from bots.fallback import presenter
from bots.gateway import Admission, Gateway
from bots.recorded import REPLAY_AFTER, RecordedUpdates
from bots.registry import RecipientUnreachable
from bots.telegram.sender import Sleep, TelegramSender
from bots.telegram.translate import (
    CHANNEL,
    MAX_DOWNLOAD_BYTES,
    TELEGRAM_CAPABILITIES,
    DocumentRef,
    Ignored,
    MembershipChange,
    Notice,
    PageTurn,
    TelegramEvent,
    UserMessage,
    inline_keyboard,
    main_menu_keyboard,
    read_update,
)
from core.bootstrap import Core
from core.errors import InvalidInput
from core.messaging import FileUpload, Outbound, RawUpdate, SharedContact, Text, TextOut
from core.models import ChannelIdentity
from core.services import conversations, inbound_updates, onboarding, reachability
from dialogs.i18n import choose_locale, t

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
WEBHOOK_PATH = "/telegram/webhook"
MAX_UPDATE_BYTES = 1_000_000
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
_KEYBOARD_COMMANDS = ("/start", "/menu", "/lang", "/language")
TYPING_AFTER_S = 0.5  # a turn still running after this long shows "typing…"

AfterAck = Callable[[], Awaitable[None]]  # what is left of an update's handling once it is acknowledged


class TelegramChannel:
    """Handles Telegram updates for one bot: from the raw JSON to the answer sent."""

    def __init__(self, core: Core, gateway: Gateway | Callable[[], Gateway], sender: TelegramSender, *,
                 typing_after: float = TYPING_AFTER_S) -> None:
        """`gateway` may be a function returning it: the app builds its routes before the runtime exists."""
        self.core = core
        self.typing_after = typing_after
        self._gateway = gateway
        self.sender = sender
        self.bot: Bot = sender.bot
        self._present = presenter(TELEGRAM_CAPABILITIES)
        self.recorded = RecordedUpdates(core, CHANNEL, self._handle_raw)

    @property
    def gateway(self) -> Gateway:
        return self._gateway if isinstance(self._gateway, Gateway) else self._gateway()

    # Taking updates -------------------------------------------------------------------------------

    async def accept(self, raw: Mapping[str, Any], *, callback_answered: bool = False) -> AfterAck | None:
        """Take a raw update before it is acknowledged; what is left to do after the ack, or None when nothing
        is (a redelivery, a conversation a manager has). Raises InvalidInput or ValidationError for a payload
        that is not a Telegram update. `callback_answered`: the ack answers the update's callback query.

        A plain user message (text, a press, a shared contact or location) is admitted here: recorded, finished,
        in the commit that logs it, so the turn after the ack has one commit fewer. Anything else (a document to
        download, a deep link to redeem, other updates), or a message whose admission failed, is only recorded
        here and handled after the ack, from the record."""
        update_id = _update_id(raw)
        update = Update.model_validate(raw, context={"bot": self.bot})
        try:
            event = read_update(update)
            if isinstance(event, UserMessage) and event.document is None and event.start_token is None:
                inbound = replace(event.inbound(event.content), raw_update=RawUpdate(str(update_id), raw))
                admission = await self.gateway.admit(inbound)
                if admission is None or admission.recorded_update is None:
                    return None
                answer = functools.partial(self._answer_admitted, event, admission,
                                           callback_answered=callback_answered)
                return functools.partial(self.recorded.process, admission.recorded_update, raw, answer)
        except Exception:  # recorded below instead, and handled from the record: the error is kept with it
            log.warning("Telegram update %s could not be admitted; handling it from its record", update_id,
                        exc_info=True)
        row = await self.record(raw)
        if row is None:
            return None
        return functools.partial(self.process, row, raw, callback_answered=callback_answered)

    async def record(self, raw: Mapping[str, Any]) -> int | None:
        """Record a raw update before it is acknowledged; its row id, or None for a redelivery."""
        update_id = _update_id(raw)
        async with self.core.uow() as uow:
            row = await inbound_updates.record(uow.session, CHANNEL, str(update_id), raw, now=self.core.clock.now())
            await uow.commit()
        return row

    async def process(self, row_id: int, raw: Mapping[str, Any], *, callback_answered: bool = False) -> None:
        """Handle a recorded update and mark it finished, with the error that stopped it if any.
        `callback_answered`: the webhook's answer already answered its callback query (see the router)."""
        await self.recorded.process(row_id, raw, functools.partial(
            self._handle_raw, callback_answered=callback_answered, recorded_update=row_id))

    async def replay_unfinished(self, older_than: dt.timedelta = REPLAY_AFTER) -> int:
        """Handle updates recorded but never finished (a crash after the ack); how many were handled."""
        return await self.recorded.replay_unfinished(older_than)

    # Handling -------------------------------------------------------------------------------------

    async def _handle_raw(self, raw: Mapping[str, Any], *, callback_answered: bool = False,
                          recorded_update: int | None = None) -> bool:
        update = Update.model_validate(raw, context={"bot": self.bot})
        return await self.handle(update, callback_answered=callback_answered, recorded_update=recorded_update)

    async def handle(self, update: Update, *, callback_answered: bool = False,
                     recorded_update: int | None = None) -> bool:
        """Handle one update; True when the gateway marked `recorded_update` finished."""
        event = read_update(update)
        callback_id = getattr(event, "callback_id", None)
        if callback_id is not None and not callback_answered:
            # Answered first, so the button stops spinning whatever the turn does.
            await self._answer_callback(callback_id, None)
        if isinstance(event, UserMessage):
            return await self._turn(event, recorded_update)
        await self._handle_other(event)
        return False

    async def _handle_other(self, event: TelegramEvent) -> None:
        if isinstance(event, PageTurn):
            await self._turn_page(event)
        elif isinstance(event, Notice):
            await self._notice(event.chat_id, event.user_id, event.locale_hint, event.key)
        elif isinstance(event, MembershipChange):
            async with self.core.uow() as uow:
                await reachability.set_reachable(uow.session, CHANNEL, event.user_id, reachable=not event.blocked)
                await uow.commit()
        else:
            assert isinstance(event, Ignored)
            log.debug("Telegram update ignored: %s", event.reason)

    async def _turn(self, event: UserMessage, recorded_update: int | None = None) -> bool:
        """One turn through the gateway; True when the gateway marked `recorded_update` finished."""
        async with self._typing_if_slow(event.chat_id):
            content = event.content
            if event.document is not None:
                upload = await self._download(event, event.document)
                if upload is None:
                    return False
                content = upload
            preface: tuple[Outbound, ...] = ()
            if event.start_token is not None:
                preface = await self._redeem(event, event.start_token)
            admission = await self.gateway.admit(replace(event.inbound(content), recorded_update=recorded_update))
        if admission is None:
            return False  # a redelivered message, or a manager has the conversation
        await self._answer(event, admission, preface)
        return recorded_update is not None

    async def _answer_admitted(self, event: UserMessage, admission: Admission, _raw: Mapping[str, Any], *,
                               callback_answered: bool) -> bool:
        """After the ack, the turn of a message `accept` admitted (its update is finished already: True)."""
        if event.callback_id is not None and not callback_answered:
            await self._answer_callback(event.callback_id, None)
        await self._answer(event, admission)
        return True

    async def _answer(self, event: UserMessage, admission: Admission, preface: tuple[Outbound, ...] = ()) -> None:
        async with self._typing_if_slow(event.chat_id):
            adapted = await self.gateway.answer(admission, self._present)
            keyboard = await self._menu_keyboard(event) if _changes_menu(event) else None
        await self.sender.send(event.user_id, (*preface, *adapted.messages), reply_keyboard=keyboard)

    async def _download(self, event: UserMessage, document: DocumentRef) -> FileUpload | None:
        if document.size is not None and document.size > MAX_DOWNLOAD_BYTES:
            await self._notice(event.chat_id, event.user_id, event.locale_hint, "telegram.file_too_big",
                               filename=document.filename, limit=MAX_DOWNLOAD_BYTES // (1024 * 1024))
            return None
        file = await self.bot.get_file(document.file_id)
        if file.file_path is None:
            raise InvalidInput("Telegram gave no path for the file", file_id=document.file_id)
        buffer = io.BytesIO()
        await self.bot.download_file(file.file_path, destination=buffer)
        data = buffer.getvalue()
        return FileUpload(filename=document.filename, content_type=document.content_type, data=data, size=len(data))

    async def _redeem(self, event: UserMessage, token: str) -> tuple[Outbound, ...]:
        """A deep link's invite: link a guest to the invited contact; a notice either way (none for members)."""
        now = self.core.clock.now()
        async with self.core.uow() as uow:
            identity = await conversations.resolve_identity(uow.session, CHANNEL, event.user_id, now=now,
                                                            locale_hint=event.locale_hint)
            locale = choose_locale(identity.locale, event.locale_hint)
            if identity.contact_id is not None:
                return ()
            try:
                linked = await onboarding.redeem_invite_code(uow.session, identity.id, token, now=now)
            except InvalidInput:
                return (TextOut(t(locale, "guest.invite.invalid")),)
            await uow.commit()
        return (TextOut(t(locale, "guest.invite.welcome", name=linked.contact_name, company=linked.company_name)),)

    async def _menu_keyboard(self, event: UserMessage) -> ReplyKeyboardMarkup:
        async with self.core.uow() as uow:
            row = (await uow.session.execute(
                select(ChannelIdentity.contact_id, ChannelIdentity.locale)
                .where(ChannelIdentity.channel == CHANNEL, ChannelIdentity.external_id == event.user_id)
            )).first()
        contact_id, saved_locale = (row[0], row[1]) if row is not None else (None, None)
        return main_menu_keyboard(choose_locale(saved_locale, event.locale_hint), member=contact_id is not None)

    async def _turn_page(self, event: PageTurn) -> None:
        buttons = await self.sender.pages.get(event.chat_id, event.message_id)
        if buttons is None:
            await self._notice(event.chat_id, str(event.chat_id), event.locale_hint, "telegram.list_expired")
            return
        await self.sender.call(event.chat_id, EditMessageReplyMarkup(
            chat_id=event.chat_id, message_id=event.message_id, reply_markup=inline_keyboard(buttons, event.page)))

    async def _notice(self, chat_id: int, user_id: str, locale_hint: str | None, key: str, **params: object) -> None:
        async with self.core.uow() as uow:
            saved = await uow.session.scalar(
                select(ChannelIdentity.locale)
                .where(ChannelIdentity.channel == CHANNEL, ChannelIdentity.external_id == user_id)
            )
        await self.sender.send(str(chat_id), [TextOut(t(choose_locale(saved, locale_hint), key, **params))])

    @contextlib.asynccontextmanager
    async def _typing_if_slow(self, chat_id: int) -> AsyncIterator[None]:
        """Shows "typing…" in the chat once the work inside has taken `typing_after` seconds: a turn answered
        sooner costs no Bot API call for it. An action already on its way is awaited, so it never follows the
        answer (which would show "typing…" under a finished reply)."""
        typing: asyncio.Task[None] | None = None

        def start() -> None:
            nonlocal typing
            typing = asyncio.create_task(self._typing(chat_id))

        timer = asyncio.get_running_loop().call_later(self.typing_after, start)
        try:
            yield
        finally:
            timer.cancel()
            if typing is not None:
                await typing

    async def _typing(self, chat_id: int) -> None:
        try:
            await self.sender.call(chat_id, SendChatAction(chat_id=chat_id, action="typing"))
        except (TelegramAPIError, RecipientUnreachable) as failure:  # a courtesy: the turn goes on without it
            log.info("typing action for chat %s failed: %s", chat_id, failure)

    async def _answer_callback(self, callback_id: str, text: str | None) -> None:
        try:
            await self.bot(AnswerCallbackQuery(callback_query_id=callback_id, text=text))
        except TelegramAPIError as failure:  # a query older than Telegram keeps cannot be answered any more
            log.info("callback %s could not be answered: %s", callback_id, failure)


def _update_id(raw: Mapping[str, Any]) -> int:
    update_id = raw.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise InvalidInput("a Telegram update needs an integer update_id")
    return update_id


def _changes_menu(event: UserMessage) -> bool:
    """Turns after which the reply keyboard is (re)sent: a start, a language change, a sign-in."""
    if event.start_token is not None or isinstance(event.content, SharedContact):
        return True
    if isinstance(event.content, Text):
        words = event.content.text.strip().split()
        return bool(words) and words[0].split("@", 1)[0].casefold() in _KEYBOARD_COMMANDS
    return False


# Webhook ------------------------------------------------------------------------------------------


def create_telegram_webhook_router(channel: TelegramChannel, secret: str) -> APIRouter:
    """`POST /telegram/webhook`: Telegram's secret header checked, the update recorded, acknowledged, handled.

    The update is handled after the response is sent (a background task), so Telegram gets its ack at once;
    it is recorded first, so nothing acknowledged is lost. A button press is answered in the ack itself (a
    Bot API method in the webhook's response, which Telegram carries out): the button stops spinning at once,
    and the turn makes one Bot API request fewer.
    """
    if not secret:
        raise ValueError("a Telegram webhook needs TELEGRAM_WEBHOOK_SECRET")
    expected = secret.encode()
    router = APIRouter(tags=["telegram"])

    @router.post(WEBHOOK_PATH, operation_id="telegram_webhook", include_in_schema=False)
    async def telegram_webhook(request: Request, background: BackgroundTasks) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return _problem(401, "wrong or missing secret token")
        body = await request.body()
        if len(body) > MAX_UPDATE_BYTES:
            return _problem(413, "update too large")
        try:
            raw = json.loads(body)
            if not isinstance(raw, dict):
                raise ValueError("not an object")
            callback = raw.get("callback_query")
            callback_id = callback.get("id") if isinstance(callback, dict) else None
            after_ack = await channel.accept(raw, callback_answered=isinstance(callback_id, str))
        except (ValueError, ValidationError, InvalidInput):
            return _problem(400, "not a Telegram update")
        if after_ack is not None:
            background.add_task(after_ack)
        if isinstance(callback_id, str):
            return Response(json.dumps({"method": "answerCallbackQuery", "callback_query_id": callback_id}),
                            media_type="application/json")
        return Response(status_code=200)

    return router


def _problem(status: int, detail: str) -> Response:
    return Response(json.dumps({"detail": detail}), status_code=status, media_type="application/json")


# Long polling -------------------------------------------------------------------------------------


async def run_polling(
    channel: TelegramChannel,
    *,
    stop: asyncio.Event | None = None,
    poll_timeout: int = 25,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Fetch updates with `getUpdates` until `stop` is set, recording and handling each like the webhook does.

    The webhook is removed first (Telegram refuses `getUpdates` while one is set), and updates left unfinished
    by a previous run are handled before new ones.
    """
    stop = stop or asyncio.Event()
    bot = channel.bot
    await bot(DeleteWebhook(drop_pending_updates=False))
    await channel.replay_unfinished(dt.timedelta(0))
    offset: int | None = None
    failures = 0
    while not stop.is_set():
        try:
            updates = await bot(GetUpdates(offset=offset, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES),
                                request_timeout=poll_timeout + 10)
        except TelegramRetryAfter as flood:
            await sleep(flood.retry_after)
            continue
        except (TelegramServerError, TelegramNetworkError) as failure:
            failures += 1
            log.warning("getUpdates failed (%s); retrying", failure)
            await sleep(min(60.0, 0.5 * 2 ** min(failures, 7)))
            continue
        failures = 0
        for update in updates:
            after_ack = await channel.accept(update.model_dump(mode="json", exclude_none=True, by_alias=True))
            if after_ack is not None:
                await after_ack()
            offset = max(offset or 0, update.update_id + 1)
