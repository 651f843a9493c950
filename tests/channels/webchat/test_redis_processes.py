"""Two app processes sharing Redis: a message for a visitor reaches the socket held by the other process."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from core.config import Settings
from tests.channels.webchat.processes import server_env, serving

REDIS_URL = os.environ.get("REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set: the pub/sub test needs a Redis server")


def receive(ws: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(ws.recv(timeout=20))
    return frame


def visitor_of(session: str) -> str:
    encoded = session.split(".")[0]
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()


def test_a_message_sent_by_one_process_reaches_the_socket_on_another(webchat_settings: Settings) -> None:
    env = server_env(webchat_settings, REDIS_URL=str(REDIS_URL), WEBCHAT_TEST_GATEWAY="echo")
    with serving(env) as first, serving(env) as second, connect(first.replace("http", "ws") + "/webchat/ws") as ws:
        ws.send(json.dumps({"v": 1, "type": "hello"}))
        session = receive(ws)["session"]
        # A proactive message (the registry in process two) ...
        answer = httpx.post(second + "/test/notify", json={"visitor": visitor_of(session), "text": "shipped"})
        assert answer.status_code == 200
        pushed = receive(ws)
        assert (pushed["seq"], pushed["text"]) == (1, "shipped")
        # ... and a turn run by process two over the HTTP fallback both show on the socket in process one.
        sent = httpx.post(second + "/webchat/messages", headers={"X-Webchat-Session": session},
                          json={"v": 1, "type": "message", "id": "h1", "text": "from my phone"})
        assert sent.json()["seq"] == 2
        frames = [receive(ws), receive(ws)]
    assert [(f["seq"], f["direction"], f["text"]) for f in frames] == [
        (2, "in", "from my phone"), (3, "out", "you said from my phone")]
