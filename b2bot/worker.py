"""The task queue: taskiq brokers, the task that delivers due outbox events, and its periodic kick.

Embedded (no REDIS_URL): an `InMemoryBroker` runs tasks in the app's own process, kicked by
`EmbeddedWorker`. Production: `taskiq worker b2bot.worker:broker` consumes a Redis list queue and
`taskiq scheduler b2bot.worker:scheduler` kicks delivery every minute (apps may kick sooner).
Nothing is built at import: `broker` and `scheduler` are made on first access from the settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import asdict
from typing import Any

from taskiq import AsyncBroker, InMemoryBroker, TaskiqDepends, TaskiqEvents, TaskiqScheduler, TaskiqState
from taskiq import async_shared_broker as shared
from taskiq.schedule_sources import LabelScheduleSource

from core.bootstrap import Core, build_core
from core.config import Settings, get_settings
from core.services import outbox

log = logging.getLogger(__name__)
QUEUE_NAME = "b2bot"


def build_broker(settings: Settings, core: Core | None = None) -> AsyncBroker:
    """A Redis list-queue broker when REDIS_URL is set, else an in-process one. A given core is used
    by the tasks; otherwise each worker process builds its own on startup."""
    broker: AsyncBroker
    if settings.redis_url:
        from taskiq_redis import ListQueueBroker

        broker = ListQueueBroker(settings.redis_url, queue_name=QUEUE_NAME)
    else:
        broker = InMemoryBroker()
    broker.state.core = core

    async def startup(state: TaskiqState) -> None:
        if getattr(state, "core", None) is None:
            state.core = build_core(settings)
            state.own_core = True

    async def shutdown(state: TaskiqState) -> None:
        if getattr(state, "own_core", False):
            await state.core.close()
            state.core = None

    broker.add_event_handler(TaskiqEvents.WORKER_STARTUP, startup)
    broker.add_event_handler(TaskiqEvents.WORKER_SHUTDOWN, shutdown)
    shared.default_broker(broker)
    return broker


@shared.task(task_name="b2bot.deliver_webhooks", schedule=[{"cron": "* * * * *"}])
async def deliver_webhooks(state: TaskiqState = TaskiqDepends()) -> dict[str, int]:  # noqa: B008 - taskiq DI
    """Deliver the outbox events that are due; returns how many were delivered, retried, given up."""
    core: Core = state.core
    report = await outbox.deliver_due(
        core.uow,
        core.http,
        now=core.clock.now(),
        default_secret=core.settings.webhook_signing_secret.get_secret_value(),
    )
    return asdict(report)


class EmbeddedWorker:
    """Runs the in-process broker and kicks delivery every `interval_s` seconds, for the one-command setup."""

    def __init__(self, core: Core, *, interval_s: float = 5.0) -> None:
        self.broker = build_broker(core.settings.model_copy(update={"redis_url": None}), core)
        self.interval_s = interval_s
        self._loop: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.broker.startup()
        self._loop = asyncio.create_task(self._kick_forever())

    async def kick(self) -> dict[str, int]:
        """Deliver now and wait for the outcome."""
        task = await deliver_webhooks.kiq()
        result = await task.wait_result(timeout=60)
        return dict(result.return_value)

    async def stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        await self.broker.shutdown()

    async def _kick_forever(self) -> None:
        while True:
            try:
                await self.kick()
            except Exception:  # the loop must outlive one bad round; the error is logged, not swallowed
                log.exception("webhook delivery round failed")
            await asyncio.sleep(self.interval_s)


def __getattr__(name: str) -> Any:
    # `taskiq worker b2bot.worker:broker` reads the attribute; building it here keeps imports free of work.
    if name == "broker":
        built = build_broker(get_settings())
        globals()["broker"] = built
        return built
    if name == "scheduler":
        source = __getattr__("broker")
        built_scheduler = TaskiqScheduler(source, sources=[LabelScheduleSource(source)])
        globals()["scheduler"] = built_scheduler
        return built_scheduler
    raise AttributeError(name)
