"""A conversation through the real gateway for tests: a fake NLU, a scripted user, replies as plain text."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence

from bots.console.translate import render
from bots.fallback import presenter
from bots.gateway import Gateway
from core.bootstrap import Core
from core.messaging import (
    Adapted,
    ButtonPress,
    ChannelCapabilities,
    Content,
    Inbound,
    Outbound,
    Text,
)
from dialogs.assembly import Engines, build_engines, build_registry
from dialogs.state import MemoryStateStore
from dialogs.understanding import Entity, Parse

MY_FLOW_MODULES = (
    "dialogs.flows.account",
    "dialogs.flows.orders",
    "dialogs.flows.loyalty",
    "dialogs.flows.handover",
    "dialogs.flows.guest",
)
CAPABILITIES = ChannelCapabilities(max_buttons=20, max_button_title=100, supports_lists=True, max_list_rows=20,
                                   supports_images=True, supports_documents=True, max_text_length=10_000)

INTENTS: Mapping[str, str] = {
    "balance": "balance", "баланс": "balance",
    "statement": "statement", "акт сверки": "statement",
    "statement for last month": "statement", "акт сверки за прошлый месяц": "statement",
    "my orders": "my_orders", "мои заказы": "my_orders",
    "where is my order": "track_order", "где заказ": "track_order",
    "repeat my last order": "repeat_order", "повтори заказ": "repeat_order",
    "points": "loyalty_points", "баллы": "loyalty_points",
    "manager": "talk_to_manager", "менеджер": "talk_to_manager",
    "access": "request_access", "доступ": "request_access",
    "invite": "enter_invite", "приглашение": "enter_invite",
    "hi": "greet", "привет": "greet",
}


class FakeUnderstand:
    """Known phrases -> intents; "track 12" -> track_order with order_number 12. Records every call."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def __call__(self, text: str, locale: str) -> Parse:
        self.calls.append(text)
        lowered = text.strip().casefold()
        if lowered.startswith(("track ", "отследи ")):
            number = lowered.split()[-1]
            start = text.rfind(number)
            return Parse("track_order", 0.95, (Entity("order_number", number, start, start + len(number)),))
        intent = INTENTS.get(lowered)
        return Parse(intent, 0.95) if intent else Parse("nlu_fallback", 0.1)


def engines_for_tests(core: Core, modules: Sequence[str] = MY_FLOW_MODULES) -> Engines:
    return build_engines(FakeUnderstand(), MemoryStateStore(clock=core.clock), registry=build_registry(modules),
                         clock=core.clock)


class ChatUser:
    """One person on one channel talking to the gateway; message ids count up unless given."""

    _ids = itertools.count(1)

    def __init__(self, gateway: Gateway, *, channel: str = "test", user_id: str = "u1",
                 locale_hint: str | None = "en") -> None:
        self.gateway = gateway
        self.channel = channel
        self.user_id = user_id
        self.locale_hint = locale_hint
        self.present = presenter(CAPABILITIES)
        self.last: Adapted | None = None

    def inbound(self, content: Content, message_id: str | None = None) -> Inbound:
        return Inbound(channel=self.channel, external_user_id=self.user_id,
                       message_id=message_id or f"m{next(self._ids)}", received_at=dt.datetime.now(dt.UTC),
                       locale_hint=self.locale_hint, content=content)

    async def send(self, content: Content | str, message_id: str | None = None) -> Adapted | None:
        body = Text(content) if isinstance(content, str) else content
        self.last = await self.gateway.handle(self.inbound(body, message_id), self.present)
        return self.last

    async def say(self, text: str, message_id: str | None = None) -> str:
        """Send text; the reply as the console would print it ("" when the bot stays silent)."""
        adapted = await self.send(text, message_id)
        return "" if adapted is None else text_of(adapted.messages)

    async def press(self, title: str) -> str:
        """Press the button titled `title` in the last reply."""
        assert self.last is not None, "no reply to press a button in"
        payload = button_payload(self.last.messages, title)
        adapted = await self.send(ButtonPress(payload))
        return "" if adapted is None else text_of(adapted.messages)


def text_of(messages: Sequence[Outbound]) -> str:
    return render(messages).text


def button_payload(messages: Sequence[Outbound], title: str) -> str:
    for message in messages:
        for button in getattr(message, "buttons", ()):
            if button.title == title:
                return str(button.payload)
    titles = [b.title for m in messages for b in getattr(m, "buttons", ())]
    raise AssertionError(f"no button {title!r} in {titles}")
