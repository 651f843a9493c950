"""What the benchmarks share: result rows, percentiles, a database of their own, and server processes.

A benchmark gets a `Backend`: a fresh SQLite file, or (when DATABASE_URL names PostgreSQL) a fresh schema of
that database dropped afterwards, plus REDIS_URL when set. Server processes (`b2bot serve`, the bare echo app)
run with an environment built here from the backend alone, in a scratch directory, so neither the caller's
shell nor a `.env` file leaks into what is measured; their CPU time and resident memory are read from /proc.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from core.config import Settings

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Settings a server must not inherit from the shell that runs the benchmark: the backend decides them.
_OWN_SETTINGS = ("DATABASE_URL", "DATABASE_SCHEMA", "REDIS_URL", "RASA_URL", "ENVIRONMENT", "LOG_LEVEL")


def row(figure: str, target: str, measured: object, ok: bool = True) -> dict[str, Any]:
    if isinstance(measured, float):
        measured = round(measured, 3)
    return {"figure": figure, "target": target, "measured": measured, "pass": ok}


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank; 0.0 for no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else 0.0


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def redis_url() -> str | None:
    return os.environ.get("REDIS_URL") or None


@dataclass
class Backend:
    """Where a benchmark's data lives, as the environment a `b2bot` process reads."""

    name: str
    env: dict[str, str] = field(default_factory=dict)

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {"environment": "test", "database_url": self.env["DATABASE_URL"],
                                  "database_schema": self.env.get("DATABASE_SCHEMA"),
                                  "redis_url": self.env.get("REDIS_URL")}
        return Settings(_env_file=None, **{**values, **overrides})

    @property
    def is_postgres(self) -> bool:
        return self.env["DATABASE_URL"].startswith("postgresql")


def backends() -> list[str]:
    """The backends to run: SQLite always; PostgreSQL (with Redis when set) when DATABASE_URL names it.
    BENCH_BACKENDS=sqlite (or postgres) keeps one."""
    kinds = ["sqlite", "postgres"] if postgres_url() else ["sqlite"]
    only = os.environ.get("BENCH_BACKENDS")
    return [k for k in kinds if k in only.split(",")] if only else kinds


@contextlib.contextmanager
def backend(kind: str, workdir: Path) -> Iterator[Backend]:
    """A fresh database of `kind` ("sqlite" or "postgres"), removed afterwards."""
    if kind == "sqlite":
        yield Backend("SQLite", {"DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"})
        return
    url = postgres_url()
    if url is None:
        raise RuntimeError("DATABASE_URL does not name PostgreSQL")
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_sql(url, f'CREATE SCHEMA "{schema}"'))
    env = {"DATABASE_URL": url, "DATABASE_SCHEMA": schema}
    name = "PostgreSQL"
    if redis_url():
        env["REDIS_URL"] = str(redis_url())
        name = "PostgreSQL+Redis"
    try:
        yield Backend(name, env)
    finally:
        asyncio.run(_sql(url, f'DROP SCHEMA "{schema}" CASCADE'))


async def _sql(url: str, statement: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


def child_env(backend: Backend, **extra: str) -> dict[str, str]:
    """The environment of a process the benchmark starts: the shell's, minus b2bot settings, plus the backend."""
    env = {k: v for k, v in os.environ.items() if k not in _OWN_SETTINGS and not k.startswith("TELEGRAM_")}
    env.setdefault("NLU_CACHE_DIR", str(REPO / "var" / "nlu-cache"))
    env["PYTHONPATH"] = str(REPO)
    env.update(ENVIRONMENT="test", LOG_LEVEL="WARNING", **backend.env, **extra)
    return env


def b2bot(args: Sequence[str], env: dict[str, str], cwd: Path) -> str:
    """Run a `b2bot` command to completion; its standard output."""
    done = subprocess.run([str(BIN / "b2bot"), *args], env=env, cwd=cwd, capture_output=True, text=True,  # noqa: S603
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"b2bot {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """A server subprocess: started, waited for until `ready_path` answers, measured through /proc, stopped."""

    def __init__(self, args: Sequence[str], env: dict[str, str], cwd: Path, port: int,
                 ready_path: str = "/health", log: Path | None = None) -> None:
        self.args, self.env, self.cwd, self.port, self.ready_path = list(args), env, cwd, port, ready_path
        self.log = log or cwd / f"server-{port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 180.0) -> ServerProcess:
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(self.args, env=self.env, cwd=self.cwd, stdout=log,  # noqa: S603
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.args[0]} exited: {self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.base + self.ready_path, timeout=2) as answer:  # noqa: S310
                    if answer.status < 500:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.args[0]} not ready after {timeout:.0f} s: {self.log.read_text()[-3000:]}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User plus system CPU time the process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        return _status_kb(self.pid, "VmRSS:") / 1024

    def peak_rss_mb(self) -> float:
        return _status_kb(self.pid, "VmHWM:") / 1024

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    raise KeyError(key)
