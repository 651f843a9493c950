"""The web chat's HTTP side: the WebSocket endpoint, the HTTP fallback, file downloads and the widget.

WebSocket `/webchat/ws`: the first frame is `hello`; the server answers `welcome`, then every transcript
entry after the page's `after` in order, then live ones as they come. HTTP fallback: `POST /webchat/session`
(a hello), `POST /webchat/messages` and `GET /webchat/messages?after=N` with the session token in the
`X-Webchat-Session` header. Every refusal is an `error` frame with a stable code; nothing is stored for a
refused frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, JSONResponse, Response

from bots.webchat import protocol
from bots.webchat.channel import GatewaySource, Session, WebchatChannel, entry_frame, resolve_gateway
from bots.webchat.identity import IdentityRefused, customer_id_of, verify_session
from bots.webchat.limits import BucketsByKey, TokenBucket, WebchatLimits
from bots.webchat.protocol import Ack, Hello, Ping, ProtocolError, SendMessage, Start, parse_client_frame

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
SESSION_HEADER = "X-Webchat-Session"
CLOSE_POLICY = 1008  # WebSocket "policy violation": a refused identity
CORS = {
    # The widget runs on the supplier's site; it authenticates with a header token, never a cookie, so any
    # origin may call the fallback.
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": f"Content-Type, {SESSION_HEADER}",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Max-Age": "600",
}


def create_webchat_router(
    channel: WebchatChannel,
    gateway: GatewaySource,
    *,
    limits: WebchatLimits | None = None,
    demo: bool | None = None,
) -> APIRouter:
    """The web chat routes. `gateway` may be a provider called per message (the app may build it later).

    `demo` (default: in development only) adds the demo page at `/` and its signing endpoint.
    """
    limits = limits or WebchatLimits()
    router = APIRouter(tags=["webchat"])
    http_buckets = BucketsByKey(limits.burst, limits.per_second)

    @router.websocket("/webchat/ws")
    async def webchat_socket(websocket: WebSocket) -> None:
        await websocket.accept()
        connection = _Connection(websocket, channel, limits)
        try:
            await connection.run(gateway)
        except WebSocketDisconnect:
            pass
        finally:
            await connection.stop()

    @router.post("/webchat/session", operation_id="webchat_session")
    async def open_session(request: Request) -> Response:
        try:
            frame = parse_client_frame(await _body(request, limits.max_frame_bytes))
            if not isinstance(frame, Hello):
                raise ProtocolError("invalid_frame", "expected a hello frame")
            session = await channel.open_session(frame)
        except ProtocolError as error:
            return _error(error, 413 if error.code == "frame_too_large" else 400)
        except IdentityRefused as refused:
            return _error(ProtocolError(refused.code, refused.message), 401)
        last_seq = await channel.last_seq(session.visitor)
        return _json(protocol.welcome(session.token, customer=session.customer, last_seq=last_seq,
                                      locale=session.locale))

    @router.post("/webchat/messages", operation_id="webchat_send")
    async def send_message(request: Request) -> Response:
        try:
            session = _session_from(request, channel)
            frame = parse_client_frame(await _body(request, limits.max_body_bytes))
            if not isinstance(frame, SendMessage | Start):
                raise ProtocolError("invalid_frame", "expected a message or start frame")
            if not http_buckets.take(session.visitor):
                raise ProtocolError("rate_limited", "too many messages; slow down")
        except IdentityRefused as refused:
            return _error(ProtocolError(refused.code, refused.message), 401)
        except ProtocolError as error:
            status = {"frame_too_large": 413, "rate_limited": 429}.get(error.code, 400)
            return _error(error, status)
        if isinstance(frame, Start):
            await channel.start(session, resolve_gateway(gateway))
            return _json({"v": protocol.VERSION, "type": "started"})
        try:
            received = await channel.receive(session, frame, resolve_gateway(gateway))
        except ProtocolError as error:
            return _error(error, 413 if error.code == "file_too_large" else 400, client_id=frame.id)
        if received.error is not None:
            return _json({**protocol.accepted(received.client_id, received.seq, duplicate=received.duplicate),
                          "error": protocol.error(received.error.code, received.error.message)})
        return _json(protocol.accepted(received.client_id, received.seq, duplicate=received.duplicate))

    @router.get("/webchat/messages", operation_id="webchat_history")
    async def message_history(request: Request, after: int = Query(0, ge=0),
                              limit: int = Query(100, ge=1, le=500)) -> Response:
        try:
            session = _session_from(request, channel)
        except IdentityRefused as refused:
            return _error(ProtocolError(refused.code, refused.message), 401)
        entries = await channel.transcript(session.visitor, after, limit=limit)
        return _json({"v": protocol.VERSION, "type": "history", "messages": [entry_frame(e) for e in entries],
                      "last_seq": entries[-1].seq if entries else after})

    @router.options("/webchat/{path:path}", include_in_schema=False)
    async def preflight(path: str) -> Response:
        return Response(status_code=204, headers=CORS)

    @router.get("/webchat/files/{token}", operation_id="webchat_file")
    async def download(token: str) -> Response:
        stored = await channel.file(token) if len(token) <= 64 else None
        if stored is None:
            return _error(ProtocolError("not_found", "no such file"), 404)
        disposition = f"attachment; filename*=UTF-8''{_quote(stored.filename)}"
        return Response(stored.data, media_type=stored.content_type,
                        headers={**CORS, "Content-Disposition": disposition, "Cache-Control": "private"})

    @router.get("/webchat/widget.js", include_in_schema=False)
    async def widget() -> Response:
        return FileResponse(STATIC / "widget.js", media_type="text/javascript",
                            headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"})

    enable_demo = channel.settings.environment == "development" if demo is None else demo
    if enable_demo:
        from bots.webchat.demo import add_demo_routes

        add_demo_routes(router, channel)
    return router


class _Connection:
    """One socket: a receive loop handling the visitor's frames, and a pump sending the transcript in order."""

    def __init__(self, websocket: WebSocket, channel: WebchatChannel, limits: WebchatLimits) -> None:
        self.websocket = websocket
        self.channel = channel
        self.limits = limits
        self.messages = TokenBucket(limits.burst, limits.per_second)
        self.frames = TokenBucket(limits.frames_burst, limits.frames_per_second)
        self.session: Session | None = None
        self.sent = 0  # the last seq sent on this socket
        self.acked = 0
        self._send_lock = asyncio.Lock()
        self._news = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None
        self._unsubscribe: Any = None

    async def run(self, gateway: GatewaySource) -> None:
        hello = await self._hello()
        if hello is None:
            return
        try:
            self.session = await self.channel.open_session(hello)
        except IdentityRefused as refused:
            await self.send(protocol.error(refused.code, refused.message))
            await self.websocket.close(CLOSE_POLICY)
            return
        session = self.session
        self.sent = self.acked = hello.after
        await self.send(protocol.welcome(session.token, customer=session.customer,
                                         last_seq=await self.channel.last_seq(session.visitor),
                                         locale=session.locale))
        self._unsubscribe = await self.channel.hub.subscribe(session.visitor, self._news.set)
        self._pump = asyncio.create_task(self._pump_transcript(), name=f"webchat-pump-{session.visitor}")
        self._news.set()  # whatever was missed while away
        while True:
            frame = await self._next_frame()
            if frame is None:
                continue
            if isinstance(frame, SendMessage):
                await self._message(frame, gateway)
            elif isinstance(frame, Start):
                if self.messages.take():
                    await self.channel.start(session, resolve_gateway(gateway))
                else:
                    await self.send(protocol.error("rate_limited", "too many messages; slow down"))
            elif isinstance(frame, Ack):
                self.acked = max(self.acked, min(frame.seq, self.sent))
            elif isinstance(frame, Ping):
                await self.send(protocol.pong())
            else:
                await self.send(protocol.error("invalid_frame", "already said hello"))

    async def _hello(self) -> Hello | None:
        frame = await self._next_frame(first=True)
        while frame is None:
            frame = await self._next_frame(first=True)
        if not isinstance(frame, Hello):
            await self.send(protocol.error("hello_required", "the first frame must be a hello"))
            await self.websocket.close(CLOSE_POLICY)
            return None
        return frame

    async def _next_frame(self, *, first: bool = False) -> Hello | SendMessage | Start | Ack | Ping | None:
        """The next valid frame, or None after answering an invalid one with an error."""
        message = await self.websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        raw = message.get("text") if message.get("text") is not None else message.get("bytes")
        size = len(raw.encode() if isinstance(raw, str) else raw or b"")
        if not self.frames.take():
            await self.send(protocol.error("rate_limited", "too many frames; slow down"))
            return None
        if size > self.limits.max_frame_bytes:
            await self.send(protocol.error("frame_too_large",
                                           f"frames are limited to {self.limits.max_frame_bytes} bytes; "
                                           "send files over HTTP"))
            return None
        try:
            return parse_client_frame(raw or b"")
        except ProtocolError as error:
            await self.send(protocol.error(error.code, error.message))
            return None

    async def _message(self, frame: SendMessage, gateway: GatewaySource) -> None:
        assert self.session is not None
        if not self.messages.take():
            await self.send(protocol.error("rate_limited", "too many messages; slow down", client_id=frame.id))
            return

        async def typing_on() -> None:
            await self.send(protocol.typing(True))

        try:
            received = await self.channel.receive(self.session, frame, resolve_gateway(gateway),
                                                  before_turn=typing_on)
        except ProtocolError as error:
            await self.send(protocol.error(error.code, error.message, client_id=frame.id))
            return
        await self.send(protocol.accepted(received.client_id, received.seq, duplicate=received.duplicate))
        if not received.duplicate:
            await self.send(protocol.typing(False))
        if received.error is not None:
            await self.send(protocol.error(received.error.code, received.error.message, client_id=frame.id))

    async def _pump_transcript(self) -> None:
        assert self.session is not None
        visitor = self.session.visitor
        while True:
            await self._news.wait()
            self._news.clear()
            while True:
                entries = await self.channel.transcript(visitor, self.sent)
                for entry in entries:
                    await self.send(entry_frame(entry))
                    self.sent = entry.seq
                if len(entries) < 200:
                    break

    async def send(self, frame: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.websocket.send_text(json.dumps(frame, ensure_ascii=False))

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._pump


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ProtocolError("frame_too_large", f"the body is limited to {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ProtocolError("frame_too_large", f"the body is limited to {limit} bytes")
    return bytes(body)


def _session_from(request: Request, channel: WebchatChannel) -> Session:
    token = request.headers.get(SESSION_HEADER)
    if not token:
        raise IdentityRefused("no_session", f"open a session first and send it in {SESSION_HEADER}")
    visitor = verify_session(channel.settings.secret_key.get_secret_value(), token, now=channel.clock.now())
    locale = request.headers.get("X-Webchat-Locale")
    return Session(visitor, token, customer_id_of(visitor) is not None, None, (locale or "")[:16] or None)


def _json(data: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=CORS)


def _error(error: ProtocolError, status: int, *, client_id: str | None = None) -> JSONResponse:
    return _json(protocol.error(error.code, error.message, client_id=client_id), status)


def _quote(filename: str) -> str:
    return quote(filename, safe="")
