"""Admin API wiring for tests: the app on a fresh database, keys with chosen scopes, an ASGI client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI

from admin_api.main import create_admin_api
from core.bootstrap import Core
from core.services import apikeys

KeyMaker = Callable[..., Awaitable[str]]


async def make_key(core: Core, *scopes: str, name: str = "test") -> str:
    async with core.uow() as uow:
        created = await apikeys.create_api_key(
            uow.session, name=name, scopes=scopes, server_secret=core.settings.secret_key.get_secret_value(),
            now=core.clock.now(),
        )
        await uow.commit()
    return created.secret


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def api_app(core: Core) -> FastAPI:
    return create_admin_api(core, rate_burst=100_000, rate_per_second=100_000, telegram_bot_username="b2bot_test_bot")


@pytest.fixture
async def client(api_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api_app), base_url="http://test") as c:
        yield c


@pytest.fixture
async def admin(core: Core, client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The client, authenticated with an admin key."""
    client.headers.update(bearer(await make_key(core, "admin")))
    return client
