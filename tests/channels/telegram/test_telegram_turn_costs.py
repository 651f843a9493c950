"""What a Telegram turn costs besides the turn itself: "typing…" only for a slow turn, and aiogram's answer
models built once per process, not again after a garbage collection."""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

from aiogram.methods import Response
from aiogram.types import Message

from bots.gateway import Admission, Gateway
from bots.telegram import TelegramChannel
from core.bootstrap import Core
from core.messaging import Adapted, TextOut
from dialogs.assembly import Engines
from dialogs.engine import Present
from tests.channels.telegram.conftest import Rig, text_update
from tests.fakes.telegram_bot_api import Call, FakeBotApi


class TypingAwaitedGateway(Gateway):
    """A turn that lasts until the chat shows "typing…" (or a second passes), then answers "done"."""

    def __init__(self, core: Core, engines: Engines, api: FakeBotApi) -> None:
        super().__init__(core, engines)
        self.typing_seen = asyncio.Event()
        api.on_call = self._seen

    def _seen(self, call: Call) -> None:
        if call.method == "sendChatAction":
            self.typing_seen.set()

    async def answer(self, admission: Admission, present: Present) -> Adapted:
        await asyncio.wait_for(self.typing_seen.wait(), 1.0)
        return Adapted((TextOut("done"),), {})


async def test_a_turn_answered_quickly_sends_no_typing_action(rig: Rig) -> None:
    rig.channel.typing_after = 60.0
    await rig.say("/start")
    assert rig.api.messages(555001)
    assert rig.api.sent("sendChatAction") == []


def slow_channel(rig: Rig, engines: Engines) -> TelegramChannel:
    return TelegramChannel(rig.core, TypingAwaitedGateway(rig.core, engines, rig.api), rig.sender,
                           typing_after=0.01)


async def handle(channel: TelegramChannel, update: dict[str, Any]) -> None:
    after_ack = await channel.accept(update)
    assert after_ack is not None
    await after_ack()


async def test_a_slow_turn_shows_typing_before_its_answer(rig: Rig, engines: Engines) -> None:
    await handle(slow_channel(rig, engines), text_update("balance"))
    calls = [call.method for call in rig.api.sent(chat_id=555001)]
    assert calls == ["sendChatAction", "sendMessage"]
    assert rig.api.sent("sendChatAction")[0].params["action"] == "typing"


async def test_a_typing_action_refused_does_not_stop_the_turn(rig: Rig, engines: Engines) -> None:
    rig.api.fail("sendChatAction", 400, "Bad Request: not enough rights")
    await handle(slow_channel(rig, engines), text_update("balance"))
    assert [call.text for call in rig.api.messages(555001)] == ["done"]


async def test_the_answer_model_of_a_method_survives_garbage_collection(rig: Rig) -> None:
    await rig.sender.send("555001", [TextOut("one")])
    model = weakref.ref(Response[Message])
    gc.collect()  # pydantic caches parametrised models weakly: without a strong reference this drops it
    await rig.sender.send("555001", [TextOut("two")])
    assert model() is not None and model() is Response[Message]
