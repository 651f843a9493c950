"""The Telegram test rig: a fake Bot API server on a local port, a real aiogram `Bot` reaching it through its
base URL, the webhook route on an ASGI app, and the one gateway behind it."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiogram import Bot
from fastapi import FastAPI

from bots.gateway import Gateway
from bots.registry import ChannelRegistry
from bots.telegram import (
    SECRET_HEADER,
    WEBHOOK_PATH,
    RateLimiter,
    TelegramChannel,
    TelegramSender,
    create_bot,
    create_telegram_webhook_router,
)
from core.bootstrap import Core
from dialogs.assembly import Engines
from tests.fakes.telegram_bot_api import TOKEN, FakeBotApi, FakeTime
from tests.gateway_harness import engines_for_tests

SECRET = "s3cret-webhook-token"
UPDATES = Path(__file__).parent / "updates"
_ids = itertools.count(200_000_000)


def load_update(name: str, *, fresh: bool = False, **placeholders: str) -> dict[str, Any]:
    """A recorded update from updates/<name>.json; placeholders (INVITE_TOKEN, PHONE) replaced; `fresh` gives
    it a new update id and message id, as a new message of the same shape would have."""
    text = (UPDATES / f"{name}.json").read_text(encoding="utf-8")
    for key, value in placeholders.items():
        text = text.replace(key, value)
    update: dict[str, Any] = json.loads(text)
    if fresh:
        update["update_id"] = next(_ids)
        for kind in ("message", "edited_message"):
            if kind in update:
                update[kind]["message_id"] = next(_ids)
        if "callback_query" in update:
            update["callback_query"]["id"] = str(next(_ids))
    return update


def text_update(text: str, *, user_id: int = 555001, language: str = "en") -> dict[str, Any]:
    update = load_update("message_text", fresh=True)
    message = update["message"]
    message["text"] = text
    message["from"]["id"] = message["chat"]["id"] = user_id
    message["from"]["language_code"] = language
    return update


def press_update(data: str, *, user_id: int = 555001, message_id: int = 1001) -> dict[str, Any]:
    update = load_update("callback_query", fresh=True)
    query = update["callback_query"]
    query["data"] = data
    query["from"]["id"] = query["message"]["chat"]["id"] = user_id
    query["message"]["message_id"] = message_id
    return update


@dataclass
class Rig:
    core: Core
    api: FakeBotApi
    time: FakeTime
    bot: Bot
    sender: TelegramSender
    channel: TelegramChannel
    client: httpx.AsyncClient

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        response = await self.client.post(WEBHOOK_PATH, json=update, headers=headers)
        if response.status_code == 200:
            self.api.webhook_reply(response.content)
        return response

    async def say(self, text: str, *, user_id: int = 555001, language: str = "en") -> list[str]:
        """Send a text through the webhook; the texts the bot sent back to that chat."""
        return await self._exchange(text_update(text, user_id=user_id, language=language), user_id)

    async def press(self, title: str, *, user_id: int = 555001) -> list[str]:
        """Tap the inline button titled `title` among the last messages to the chat."""
        message_id, data = self.button(title, user_id=user_id)
        return await self._exchange(press_update(data, user_id=user_id, message_id=message_id), user_id)

    def button(self, title: str, *, user_id: int = 555001) -> tuple[int, str]:
        """The (message id, callback data) of the latest button titled `title`, or whose title starts with it."""
        for match in (str.__eq__, str.startswith):
            for call in reversed(self.api.messages(user_id)):
                for shown, data in call.buttons:
                    if match(shown, title):
                        return call.params.get("_message_id", 0), data
        titles = [shown for call in self.api.messages(user_id) for shown, _ in call.buttons]
        raise AssertionError(f"no button {title!r}; shown: {titles}")

    async def _exchange(self, update: dict[str, Any], user_id: int) -> list[str]:
        before = len(self.api.messages(user_id))
        response = await self.post(update)
        assert response.status_code == 200, response.text
        return [call.text for call in self.api.messages(user_id)[before:]]


def texts(calls: Sequence[Any]) -> str:
    return "\n".join(call.text for call in calls)


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def bot(fake_api: FakeBotApi) -> AsyncIterator[Bot]:
    made = create_bot(TOKEN, fake_api.base)
    yield made
    await made.session.close()


@pytest.fixture
def sender(bot: Bot, core: Core, fake_time: FakeTime) -> TelegramSender:
    limiter = RateLimiter(monotonic=fake_time.monotonic, sleep=fake_time.sleep)
    return TelegramSender(bot, core.uow, limiter=limiter, sleep=fake_time.sleep)


@pytest.fixture
def engines(core: Core) -> Engines:
    return engines_for_tests(core)


@pytest.fixture
async def rig(core: Core, fake_api: FakeBotApi, fake_time: FakeTime, bot: Bot, sender: TelegramSender,
              engines: Engines) -> AsyncIterator[Rig]:
    core.notifier = ChannelRegistry(core.uow, [sender], clock=core.clock)
    channel = TelegramChannel(core, Gateway(core, engines), sender)
    app = FastAPI()
    app.include_router(create_telegram_webhook_router(channel, SECRET))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield Rig(core, fake_api, fake_time, bot, sender, channel, client)
