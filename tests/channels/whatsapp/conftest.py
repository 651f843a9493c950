"""The WhatsApp test rig: a fake Graph API server on a local port reached through `WHATSAPP_API_BASE`, the
webhook route on an ASGI app with the app secret and verify token, and the one gateway behind it."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from bots.gateway import Gateway
from bots.pacing import RateLimiter
from bots.registry import ChannelRegistry
from bots.whatsapp import (
    SIGNATURE_HEADER,
    WEBHOOK_PATH,
    GraphApi,
    WhatsAppChannel,
    WhatsAppSender,
    create_graph_api,
    create_whatsapp_webhook_router,
)
from core.bootstrap import Core
from core.models import Company, Contact
from dialogs.assembly import Engines
from tests.channels.whatsapp.fake_graph_api import PHONE_NUMBER_ID, TOKEN, Call, FakeGraphApi
from tests.factories import Build
from tests.fakes.telegram_bot_api import FakeTime
from tests.gateway_harness import engines_for_tests

APP_SECRET = "app-secret-for-tests"
VERIFY_TOKEN = "verify-me-please"
WA_ID = "4915112345678"  # a German number: no language hint, so the bot answers in English
PAYLOADS = Path(__file__).parent / "payloads"
TEMPLATES = {"order_status": "order_update"}
_ids = itertools.count(1)


def load_payload(name: str, *, fresh: bool = False, wa_id: str | None = None) -> dict[str, Any]:
    """A recorded webhook body from payloads/<name>.json; `fresh` gives its messages new ids, as a new message
    of the same shape would have; `wa_id` makes another user the sender."""
    body: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    value = body["entry"][0]["changes"][0]["value"]
    for message in value.get("messages", []):
        if fresh:
            message["id"] = f"wamid.test.{next(_ids)}"
        if wa_id is not None:
            message["from"] = wa_id
    if wa_id is not None:
        for contact in value.get("contacts", []):
            contact["wa_id"] = wa_id
    return body


def text_payload(text: str, *, wa_id: str = WA_ID) -> dict[str, Any]:
    body = load_payload("text", fresh=True, wa_id=wa_id)
    body["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = text
    return body


def reply_payload(reply_id: str, title: str, *, wa_id: str = WA_ID, row: bool = False) -> dict[str, Any]:
    """A tap on a reply button (or, with `row`, a pick from a list)."""
    body = load_payload("interactive_list_reply" if row else "interactive_button_reply", fresh=True, wa_id=wa_id)
    interactive = body["entry"][0]["changes"][0]["value"]["messages"][0]["interactive"]
    kind = interactive["type"]
    interactive[kind] = {"id": reply_id, "title": title}
    return body


def message_of(body: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = body["entry"][0]["changes"][0]["value"]["messages"][0]
    return message


def sign(raw: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


@dataclass
class Rig:
    core: Core
    api: FakeGraphApi
    time: FakeTime
    sender: WhatsAppSender
    channel: WhatsAppChannel
    client: httpx.AsyncClient

    async def post(self, body: dict[str, Any] | bytes, *, signature: str | None = "valid") -> httpx.Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers[SIGNATURE_HEADER] = sign(raw) if signature == "valid" else signature
        return await self.client.post(WEBHOOK_PATH, content=raw, headers=headers)

    async def exchange(self, body: dict[str, Any], wa_id: str = WA_ID) -> list[Call]:
        before = len(self.api.sent(wa_id))
        response = await self.post(body)
        assert response.status_code == 200, response.text
        return self.api.sent(wa_id)[before:]

    async def say(self, text: str, *, wa_id: str = WA_ID) -> list[str]:
        """Send a text through the webhook; the texts the bot sent back."""
        return [call.text for call in await self.exchange(text_payload(text, wa_id=wa_id), wa_id)]

    async def press(self, title: str, *, wa_id: str = WA_ID) -> list[str]:
        """Tap the reply button, or pick the list row, titled `title` (or starting with it) in the last messages."""
        for match in (str.__eq__, str.startswith):
            for call in reversed(self.api.sent(wa_id)):
                for shown, reply_id in call.buttons:
                    if match(shown, title):
                        row = call.interactive.get("type") == "list"
                        payload = reply_payload(reply_id, shown, wa_id=wa_id, row=row)
                        return [c.text for c in await self.exchange(payload, wa_id)]
        shown_titles = [shown for call in self.api.sent(wa_id) for shown, _ in call.buttons]
        raise AssertionError(f"no button {title!r}; shown: {shown_titles}")


async def member(core: Core, *, phone: str = f"+{WA_ID}", name: str = "Alpha Trade") -> tuple[Company, Contact]:
    """A company with a contact whose phone is the test user's WhatsApp number."""
    async with core.uow() as uow:
        build = Build(uow.session)
        company = await build.company(name=name)
        contact = await build.contact(company, phone=phone)
        await uow.commit()
    return company, contact


@pytest.fixture
async def fake_graph() -> AsyncIterator[FakeGraphApi]:
    api = FakeGraphApi()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def graph(core: Core, fake_graph: FakeGraphApi) -> AsyncIterator[GraphApi]:
    settings = core.settings.model_copy(update={
        "whatsapp_access_token": SecretStr(TOKEN), "whatsapp_phone_number_id": PHONE_NUMBER_ID,
        "whatsapp_api_base": fake_graph.api_base,
    })
    api = create_graph_api(settings)
    yield api
    await api.aclose()


@pytest.fixture
def sender(graph: GraphApi, core: Core, fake_time: FakeTime) -> WhatsAppSender:
    limiter = RateLimiter(per_chat=1 / 6, chat_burst=10, overall=80.0, monotonic=fake_time.monotonic,
                          sleep=fake_time.sleep)
    return WhatsAppSender(graph, core.uow, templates=TEMPLATES, limiter=limiter, clock=core.clock,
                          sleep=fake_time.sleep)


@pytest.fixture
def engines(core: Core) -> Engines:
    return engines_for_tests(core)


@pytest.fixture
async def rig(core: Core, fake_graph: FakeGraphApi, fake_time: FakeTime, sender: WhatsAppSender,
              engines: Engines) -> AsyncIterator[Rig]:
    core.notifier = ChannelRegistry(core.uow, [sender], clock=core.clock)
    channel = WhatsAppChannel(core, Gateway(core, engines), sender)
    app = FastAPI()
    app.include_router(create_whatsapp_webhook_router(channel, verify_token=VERIFY_TOKEN, app_secret=APP_SECRET))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield Rig(core, fake_graph, fake_time, sender, channel, client)
