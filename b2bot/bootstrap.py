"""The composition root: settings -> core -> state store -> NLU -> engines -> gateway -> channel registry.

Nothing happens at import; `build_runtime` does the work (training or loading the NLU model takes a few
seconds the first time, then comes from the cache).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from bots.gateway import Gateway
from bots.registry import ChannelRegistry, ChannelSender
from core.bootstrap import Core, build_core
from core.config import Settings, get_settings
from dialogs.assembly import (
    FLOW_MODULES,
    Engines,
    NluUnderstand,
    build_engines,
    build_nlu_backend,
    build_registry,
    product_index,
)
from dialogs.state import MemoryStateStore, StateStore
from dialogs.understanding import Understand
from nlu.backends import EmbeddedBackend, RasaHttpBackend


@dataclass
class Runtime:
    """Everything a process serving conversations holds: close it on the way out."""

    core: Core
    engines: Engines
    gateway: Gateway
    channels: ChannelRegistry
    store: StateStore
    closers: list[Callable[[], Awaitable[object]]] = field(default_factory=list)

    async def close(self) -> None:
        for closer in self.closers:
            await closer()
        await self.core.close()


def build_store(settings: Settings) -> tuple[StateStore, Callable[[], Awaitable[object]] | None]:
    """Redis when configured (state shared by replicas), else in this process; and what must be closed."""
    if settings.redis_url:
        from redis.asyncio import Redis

        from dialogs.state import RedisStateStore

        redis = Redis.from_url(settings.redis_url)
        return RedisStateStore(redis), redis.aclose
    return MemoryStateStore(), None


async def build_runtime(
    settings: Settings | None = None,
    *,
    core: Core | None = None,
    understand: Understand | None = None,
    senders: Iterable[ChannelSender] = (),
    flow_modules: Iterable[str] = FLOW_MODULES,
    with_product_index: bool = True,
) -> Runtime:
    """Wire the conversation side. Pass `understand` (a fake) to skip NLU, `core` to reuse a built one."""
    settings = settings or get_settings()
    core = core or build_core(settings)
    store, close_store = build_store(settings)
    closers = [close_store] if close_store is not None else []
    if understand is None:
        backend = build_nlu_backend(settings)
        embedded = backend.fallback if isinstance(backend, RasaHttpBackend) else backend
        if with_product_index and isinstance(embedded, EmbeddedBackend):
            embedded.set_products(await product_index(core.uow))
        if isinstance(backend, RasaHttpBackend):
            closers.append(backend.aclose)
        understand = NluUnderstand(backend)
    engines = build_engines(understand, store, registry=build_registry(flow_modules), clock=core.clock)
    channels = ChannelRegistry(core.uow, senders, clock=core.clock)
    core.notifier = channels
    return Runtime(core=core, engines=engines, gateway=Gateway(core, engines), channels=channels, store=store,
                   closers=closers)
