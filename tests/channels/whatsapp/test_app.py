"""The WhatsApp channel wired into the one ASGI app by its settings: the webhook is served only when configured,
and a configured number without the webhook's secrets refuses to start."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from b2bot.app import create_app
from core.bootstrap import Core
from core.config import Settings
from tests.channels.whatsapp.conftest import APP_SECRET, VERIFY_TOKEN, sign
from tests.channels.whatsapp.fake_graph_api import PHONE_NUMBER_ID, TOKEN


def _configured(core: Core, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "whatsapp_access_token": SecretStr(TOKEN), "whatsapp_phone_number_id": PHONE_NUMBER_ID,
        "whatsapp_verify_token": SecretStr(VERIFY_TOKEN), "whatsapp_app_secret": SecretStr(APP_SECRET),
        "whatsapp_api_base": "http://127.0.0.1:9/v21.0", "whatsapp_templates": {"order_status": "order_update"},
    }
    values.update(overrides)
    return core.settings.model_copy(update=values)


async def test_a_configured_number_serves_the_webhook_under_the_one_app(core: Core) -> None:
    app = create_app(_configured(core), core=core)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        verified = await client.get("/whatsapp/webhook", params={
            "hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"})
        unsigned = await client.post("/whatsapp/webhook", content=b"{}")
        signed = await client.post("/whatsapp/webhook", content=b"{}", headers={"X-Hub-Signature-256": sign(b"{}")})
    assert (verified.status_code, verified.text) == (200, "42")
    assert (unsigned.status_code, signed.status_code) == (401, 400)


async def test_without_whatsapp_settings_there_is_no_webhook(core: Core) -> None:
    app = create_app(core.settings, core=core)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        response = await client.get("/whatsapp/webhook", params={"hub.mode": "subscribe"})
    assert response.status_code == 404


async def test_a_number_without_the_webhook_secrets_refuses_to_start(core: Core) -> None:
    with pytest.raises(ValueError, match="WHATSAPP_APP_SECRET"):
        create_app(_configured(core, whatsapp_app_secret=None), core=core)


def test_templates_are_read_from_the_environment_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHATSAPP_TEMPLATES", '{"order_status": "order_update", "back_in_stock": "restock"}')
    settings = Settings(environment="test", _env_file=None)  # type: ignore[call-arg]
    assert settings.whatsapp_templates == {"order_status": "order_update", "back_in_stock": "restock"}
