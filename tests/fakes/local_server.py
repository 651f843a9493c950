"""An aiohttp app served on a free loopback port, for the fakes of messengers' HTTP APIs."""

from __future__ import annotations

from aiohttp import web


class LocalServer:
    """Serves one app on 127.0.0.1 at a port the OS picks; `base` is its root URL once started."""

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.base = ""

    async def start(self, app: web.Application) -> str:
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        port = server.sockets[0].getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        return self.base

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
