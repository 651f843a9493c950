"""Long polling and recovery: updates fetched with getUpdates are recorded and handled like webhook ones, and
an update acknowledged but never finished (a crash after the ack) is handled on the next start."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bots.telegram import run_polling
from core.bootstrap import Core
from core.models import InboundUpdate
from tests.channels.telegram.conftest import Rig, load_update, text_update
from tests.fakes.telegram_bot_api import FakeBotApi, FakeTime


async def test_polling_handles_queued_updates_once_and_confirms_them(
    rig: Rig, core: Core, fake_api: FakeBotApi, fake_time: FakeTime
) -> None:
    first, second = text_update("/start"), text_update("/help")
    for update in (first, second, first):  # Telegram may hand an update out again before it is confirmed
        fake_api.queue_update(update)
    stop = asyncio.Event()
    task = asyncio.create_task(run_polling(rig.channel, stop=stop, poll_timeout=0, sleep=fake_time.sleep))
    await fake_api.drained.wait()
    stop.set()
    await task
    assert fake_api.sent("deleteWebhook")
    offsets = [call.params.get("offset") for call in fake_api.sent("getUpdates")]
    assert second["update_id"] + 1 in offsets  # sent as JSON: a number
    async with core.uow() as uow:
        recorded = await uow.session.scalar(select(func.count()).select_from(InboundUpdate))
    assert recorded == 2
    assert len([c for c in fake_api.messages(555001) if "Hello" in c.text]) == 1


async def test_an_update_recorded_but_never_handled_is_handled_on_replay(rig: Rig, core: Core,
                                                                        fake_api: FakeBotApi) -> None:
    update = load_update("message_sticker")
    row = await rig.channel.record(update)  # the process "died" right after the ack
    assert row is not None and fake_api.calls == []
    assert await rig.channel.replay_unfinished() == 0  # too fresh: it may still be in hand elsewhere
    import datetime as dt

    assert await rig.channel.replay_unfinished(dt.timedelta(0)) == 1
    assert len(fake_api.messages(555001)) == 1
    assert await rig.channel.replay_unfinished(dt.timedelta(0)) == 0
    assert await rig.channel.record(update) is None  # and Telegram's redelivery is recognised
