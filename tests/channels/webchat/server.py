"""A web chat app for tests: the real router on a given database, with an echoing or the real gateway.

Used in-process by the protocol tests and as a uvicorn `--factory` by the two-process and browser tests
(which set WEBCHAT_TEST_GATEWAY=echo|real and the usual DATABASE_URL / REDIS_URL).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pydantic import BaseModel

from bots.webchat import WebchatChannel, WebchatLimits, create_webchat_router
from core.bootstrap import build_core
from core.config import Settings
from core.messaging import (
    Adapted,
    Button,
    ButtonPress,
    Buttons,
    DocumentOut,
    FileUpload,
    Inbound,
    ListOut,
    ListRow,
    ListSection,
    ProductCardOut,
    Text,
    TextOut,
)
from dialogs.engine import Present


class EchoGateway:
    """Answers by the text: "card", "doc", "list", "fail" show those; anything else is echoed with a button."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def handle(self, inbound: Inbound, present: Present) -> Adapted | None:
        content = inbound.content
        self.seen.append(inbound.message_id)
        if isinstance(content, ButtonPress):
            return present([TextOut(f"pressed {content.payload}")], "en")
        if isinstance(content, FileUpload):
            return present([TextOut(f"got {content.filename} ({content.size} bytes)")], "en")
        assert isinstance(content, Text)
        if content.text == "fail":
            raise RuntimeError("a turn that breaks")
        if content.text == "card":
            return present([ProductCardOut("Paper A4", "500 sheets", "https://example.com/a4.png",
                                           [Button("Add to cart", "add:1")])], "en")
        if content.text == "doc":
            return present([DocumentOut("invoice-7.pdf", "application/pdf", b"%PDF-1.4 test", "Invoice 7")], "en")
        if content.text == "list":
            rows = [ListRow(f"Row {i}", f"row:{i}", f"about {i}") for i in range(12)]
            return present([ListOut("Pick one", "Open", [ListSection("Rows", rows)])], "en")
        return present([Buttons(f"you said {content.text}", [Button("Again", "again")])], "en")


class Notify(BaseModel):
    visitor: str
    text: str


def build_app(settings: Settings, *, gateway: object | None = None, limits: WebchatLimits | None = None,
              demo: bool = True) -> FastAPI:
    core = build_core(settings)
    channel = WebchatChannel(settings, core.uow, clock=core.clock)
    holder: dict[str, object] = {}
    closers: list[Callable[[], Awaitable[None]]] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if gateway is None:
            from b2bot.bootstrap import build_runtime

            runtime = await build_runtime(settings, core=core, senders=[channel.sender])
            holder["gateway"] = runtime.gateway
            closers.append(runtime.close)
        yield
        await channel.close()
        for close in closers:
            await close()
        if gateway is not None:
            await core.close()

    app = FastAPI(lifespan=lifespan)
    app.state.channel = channel
    if gateway is not None:
        holder["gateway"] = gateway
    app.include_router(create_webchat_router(channel, lambda: holder["gateway"], limits=limits,  # type: ignore[arg-type,return-value]
                                             demo=demo))

    @app.post("/test/notify")
    async def notify(body: Notify) -> dict[str, str]:
        """Stands in for the channel registry sending a proactive message through the sender."""
        await channel.sender.send(body.visitor, [TextOut(body.text)])
        return {"status": "sent"}

    return app


def create() -> FastAPI:
    """The uvicorn factory: settings from the environment; WEBCHAT_TEST_GATEWAY picks the gateway."""
    settings = Settings()
    kind = os.environ.get("WEBCHAT_TEST_GATEWAY", "echo")
    return build_app(settings, gateway=EchoGateway() if kind == "echo" else None, demo=True)
