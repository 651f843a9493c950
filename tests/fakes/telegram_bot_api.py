"""A fake Telegram Bot API server at the HTTP level, for a real aiogram `Bot` pointed at it by its base URL.

It records every call (method, fields, uploaded files), answers the way Telegram does (`{"ok": true, "result":
...}` with message objects), serves files for download, hands out queued updates to `getUpdates`, and fails on
request: `fail("sendMessage", 429, retry_after=3)` makes the next sendMessage a flood error. Failures and
updates are served first in, first out.

Shared by the channel tests and the turns benchmark (bench/turns_bench.py), which passes `on_call` to learn
of each reply the moment it arrives instead of scanning `calls`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.local_server import LocalServer

TOKEN = "123456:TEST-fake-token"
BOT_USERNAME = "b2bot_test_bot"
_TRUE_METHODS = frozenset({"sendChatAction", "answerCallbackQuery", "setWebhook", "deleteWebhook"})


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def chat_id(self) -> int | None:
        raw = self.params.get("chat_id")
        return int(raw) if raw is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(title, callback_data) of an inline keyboard, row by row."""
        markup = self.params.get("reply_markup") or {}
        return [(key["text"], key.get("callback_data", "")) for row in markup.get("inline_keyboard", [])
                for key in row]

    @property
    def reply_keyboard(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [key for row in markup.get("keyboard", []) for key in row]


@dataclass(frozen=True)
class _Failure:
    status: int
    description: str
    retry_after: int | None


class FakeBotApi:
    def __init__(self, on_call: Callable[[Call], None] | None = None) -> None:
        """`on_call` is told of every call, failed or not, right after it is recorded."""
        self.on_call = on_call
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}
        self.updates: deque[dict[str, Any]] = deque()
        self.drained = asyncio.Event()  # set when getUpdates found nothing to hand out
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._message_ids = itertools.count(1000)
        self._server = LocalServer()
        self.base = ""

    # Control --------------------------------------------------------------------------------------

    def fail(self, method: str, status: int, description: str = "", *, retry_after: int | None = None,
             times: int = 1) -> None:
        text = description or {429: "Too Many Requests: retry later", 403: "Forbidden: bot was blocked by the user",
                               500: "Internal Server Error"}.get(status, "Bad Request")
        for _ in range(times):
            self._failures[method].append(_Failure(status, text, retry_after))

    def add_file(self, file_id: str, data: bytes) -> None:
        self.files[file_id] = data

    def queue_update(self, update: dict[str, Any]) -> None:
        self.drained.clear()
        self.updates.append(update)

    def webhook_reply(self, body: bytes) -> None:
        """Carry out the Bot API method a webhook answered with, as Telegram does (the bot gets no result)."""
        if not body:
            return
        params = json.loads(body)
        if isinstance(params, dict) and isinstance(params.get("method"), str):
            method = params.pop("method")
            self._record(Call(method, params, {}))

    def sent(self, method: str | None = None, chat_id: int | None = None) -> list[Call]:
        """Calls that reached the server and succeeded, optionally of one method and chat."""
        return [c for c in self.calls if (method is None or c.method == method)
                and (chat_id is None or c.chat_id == chat_id) and not c.params.get("_failed")]

    def messages(self, chat_id: int | None = None) -> list[Call]:
        """Messages shown to users (texts, photos, documents), in order."""
        return [c for c in self.sent(chat_id=chat_id) if c.method in ("sendMessage", "sendPhoto", "sendDocument")]

    def clear(self) -> None:
        self.calls.clear()

    # Server ---------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self.base = await self._server.start(app)

    async def stop(self) -> None:
        await self._server.stop()

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await _read_fields(request)
        failures = self._failures.get(method)
        if failures:
            failure = failures.popleft()
            self._record(Call(method, {**params, "_failed": failure.status}, files))
            extra = {"parameters": {"retry_after": failure.retry_after}} if failure.retry_after is not None else {}
            return _error(failure.status, failure.description, **extra)
        result = self._result(method, params, files)
        if isinstance(result, dict) and "message_id" in result:
            params["_message_id"] = result["message_id"]
        self._record(Call(method, params, files))
        return _ok(result)

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)

    async def _file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if request.match_info["token"] != TOKEN or file_id not in self.files:
            return _error(404, "Not Found")
        return web.Response(body=self.files[file_id])

    def _result(self, method: str, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if method in _TRUE_METHODS:
            return True
        if method == "getMe":
            return {"id": 42, "is_bot": True, "first_name": "b2bot", "username": BOT_USERNAME}
        if method == "getFile":
            file_id = str(params["file_id"])
            return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(self.files.get(file_id, b"")),
                    "file_path": f"documents/{file_id}"}
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            # Like Telegram: asking from an offset confirms every update before it.
            self.updates = deque(u for u in self.updates if u["update_id"] >= offset)
            handed = list(self.updates)
            if not handed:
                self.drained.set()
            return handed
        message: dict[str, Any] = {
            "message_id": int(params.get("message_id") or next(self._message_ids)),
            "date": int(time.time()),
            "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
        }
        if method == "sendMessage":
            message["text"] = params["text"]
        elif method == "sendPhoto":
            message["photo"] = [{"file_id": "photo", "file_unique_id": "photo-u", "width": 1, "height": 1}]
        elif method == "sendDocument":
            name = next(iter(files), "document")
            message["document"] = {"file_id": "doc", "file_unique_id": "doc-u", "file_name": name}
        elif method != "editMessageReplyMarkup":
            return True
        if isinstance(params.get("reply_markup"), dict) and "inline_keyboard" in params["reply_markup"]:
            message["reply_markup"] = params["reply_markup"]
        return message


async def _read_fields(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    params: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    if request.content_type == "application/json":  # Telegram takes a JSON body as well as a form
        body = await request.json()
        return (body if isinstance(body, dict) else {}), files
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[value.filename or key] = value.file.read()
            params[key] = f"<file {value.filename}>"
            continue
        text = str(value)
        try:
            params[key] = json.loads(text) if text[:1] in "{[" else text
        except json.JSONDecodeError:
            params[key] = text
    return params, files


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, **extra: Any) -> web.Response:
    return web.json_response({"ok": False, "error_code": status, "description": description, **extra}, status=status)


class FakeTime:
    """A monotonic clock that moves only when something sleeps on it: rate limits tested without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
