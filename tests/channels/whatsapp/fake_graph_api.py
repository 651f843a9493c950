"""A fake WhatsApp Cloud (Graph) API server at the HTTP level, reached by b2bot through `WHATSAPP_API_BASE`.

It records every call (its kind, JSON body or form fields, uploaded files), answers the way the Graph API does
(`{"messages": [{"id": "wamid..."}]}`, `{"id": "<media id>"}`, a media URL to download from), checks the bearer
token, serves received files, and fails on request: `fail("messages", 400, code=130429)` makes the next send a
throttling error. Failures are served first in, first out.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.local_server import LocalServer

TOKEN = "EAAG-test-access-token"
PHONE_NUMBER_ID = "106540352242922"
VERSION = "v21.0"


@dataclass(frozen=True)
class Call:
    kind: str  # messages | read | media | media_info | download
    body: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    failed: int | None = None  # the error code it was answered with
    wamid: str | None = None

    @property
    def to(self) -> str:
        return str(self.body.get("to", ""))

    @property
    def type(self) -> str:
        return str(self.body.get("type", ""))

    @property
    def interactive(self) -> dict[str, Any]:
        return dict(self.body.get("interactive") or {})

    @property
    def text(self) -> str:
        """What the user reads: a text, an interactive body, a caption, or a template's parameters."""
        kind = self.type
        if kind == "text":
            return str(self.body["text"]["body"])
        if kind == "interactive":
            return str(self.interactive["body"]["text"])
        if kind in ("image", "document"):
            return str(self.body[kind].get("caption", ""))
        if kind == "template":
            components = self.body["template"].get("components") or []
            return " | ".join(p["text"] for c in components for p in c.get("parameters", []))
        return ""

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(title, id) of reply buttons, or of list rows."""
        interactive = self.interactive
        action = interactive.get("action") or {}
        if interactive.get("type") == "button":
            return [(b["reply"]["title"], b["reply"]["id"]) for b in action.get("buttons", [])]
        if interactive.get("type") == "list":
            return [(row["title"], row["id"]) for section in action.get("sections", []) for row in section["rows"]]
        return []


@dataclass(frozen=True)
class _Failure:
    status: int
    code: int
    message: str


class FakeGraphApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.files: dict[str, tuple[bytes, str, int]] = {}  # media id -> (data, mime type, declared size)
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._ids = itertools.count(1)
        self._server = LocalServer()
        self.base = ""  # the server's root
        self.api_base = ""  # what WHATSAPP_API_BASE is set to

    # Control --------------------------------------------------------------------------------------

    def fail(self, kind: str, status: int, *, code: int, message: str = "failure", times: int = 1) -> None:
        for _ in range(times):
            self._failures[kind].append(_Failure(status, code, message))

    def add_file(self, media_id: str, data: bytes, mime_type: str = "text/csv", *, size: int | None = None) -> None:
        """A file a user sent; `size` is what the media lookup declares (its real size unless given)."""
        self.files[media_id] = (data, mime_type, len(data) if size is None else size)

    def sent(self, to: str | None = None) -> list[Call]:
        """Messages that reached the server and were accepted, optionally to one recipient, in order."""
        return [c for c in self.calls if c.kind == "messages" and c.failed is None and (to is None or c.to == to)]

    def clear(self) -> None:
        self.calls.clear()

    # Server ---------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_post(f"/{VERSION}/{{phone}}/messages", self._messages)
        app.router.add_post(f"/{VERSION}/{{phone}}/media", self._upload)
        app.router.add_get(f"/{VERSION}/{{media_id}}", self._media_info)
        app.router.add_get("/download/{media_id}", self._download)
        self.base = await self._server.start(app)
        self.api_base = f"{self.base}/{VERSION}"

    async def stop(self) -> None:
        await self._server.stop()

    def _refused(self, request: web.Request, kind: str, body: dict[str, Any],
                 files: dict[str, bytes] | None = None) -> web.Response | None:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.calls.append(Call(kind, body, files or {}, failed=190))
            return _error(401, 190, "Invalid OAuth access token")
        if request.match_info.get("phone", PHONE_NUMBER_ID) != PHONE_NUMBER_ID:
            self.calls.append(Call(kind, body, files or {}, failed=100))
            return _error(400, 100, "Unsupported post request")
        failures = self._failures.get(kind)
        if failures:
            failure = failures.popleft()
            self.calls.append(Call(kind, body, files or {}, failed=failure.code))
            return _error(failure.status, failure.code, failure.message)
        return None

    async def _messages(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("status") == "read":  # marking a user's message read, not a message
            refused = self._refused(request, "read", body)
            if refused is None:
                self.calls.append(Call("read", body))
            return refused or web.json_response({"success": True})
        refused = self._refused(request, "messages", body)
        if refused is not None:
            return refused
        if body.get("messaging_product") != "whatsapp" or not body.get("to") or body.get("type") not in body:
            self.calls.append(Call("messages", body, failed=100))
            return _error(400, 100, "Invalid parameter")
        wamid = f"wamid.out.{next(self._ids)}"
        self.calls.append(Call("messages", body, wamid=wamid))
        return web.json_response({"messaging_product": "whatsapp",
                                  "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                                  "messages": [{"id": wamid}]})

    async def _upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        fields: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[value.filename or key] = value.file.read()
            else:
                fields[key] = str(value)
        refused = self._refused(request, "media", fields, files)
        if refused is not None:
            return refused
        media_id = f"media-{next(self._ids)}"
        self.calls.append(Call("media", fields, files))
        return web.json_response({"id": media_id})

    async def _media_info(self, request: web.Request) -> web.Response:
        media_id = request.match_info["media_id"]
        refused = self._refused(request, "media_info", {"id": media_id})
        if refused is not None:
            return refused
        if media_id not in self.files:
            return _error(404, 100, "Unsupported get request")
        _, mime, size = self.files[media_id]
        self.calls.append(Call("media_info", {"id": media_id}))
        return web.json_response({"messaging_product": "whatsapp", "id": media_id, "mime_type": mime,
                                  "sha256": "0" * 64, "file_size": size,
                                  "url": f"{self.base}/download/{media_id}"})

    async def _download(self, request: web.Request) -> web.Response:
        media_id = request.match_info["media_id"]
        refused = self._refused(request, "download", {"id": media_id})
        if refused is not None:
            return refused
        if media_id not in self.files:
            return web.Response(status=404)
        self.calls.append(Call("download", {"id": media_id}))
        return web.Response(body=self.files[media_id][0])


def _error(status: int, code: int, message: str) -> web.Response:
    body = {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf"}}
    return web.Response(text=json.dumps(body), status=status, content_type="application/json")
