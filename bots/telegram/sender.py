"""Sending to Telegram within its limits: rate limiting, retries, blocked users, and paged keyboards.

`TelegramSender` is the channel registry's sender for Telegram (so the `Notifier` reaches Telegram users) and
the way conversation replies go out. Every Bot API call waits for the rate limiter (about one message a second
per chat with a short burst, thirty a second overall), honours `retry_after` on 429, retries 5xx and network
errors with exponential backoff, and on 403 (the user blocked the bot) marks the identity unreachable and
raises `RecipientUnreachable`, so the registry moves on to the contact's next identity.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Message, ReplyKeyboardMarkup
from aiohttp import ClientError, ClientTimeout

from bots.pacing import RateLimiter
from bots.registry import RecipientUnreachable
from bots.telegram.translate import CHANNEL, TELEGRAM_CAPABILITIES, Outgoing, to_outgoing
from core.messaging import Button, Outbound
from core.services import reachability
from core.uow import UnitOfWorkFactory

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


def create_bot(token: str, api_base: str = "https://api.telegram.org") -> Bot:
    """An aiogram `Bot` talking to `api_base` (Telegram's cloud, a self-hosted Bot API server, or a test fake)."""
    session = JsonBodySession(api=TelegramAPIServer.from_base(api_base))
    session.middleware(KeepResponseModels())
    return Bot(token, session=session)


class JsonBodySession(AiohttpSession):
    """aiogram's aiohttp session, sending a method as a JSON body (the Bot API takes JSON as well as forms);
    a form, as aiogram builds it, only when a file goes up. A JSON body costs less to build than aiogram's
    form, whose every nested value is serialised on its own (about 0.15 ms a call less, side by side)."""

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None,  # noqa: ASYNC109 - aiogram's
    ) -> TelegramType:
        files: dict[str, Any] = {}
        params = self.prepare_value(method.model_dump(warnings=False), bot=bot, files=files, _dumps_json=False)
        if files:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        limit = ClientTimeout(total=self.timeout if timeout is None else timeout)
        try:
            async with session.post(url, data=self.json_dumps(params), headers=_JSON_BODY, timeout=limit) as response:
                raw_result = await response.text()
        except TimeoutError as error:
            raise TelegramNetworkError(method=method, message="Request timeout error") from error
        except ClientError as error:
            raise TelegramNetworkError(method=method, message=f"{type(error).__name__}: {error}") from error
        result = self.check_response(bot=bot, method=method, status_code=response.status, content=raw_result)
        return cast(TelegramType, result.result)


_JSON_BODY = {"Content-Type": "application/json"}


class KeepResponseModels(BaseRequestMiddleware):
    """Keeps the `Response[T]` model of each Bot API method called, so it is built once per process.

    aiogram reads every answer with `Response[method.__returning__]`, and pydantic caches parametrised models
    weakly: once a garbage collection finds no answer of that kind alive, the model and its validator are built
    again by the next call (about 10 ms for `Response[Message]`, on the event loop).
    """

    def __init__(self) -> None:
        self._kept: dict[Any, type[Response[Any]]] = {}

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._kept:
            self._kept[returning] = Response[returning]  # type: ignore[valid-type] # a type known at run time
        return await make_request(bot, method)


class KeyboardPages(Protocol):
    """The full keyboards of paged messages, by (chat, message id), for the page buttons to turn."""

    async def keep(self, chat_id: int, message_id: int, buttons: tuple[Button, ...]) -> None: ...

    async def get(self, chat_id: int, message_id: int) -> tuple[Button, ...] | None: ...


class MemoryKeyboardPages:
    """Kept in this process, the oldest forgotten: after a restart a page button answers "list expired"."""

    def __init__(self, capacity: int = 5_000) -> None:
        self._capacity = capacity
        self._pages: OrderedDict[tuple[int, int], tuple[Button, ...]] = OrderedDict()

    async def keep(self, chat_id: int, message_id: int, buttons: tuple[Button, ...]) -> None:
        self._pages[(chat_id, message_id)] = buttons
        self._pages.move_to_end((chat_id, message_id))
        while len(self._pages) > self._capacity:
            self._pages.popitem(last=False)

    async def get(self, chat_id: int, message_id: int) -> tuple[Button, ...] | None:
        return self._pages.get((chat_id, message_id))


class RedisKeyboardPages:
    """Kept in Redis for `ttl`, so a page button works whichever replica the press reaches."""

    def __init__(self, redis: Redis, *, ttl: dt.timedelta = dt.timedelta(days=2),
                 prefix: str = "b2bot:tg:pages:") -> None:
        self._redis = redis
        self._ttl = ttl
        self._prefix = prefix

    async def keep(self, chat_id: int, message_id: int, buttons: tuple[Button, ...]) -> None:
        data = json.dumps([[b.title, b.payload] for b in buttons], ensure_ascii=False)
        await self._redis.set(f"{self._prefix}{chat_id}:{message_id}", data, ex=self._ttl)

    async def get(self, chat_id: int, message_id: int) -> tuple[Button, ...] | None:
        raw = await self._redis.get(f"{self._prefix}{chat_id}:{message_id}")
        if raw is None:
            return None
        return tuple(Button(str(title), str(payload)) for title, payload in json.loads(raw))


class TelegramSender:
    """Sends neutral messages to Telegram chats; implements `bots.registry.ChannelSender`."""

    name = CHANNEL
    capabilities = TELEGRAM_CAPABILITIES

    def __init__(self, bot: Bot, uow: UnitOfWorkFactory, *, limiter: RateLimiter | None = None,
                 sleep: Sleep = asyncio.sleep, max_attempts: int = 5, backoff: float = 0.5,
                 pages: KeyboardPages | None = None) -> None:
        self.bot = bot
        self._uow = uow
        self._sleep = sleep
        self.limiter = limiter or RateLimiter(sleep=sleep)
        self._max_attempts = max_attempts
        self._backoff = backoff
        self.pages: KeyboardPages = pages or MemoryKeyboardPages()

    async def send(self, external_id: str, messages: Sequence[Outbound],
                   reply_keyboard: ReplyKeyboardMarkup | None = None) -> None:
        """Send a turn's messages in order; stops at the first that cannot be delivered (and raises)."""
        chat_id = int(external_id)
        for item in to_outgoing(messages, chat_id, reply_keyboard):
            await self._send_one(chat_id, item)

    async def _send_one(self, chat_id: int, item: Outgoing) -> None:
        try:
            sent = await self.call(chat_id, item.method)
        except TelegramBadRequest:
            if item.plain is None:
                raise
            # Telegram could not fetch the picture (a dead link, a huge file): the text still matters.
            log.warning("photo refused for chat %s; sending the text instead", chat_id)
            sent = await self.call(chat_id, item.plain)
        if item.pages and isinstance(sent, Message):
            await self.pages.keep(chat_id, sent.message_id, item.pages)

    async def call(self, chat_id: int, method: TelegramMethod[T]) -> T:
        """Run one Bot API method for `chat_id` within the limits, retrying what can be retried."""
        for attempt in range(1, self._max_attempts + 1):
            await self.limiter.acquire(chat_id)
            try:
                return await self.bot(method)
            except TelegramRetryAfter as flood:
                if attempt == self._max_attempts:
                    raise
                log.info("Telegram asks to wait %s s before writing to chat %s", flood.retry_after, chat_id)
                self.limiter.hold(chat_id, flood.retry_after)
            except TelegramForbiddenError as forbidden:
                await self._mark_unreachable(chat_id)
                raise RecipientUnreachable(f"chat {chat_id}: {forbidden.message}") from forbidden
            except (TelegramServerError, TelegramNetworkError) as failure:
                if isinstance(failure, TelegramEntityTooLarge) or attempt == self._max_attempts:
                    raise
                await self._sleep(self._backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover

    async def _mark_unreachable(self, chat_id: int) -> None:
        async with self._uow() as uow:
            await reachability.set_reachable(uow.session, CHANNEL, str(chat_id), reachable=False)
            await uow.commit()
        log.info("Telegram chat %s blocked the bot; its identity is marked unreachable", chat_id)
