"""`b2bot invite` and the polling wiring against the fake Bot API server."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from pydantic import SecretStr

from b2bot.telegram_cli import create_invite_for
from core.bootstrap import Core
from core.config import Settings
from core.errors import NotFound
from tests.factories import Build
from tests.fakes.telegram_bot_api import BOT_USERNAME, TOKEN, FakeBotApi


async def test_an_invite_for_a_contact_by_email_comes_with_the_bots_deep_link(
    core: Core, settings: Settings, fake_api: FakeBotApi
) -> None:
    async with core.uow() as uow:
        _, _, contact = await Build(uow.session).actor()
        await uow.commit()
    configured = settings.model_copy(update={"telegram_bot_token": SecretStr(TOKEN),
                                             "telegram_api_base": fake_api.base})
    created = await create_invite_for(configured, contact.email.upper(), dt.timedelta(days=3))
    assert created.contact_id == contact.id
    assert created.telegram_link == f"https://t.me/{BOT_USERNAME}?start={created.token}"
    by_phone = await create_invite_for(settings, str(contact.phone), dt.timedelta(days=3))
    assert by_phone.contact_id == contact.id and by_phone.telegram_link is None  # no token: no link
    with pytest.raises(NotFound):
        await create_invite_for(settings, "nobody@example.test", dt.timedelta(days=3))


async def test_poll_wiring_builds_the_runtime_and_stops_cleanly(
    core: Core, settings: Settings, fake_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    from b2bot import telegram_cli
    from bots.telegram import create_bot
    from tests.gateway_harness import FakeUnderstand

    original = telegram_cli.build_runtime

    async def fake_nlu_runtime(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        return await original(*args, understand=FakeUnderstand(), **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(telegram_cli, "build_runtime", fake_nlu_runtime)
    stop = asyncio.Event()
    stop.set()
    await telegram_cli.poll_until_stopped(settings, create_bot(TOKEN, fake_api.base), stop)
    assert fake_api.sent("deleteWebhook")
