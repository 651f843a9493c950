"""The web chat protocol over the real router: sessions, ordering, resume, dedupe, signatures, limits."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.testclient import WebSocketTestSession

from bots.webchat import WebchatLimits
from bots.webchat.identity import CUSTOMER_PREFIX
from core.bootstrap import Core
from core.config import Settings
from core.models import ChannelIdentity, WebchatMessage
from tests.channels.webchat.conftest import hello, signed, until
from tests.channels.webchat.server import EchoGateway, build_app
from tests.factories import Build


def collect(ws: WebSocketTestSession, done: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    while not done(frames):
        frames.append(ws.receive_json())
        assert len(frames) < 100, frames
    return frames


def say(ws: WebSocketTestSession, client_id: str, text: str, *, replies: int = 1) -> list[dict[str, Any]]:
    """Send a text; the frames up to its `accepted` and `replies` answers (sockets are FIFO per direction)."""
    ws.send_json({"v": 1, "type": "message", "id": client_id, "text": text})

    def done(frames: list[dict[str, Any]]) -> bool:
        accepted = any(f["type"] in ("accepted", "error") and f.get("id") == client_id for f in frames)
        answers = [f for f in frames if f["type"] == "message" and f["direction"] == "out"]
        return accepted and len(answers) >= replies

    return collect(ws, done)


def messages(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] == "message"]


async def stored(core: Core) -> int:
    async with core.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(WebchatMessage)) or 0)


def test_guest_gets_a_session_and_answers_in_sequence(client: TestClient) -> None:
    with client.websocket_connect("/webchat/ws") as ws:
        welcome = hello(ws, locale="en")
        assert welcome["type"] == "welcome" and welcome["v"] == 1
        assert welcome["customer"] is False and welcome["last_seq"] == 0 and welcome["session"]
        first = messages(say(ws, "m1", "hello"))
        second = messages(say(ws, "m2", "again"))
    transcript = first + second
    assert [m["seq"] for m in transcript] == [1, 2, 3, 4]
    assert [(m["direction"], m.get("text")) for m in transcript] == [
        ("in", "hello"), ("out", "you said hello"), ("in", "again"), ("out", "you said again")]
    assert transcript[1]["kind"] == "buttons" and transcript[1]["buttons"] == [{"title": "Again", "payload": "again"}]


def test_reconnect_resends_only_what_was_missed_including_proactive_messages(client: TestClient) -> None:
    with client.websocket_connect("/webchat/ws") as ws:
        session = hello(ws)["session"]
        say(ws, "m1", "one")
    # While the visitor is away, the registry sends them something: it waits in the transcript.
    visitor = _visitor(client, session)
    assert client.post("/test/notify", json={"visitor": visitor, "text": "order 7 shipped"}).status_code == 200
    with client.websocket_connect("/webchat/ws") as ws:
        welcome = hello(ws, session=session, after=2)
        assert welcome["last_seq"] == 3
        missed = ws.receive_json()
        assert (missed["seq"], missed["text"]) == (3, "order 7 shipped")
        # The page still knows 1..3; the next message continues the sequence.
        assert [m["seq"] for m in messages(say(ws, "m2", "two"))] == [4, 5]


def test_a_reloaded_page_gets_the_whole_history_in_order(client: TestClient) -> None:
    with client.websocket_connect("/webchat/ws") as ws:
        session = hello(ws)["session"]
        for i in range(3):
            say(ws, f"m{i}", f"text {i}")
    with client.websocket_connect("/webchat/ws") as ws:
        hello(ws, session=session, after=0)
        replay = [ws.receive_json() for _ in range(6)]
    assert [m["seq"] for m in replay] == [1, 2, 3, 4, 5, 6]
    assert [m["text"] for m in replay] == ["text 0", "you said text 0", "text 1", "you said text 1", "text 2",
                                           "you said text 2"]


def test_a_message_sent_again_after_a_drop_is_answered_once(client: TestClient, echo: EchoGateway) -> None:
    with client.websocket_connect("/webchat/ws") as ws:
        session = hello(ws)["session"]
        say(ws, "same-id", "order please")
    with client.websocket_connect("/webchat/ws") as ws:
        hello(ws, session=session, after=2)
        ws.send_json({"v": 1, "type": "message", "id": "same-id", "text": "order please"})
        assert ws.receive_json() == {"v": 1, "type": "accepted", "id": "same-id", "seq": 1, "duplicate": True}
        ws.send_json({"v": 1, "type": "ping"})
        assert ws.receive_json()["type"] == "pong"  # nothing else was sent in between
    assert echo.seen == ["same-id"]
    page = client.get("/webchat/messages", params={"after": 0}, headers={"X-Webchat-Session": session}).json()
    assert [m["seq"] for m in page["messages"]] == [1, 2]


async def test_signed_customer_is_linked_to_their_contact(client: TestClient, core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        company = await build.company()
        contact = await build.contact(company, email="anna@buyer.example")
        await uow.commit()
    with client.websocket_connect("/webchat/ws") as ws:
        welcome = hello(ws, identity=signed("anna@buyer.example"))
        assert welcome["type"] == "welcome" and welcome["customer"] is True
    async with core.uow() as uow:
        identity = await uow.session.scalar(select(ChannelIdentity).where(ChannelIdentity.channel == "webchat"))
    assert identity is not None
    assert (identity.external_id, identity.contact_id) == (CUSTOMER_PREFIX + "anna@buyer.example", contact.id)


async def test_forged_or_stale_signatures_are_refused_and_nothing_is_stored(client: TestClient, core: Core) -> None:
    forged = {**signed("anna@buyer.example"), "signature": "0" * 64}
    other_secret = signed("anna@buyer.example", secret="not-the-secret")
    stale = signed("anna@buyer.example", at=time.time() - 3600)
    for identity, code in ((forged, "bad_signature"), (other_secret, "bad_signature"), (stale, "stale_signature")):
        with client.websocket_connect("/webchat/ws") as ws:
            refused = hello(ws, identity=identity)
            assert (refused["type"], refused["code"]) == ("error", code)
    answer = client.post("/webchat/session", json={"v": 1, "type": "hello", "identity": forged})
    assert answer.status_code == 401 and answer.json()["code"] == "bad_signature"
    async with core.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(ChannelIdentity)) == 0
    assert await stored(core) == 0


def test_a_forged_session_token_is_refused(client: TestClient) -> None:
    with client.websocket_connect("/webchat/ws") as ws:
        session = hello(ws)["session"]
    encoded, issued, mac = session.split(".")
    someone_else = base64.urlsafe_b64encode(b"cust:boss@buyer.example").decode().rstrip("=")
    for token in (f"{someone_else}.{issued}.{mac}", f"{encoded}.{issued}.{'0' * 64}", "garbage"):
        with client.websocket_connect("/webchat/ws") as ws:
            assert hello(ws, session=token)["code"] == "bad_session"
        answer = client.get("/webchat/messages", headers={"X-Webchat-Session": token})
        assert answer.status_code == 401


async def test_invalid_frames_get_clear_errors_and_store_nothing(client: TestClient, core: Core) -> None:
    with client.websocket_connect("/webchat/ws") as ws:
        hello(ws)
        ws.send_text("{not json")
        assert ws.receive_json()["code"] == "invalid_json"
        ws.send_json({"v": 2, "type": "message", "id": "x", "text": "hi"})
        assert ws.receive_json()["code"] == "unsupported_version"
        ws.send_json({"v": 1, "type": "message", "id": "x"})
        assert ws.receive_json()["code"] == "invalid_frame"
        ws.send_json({"v": 1, "type": "message", "id": "x", "text": "hi", "payload": "a"})
        assert ws.receive_json()["code"] == "invalid_frame"
        ws.send_json({"v": 1, "type": "message", "id": "big", "text": "x" * 70_000})
        assert ws.receive_json()["code"] == "frame_too_large"
        # The socket is still usable after all of that.
        assert [m["seq"] for m in messages(say(ws, "ok", "fine"))] == [1, 2]
    assert await stored(core) == 2


def test_the_first_frame_must_be_a_hello(client: TestClient) -> None:
    with client.websocket_connect("/webchat/ws") as ws:
        ws.send_json({"v": 1, "type": "message", "id": "x", "text": "hi"})
        assert ws.receive_json()["code"] == "hello_required"


async def test_messages_beyond_the_rate_are_refused_and_not_stored(webchat_settings: Settings, core: Core) -> None:
    limits = WebchatLimits(burst=2, per_second=0.0001)
    with TestClient(build_app(webchat_settings, gateway=EchoGateway(), limits=limits)) as client, \
            client.websocket_connect("/webchat/ws") as ws:
        hello(ws)
        say(ws, "a", "one")
        say(ws, "b", "two")
        ws.send_json({"v": 1, "type": "message", "id": "c", "text": "three"})
        refused = ws.receive_json()
        while refused["type"] == "typing":  # the previous turn's "typing off" may come after its answer
            refused = ws.receive_json()
        assert (refused["type"], refused["code"], refused["id"]) == ("error", "rate_limited", "c")
    assert await stored(core) == 4


def test_a_failing_turn_is_reported_and_the_socket_stays_usable(client: TestClient) -> None:
    with client.websocket_connect("/webchat/ws") as ws:
        hello(ws)
        ws.send_json({"v": 1, "type": "message", "id": "f", "text": "fail"})
        error = until(ws, "error", id="f")
        assert error["code"] == "internal"
        assert [m["text"] for m in messages(say(ws, "g", "still there"))][-1] == "you said still there"


def test_rich_messages_render_and_documents_download(client: TestClient) -> None:
    with client.websocket_connect("/webchat/ws") as ws:
        hello(ws)
        card = messages(say(ws, "c", "card"))[-1]
        listing = messages(say(ws, "l", "list"))[-1]
        document = messages(say(ws, "d", "doc"))[-1]
        ws.send_json({"v": 1, "type": "message", "id": "p", "payload": "add:1", "title": "Add to cart"})
        pressed = collect(ws, lambda fs: any(f.get("text") == "pressed add:1" for f in fs))
    assert card["kind"] == "card" and card["image"] == "https://example.com/a4.png"
    assert card["buttons"] == [{"title": "Add to cart", "payload": "add:1"}]
    assert listing["kind"] == "list" and len(listing["sections"][0]["rows"]) == 12
    assert document["kind"] == "document" and document["filename"] == "invoice-7.pdf"
    download = client.get(document["url"])
    assert download.status_code == 200 and download.content == b"%PDF-1.4 test"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert client.get("/webchat/files/" + "x" * 43).status_code == 404
    echoed = messages(pressed)[0]
    assert (echoed["direction"], echoed["kind"], echoed["text"]) == ("in", "button", "Add to cart")


def test_http_fallback_sends_fetches_and_uploads_files(client: TestClient) -> None:
    welcome = client.post("/webchat/session", json={"v": 1, "type": "hello", "locale": "ru"}).json()
    headers = {"X-Webchat-Session": welcome["session"]}
    sent = client.post("/webchat/messages", headers=headers,
                       json={"v": 1, "type": "message", "id": "h1", "text": "over http"})
    assert sent.json() == {"v": 1, "type": "accepted", "id": "h1", "seq": 1, "duplicate": False}
    order_file = base64.b64encode(b"sku;qty\nA4-80;10\n").decode()
    client.post("/webchat/messages", headers=headers, json={
        "v": 1, "type": "message", "id": "h2", "file": {"filename": "order.csv", "content_type": "text/csv",
                                                         "data": order_file}})
    page = client.get("/webchat/messages", params={"after": 1}, headers=headers).json()
    assert [(m["seq"], m.get("text") or m.get("filename")) for m in page["messages"]] == [
        (2, "you said over http"), (3, "order.csv"), (4, "got order.csv (17 bytes)")]
    assert page["last_seq"] == 4


def test_http_fallback_refuses_bad_input(client: TestClient) -> None:
    headers = {"X-Webchat-Session": client.post("/webchat/session", json={"v": 1, "type": "hello"}).json()["session"]}
    assert client.post("/webchat/messages", headers=headers, content=b"{oops").json()["code"] == "invalid_json"
    anonymous = client.post("/webchat/messages", json={"v": 1, "type": "message", "id": "x", "text": "hi"})
    assert anonymous.status_code == 401
    too_big = client.post("/webchat/messages", headers=headers, content=b"x" * 1_600_000)
    assert too_big.status_code == 413 and too_big.json()["code"] == "frame_too_large"
    bad_file = client.post("/webchat/messages", headers=headers, json={
        "v": 1, "type": "message", "id": "f", "file": {"filename": "a.csv", "data": "not base64!"}})
    assert bad_file.status_code == 400 and bad_file.json()["code"] == "invalid_file"
    assert client.get("/webchat/messages", params={"after": 0}, headers=headers).json()["messages"] == []


def test_a_new_visitor_is_greeted_once(client: TestClient, echo: EchoGateway) -> None:
    with client.websocket_connect("/webchat/ws") as ws:
        session = hello(ws)["session"]
        ws.send_json({"v": 1, "type": "start"})
        greeting = ws.receive_json()
        assert (greeting["seq"], greeting["text"]) == (1, "you said /start")
        ws.send_json({"v": 1, "type": "start"})
        ws.send_json({"v": 1, "type": "ping"})
        assert ws.receive_json()["type"] == "pong"
    assert echo.seen == ["start"]
    assert client.post("/webchat/session", json={"v": 1, "type": "hello", "session": session}).json()["last_seq"] == 1


def test_widget_and_demo_are_served(client: TestClient, webchat_settings: Settings) -> None:
    widget = client.get("/webchat/widget.js")
    assert widget.status_code == 200 and "B2botChat" in widget.text
    assert widget.headers["content-type"].startswith("text/javascript")
    assert "webchat/widget.js" in client.get("/").text
    with TestClient(build_app(webchat_settings.model_copy(update={"environment": "production",
                                                                    "secret_key": _secret("s"),
                                                                    "webhook_signing_secret": _secret("w")}),
                              gateway=EchoGateway(), demo=False)) as production:
        assert production.post("/webchat/demo/sign", json={"customer_id": "x"}).status_code in (404, 405)
        assert production.get("/").status_code == 404


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


def _visitor(client: TestClient, session: str) -> str:
    from bots.webchat.identity import verify_session

    channel = client.app.state.channel  # type: ignore[attr-defined]
    return verify_session(channel.settings.secret_key.get_secret_value(), session, now=channel.clock.now())
