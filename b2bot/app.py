"""The one ASGI app: health, the admin API under /api, Telegram and WhatsApp webhooks, and web chat with its demo
page."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from admin_api.main import create_admin_api
from b2bot.bootstrap import Runtime, build_runtime
from b2bot.worker import EmbeddedWorker
from bots.gateway import Gateway
from bots.registry import ChannelSender
from bots.telegram import (
    RateLimiter,
    RedisKeyboardPages,
    TelegramChannel,
    TelegramSender,
    create_bot,
    create_telegram_webhook_router,
    run_polling,
)
from bots.webchat import WebchatChannel, create_webchat_router
from bots.whatsapp import (
    WhatsAppChannel,
    WhatsAppSender,
    create_graph_api,
    create_whatsapp_webhook_router,
    whatsapp_limiter,
)
from core.bootstrap import Core, build_core
from core.config import Settings, get_settings
from core.heap import trim_heap

log = logging.getLogger(__name__)


class _Late:
    """Parts built in the lifespan (the conversation runtime loads the NLU model), reached by routes later."""

    runtime: Runtime | None = None

    def gateway(self) -> Gateway:
        if self.runtime is None:
            raise RuntimeError("the app is still starting")
        return self.runtime.gateway


def create_app(settings: Settings | None = None, core: Core | None = None, *, freeze_heap: bool = False) -> FastAPI:
    """Build the app; the core is built here (or given by a test) and closed on shutdown."""
    settings = settings or (core.settings if core else get_settings())
    runtime_core = core or build_core(settings)
    late = _Late()
    redis_client: Any = None
    if settings.redis_url:
        import redis.asyncio as redis

        redis_client = redis.from_url(settings.redis_url)

    webchat = WebchatChannel(settings, runtime_core.uow, clock=runtime_core.clock)
    senders: list[ChannelSender] = [webchat.sender]
    telegram_sender: TelegramSender | None = None
    if settings.telegram_bot_token:
        bot = create_bot(settings.telegram_bot_token.get_secret_value(), settings.telegram_api_base)
        limiter = RateLimiter(per_chat=settings.telegram_rate_per_chat, overall=settings.telegram_rate_overall)
        pages = RedisKeyboardPages(redis_client) if redis_client is not None else None  # any replica turns them
        telegram_sender = TelegramSender(bot, runtime_core.uow, limiter=limiter, pages=pages)
        senders.append(telegram_sender)
    telegram_channel = (
        TelegramChannel(runtime_core, late.gateway, telegram_sender) if telegram_sender is not None else None
    )
    whatsapp_channel: WhatsAppChannel | None = None
    if settings.whatsapp_access_token and settings.whatsapp_phone_number_id:
        whatsapp_sender = WhatsAppSender(create_graph_api(settings), runtime_core.uow,
                                         templates=settings.whatsapp_templates,
                                         limiter=whatsapp_limiter(settings), clock=runtime_core.clock)
        senders.append(whatsapp_sender)
        whatsapp_channel = WhatsAppChannel(runtime_core, late.gateway, whatsapp_sender)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        late.runtime = await build_runtime(settings, core=runtime_core, senders=senders)
        worker: EmbeddedWorker | None = None
        if not settings.redis_url:  # with Redis, `taskiq worker b2bot.worker:broker` delivers webhooks
            worker = EmbeddedWorker(runtime_core, interval_s=settings.worker_kick_interval_s)
            await worker.start()
        polling: asyncio.Task[None] | None = None
        stop = asyncio.Event()
        if telegram_channel is not None:
            if settings.telegram_mode == "polling":
                polling = asyncio.create_task(run_polling(telegram_channel, stop=stop))
            else:
                await telegram_channel.replay_unfinished(older_than=dt.timedelta(minutes=2))
        if whatsapp_channel is not None:
            await whatsapp_channel.replay_unfinished()
        if freeze_heap:  # the process serves this app (`serve_app`): what start-up built lives as long
            _freeze_start_up_heap()
        try:
            yield
        finally:
            stop.set()
            if polling is not None:
                polling.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await polling
            if worker is not None:
                await worker.stop()
            await webchat.close()
            if whatsapp_channel is not None:
                await whatsapp_channel.sender.api.aclose()
            await late.runtime.close()
            if redis_client is not None:
                await redis_client.aclose()
            if core is None:
                await runtime_core.close()

    app = FastAPI(title="b2bot", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.core = runtime_core

    @app.get("/health", tags=["system"], operation_id="health")
    async def health() -> dict[str, str]:
        async with runtime_core.uow() as uow:
            await uow.session.execute(text("SELECT 1"))
        return {"status": "ok"}

    app.mount(
        "/api",
        create_admin_api(
            runtime_core,
            redis=redis_client,
            rate_per_second=settings.api_rate_per_second,
            rate_burst=settings.api_rate_burst,
            telegram_bot_username=settings.telegram_bot_username,
            staff_session_ttl=dt.timedelta(hours=settings.staff_session_hours),
        ),
    )
    if telegram_channel is not None and settings.telegram_mode == "webhook":
        if settings.telegram_webhook_secret is None:
            raise ValueError("TELEGRAM_WEBHOOK_SECRET is required in webhook mode")
        secret = settings.telegram_webhook_secret.get_secret_value()
        app.include_router(create_telegram_webhook_router(telegram_channel, secret))
    if whatsapp_channel is not None:
        if settings.whatsapp_verify_token is None or settings.whatsapp_app_secret is None:
            raise ValueError("WhatsApp needs WHATSAPP_VERIFY_TOKEN and WHATSAPP_APP_SECRET for its webhook")
        app.include_router(create_whatsapp_webhook_router(
            whatsapp_channel, verify_token=settings.whatsapp_verify_token.get_secret_value(),
            app_secret=settings.whatsapp_app_secret.get_secret_value()))
    app.include_router(create_webchat_router(webchat, late.gateway))
    return app


def serve_app() -> FastAPI:
    """The app as `b2bot serve` runs it (uvicorn's factory): its own core, its start-up heap frozen."""
    return create_app(freeze_heap=True)


def _freeze_start_up_heap() -> None:
    """Takes what start-up built (the NLU model and catalogue index, mappers, routes) out of the garbage
    collector's sight: otherwise each full collection walks all of it, a pause of 0.3-1 s on the event loop.
    Then hands the heap pages start-up freed (rows read, names lemmatised, build buffers) back to the OS,
    which glibc would otherwise keep resident for the life of the process."""
    gc.collect()
    gc.freeze()
    trim_heap()
