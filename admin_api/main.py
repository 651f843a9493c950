"""The admin API: a FastAPI application mounted under /api by the composition root."""

from __future__ import annotations

from fastapi import FastAPI

from admin_api.routes import system
from core.bootstrap import Core


def create_admin_api(core: Core) -> FastAPI:
    api = FastAPI(
        title="b2bot admin API",
        version="1",
        description="Staff and integrations: sync with accounting and CRM, handover console, campaigns, stats.",
    )
    api.state.core = core
    api.include_router(system.router)
    return api
