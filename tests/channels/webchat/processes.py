"""Start the test web chat app as real uvicorn processes on free localhost ports (for two-process and browser tests)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from core.config import Settings

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "ENVIRONMENT": "development",
           "WEBCHAT_IDENTITY_SECRET": settings.webchat_identity_secret.get_secret_value(), **extra}
    if settings.database_schema:
        env["DATABASE_SCHEMA"] = settings.database_schema
    return env


@contextmanager
def serving(env: Mapping[str, str], *, ready_timeout: float = 180.0) -> Iterator[str]:
    """A uvicorn process running `server:create`; yields its base URL and stops it on exit."""
    port = free_port()
    log = (ROOT / "var").joinpath(f"webchat-test-{port}.log")
    log.parent.mkdir(exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - a fixed command line of our own
            [sys.executable, "-m", "uvicorn", "--factory", "tests.channels.webchat.server:create",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + ready_timeout
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the test server exited: {log.read_text()[-2000:]}")
                try:
                    if httpx.get(base + "/webchat/widget.js", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the test server did not start: {log.read_text()[-2000:]}")
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    log.unlink(missing_ok=True)
