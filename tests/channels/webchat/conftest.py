"""Fixtures for the web chat tests: an in-process app with the echo gateway, and signing helpers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from starlette.testclient import WebSocketTestSession

from bots.webchat.identity import sign_customer
from core.bootstrap import Core
from core.config import Settings
from tests.channels.webchat.server import EchoGateway, build_app

SECRET = "webchat-test-secret"


@pytest.fixture
def webchat_settings(settings: Settings, core: Core) -> Settings:
    """The test database (emptied by `core`), with a known identity secret."""
    return settings.model_copy(update={"webchat_identity_secret": SecretStr(SECRET)})


@pytest.fixture
def echo() -> EchoGateway:
    return EchoGateway()


@pytest.fixture
def client(webchat_settings: Settings, echo: EchoGateway) -> Iterator[TestClient]:
    with TestClient(build_app(webchat_settings, gateway=echo)) as test_client:
        yield test_client


def signed(customer_id: str, *, at: float | None = None, secret: str = SECRET) -> dict[str, Any]:
    timestamp = int(time.time() if at is None else at)
    return {"customer_id": customer_id, "timestamp": timestamp,
            "signature": sign_customer(secret, customer_id, timestamp)}


def hello(ws: WebSocketTestSession, **fields: Any) -> dict[str, Any]:
    ws.send_json({"v": 1, "type": "hello", **fields})
    answer: dict[str, Any] = ws.receive_json()
    return answer


def until(ws: WebSocketTestSession, frame_type: str, **match: Any) -> dict[str, Any]:
    """Frames up to the first of `frame_type` matching `match`; that frame (the socket is FIFO)."""
    for _ in range(50):
        frame: dict[str, Any] = ws.receive_json()
        if frame["type"] == frame_type and all(frame.get(k) == v for k, v in match.items()):
            return frame
    raise AssertionError(f"no {frame_type} frame")
