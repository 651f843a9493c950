"""The one ASGI app answers health and serves the admin API with its docs."""

from __future__ import annotations

import httpx
from alembic.script import ScriptDirectory

from b2bot.app import create_app
from core.bootstrap import Core
from core.migrate import alembic_config


async def test_health_and_status_report_the_database(core: Core) -> None:
    app = create_app(core=core)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        health = await client.get("/health")
        status = await client.get("/api/system/status")
        docs = await client.get("/api/docs")
        schema = await client.get("/api/openapi.json")
    assert health.json() == {"status": "ok"}
    head = ScriptDirectory.from_config(alembic_config(core.settings)).get_current_head()
    assert status.json()["schema_revision"] == head
    assert status.json()["database"] == core.engine.dialect.name
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert "system_status" in schema.text
