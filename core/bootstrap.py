"""Builds the core's runtime: settings -> engine -> unit of work factory -> ports. Nothing at import."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from core.carriers import Carriers, build_carriers
from core.config import Settings, get_settings
from core.db import create_engine, create_session_factory
from core.ports import Clock, Notifier, NullNotifier, SystemClock
from core.uow import UnitOfWorkFactory


@dataclass
class Core:
    """Everything a use case needs from the outside world, built once per process."""

    settings: Settings
    engine: AsyncEngine
    uow: UnitOfWorkFactory
    carriers: Carriers
    http: httpx.AsyncClient  # one pooled client for outbound calls (carriers, later webhooks)
    notifier: Notifier = field(default_factory=NullNotifier)
    clock: Clock = field(default_factory=SystemClock)

    async def close(self) -> None:
        await self.http.aclose()
        await self.engine.dispose()


def build_core(settings: Settings | None = None, notifier: Notifier | None = None) -> Core:
    settings = settings or get_settings()
    engine = create_engine(settings)
    http = httpx.AsyncClient(timeout=settings.delivery_http_timeout_s)
    core = Core(
        settings=settings,
        engine=engine,
        uow=UnitOfWorkFactory(create_session_factory(engine)),
        carriers=build_carriers(settings, http_client=http),
        http=http,
    )
    if notifier is not None:
        core.notifier = notifier
    return core
