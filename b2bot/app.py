"""The one ASGI app: admin API under /api, health, and (from later issues) channels and web chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import text

from admin_api.main import create_admin_api
from core.bootstrap import Core, build_core
from core.config import Settings, get_settings


def create_app(settings: Settings | None = None, core: Core | None = None) -> FastAPI:
    """Build the app; the core is built here (or given by a test) and closed on shutdown."""
    runtime = core or build_core(settings or get_settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if core is None:
            await runtime.close()

    app = FastAPI(title="b2bot", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.core = runtime

    @app.get("/health", tags=["system"], operation_id="health")
    async def health() -> dict[str, str]:
        async with runtime.uow() as uow:
            await uow.session.execute(text("SELECT 1"))
        return {"status": "ok"}

    app.mount("/api", create_admin_api(runtime))
    return app
