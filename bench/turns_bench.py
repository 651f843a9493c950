"""Turns benchmark: simulated purchasers chatting with a real `b2bot serve` through the Telegram webhook.

The setup is production's, on one machine: `b2bot migrate` and `b2bot seed-demo` fill a database of the
benchmark's own, `b2bot serve` runs in webhook mode with its Bot API base pointed at a fake Bot API server in
this process (tests/fakes/telegram_bot_api.py, the one the channel tests use), and each purchaser, a
contact signed in by an invite deep link, posts updates to the webhook one turn at a time: free text (found
by the embedded NLU) and presses of the inline buttons the bot sent. A turn lasts from posting its update to
the arrival at the fake of the last message the bot answers it with.

A first pass of the script (warm-up) learns how many messages each step answers with, waiting for the chat
to fall quiet; measured passes then wait for exactly that many, and count a turn whose answer differs.
In the same run a bare FastAPI endpoint that only echoes the update (bench/echo_app.py) is driven by the same
client at the same concurrency, for the ratio. CPU time per turn is the server process's user and system
time over the measured window, read from /proc.

Run `python -m bench.turns_bench [--seconds S] [--purchasers N] [--products P] [--show]`; `run()` returns
rows. Environment: BENCH_TURNS_SECONDS (15), BENCH_TURNS_PURCHASERS (32), BENCH_TURNS_PRODUCTS (5000).
PostgreSQL with Redis is measured too when DATABASE_URL and REDIS_URL are set.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import select

from bench.harness import (
    BIN,
    REPO,
    Backend,
    ServerProcess,
    b2bot,
    backend,
    backends,
    child_env,
    env_int,
    free_port,
    median,
    percentile,
    row,
)
from core.bootstrap import build_core
from core.models import Company, Contact, ContactRole
from core.services import invites
from tests.fakes.telegram_bot_api import TOKEN, Call, FakeBotApi

SECRET = "bench-webhook-secret"  # noqa: S105 - the fake webhook's, known to both ends
WEBHOOK = "/telegram/webhook"
REPLY_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "editMessageReplyMarkup"})
QUIET_S = 0.6  # warm-up: a chat silent this long after its last message has had its whole answer
TURN_TIMEOUT_S = 15.0
TARGET_TPS, TARGET_RATIO, TARGET_P99_MS = 300.0, 0.10, 100.0

# ("say", text); ("press", the start of a button's title, or "#n" for the n-th button of the latest keyboard);
# ("press?", title): pressed when the latest answer shows it, else skipped (an offer that depends on the data).
Step = tuple[str, str]

# One pass of a purchaser's script: search, product card, add to cart, stock, balance, delivery quote,
# checkout, order tracking; free text and button presses. A pass ends with an empty cart, so passes repeat.
SCRIPT: tuple[Step, ...] = (
    ("say", "find products"),
    ("say", "A4 office paper"),
    ("press", "1."),
    ("press", "Add"),
    ("say", "how many STRETCH-500-20 are in stock"),
    ("say", "balance"),
    ("say", "delivery cost"),
    ("press", "#0"),
    ("press", "#0"),
    ("say", "checkout"),
    ("press", "Keep this delivery"),
    ("press?", "Don't spend"),
    ("press", "Confirm the order"),
    ("say", "my orders"),
    ("press", "№"),
)


@dataclass
class Purchaser:
    user_id: int
    token: str
    replies: list[tuple[float, Call]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    expected: list[int] = field(default_factory=list)  # messages each script step answers with
    consumed: int = 0  # replies already attributed to a turn
    latencies: list[float] = field(default_factory=list)
    mismatched: int = 0
    failed: int = 0
    transcript: list[str] = field(default_factory=list)


class Traffic:
    """Builds updates (unique ids across runs) and posts them; collects the fake's replies by chat."""

    def __init__(self, session: aiohttp.ClientSession, base: str, purchasers: Sequence[Purchaser]) -> None:
        self.session, self.base = session, base
        self.by_chat = {p.user_id: p for p in purchasers}
        self._ids = itertools.count(random.randrange(10**9, 2 * 10**9))

    def on_call(self, call: Call) -> None:
        purchaser = self.by_chat.get(call.chat_id or 0)
        if purchaser is not None and call.method in REPLY_METHODS:
            purchaser.replies.append((time.perf_counter(), call))
            purchaser.arrived.set()

    def update(self, purchaser: Purchaser, step: Step) -> dict[str, Any]:
        user = {"id": purchaser.user_id, "is_bot": False, "first_name": "Bench", "language_code": "en"}
        chat = {"id": purchaser.user_id, "type": "private", "first_name": "Bench"}
        kind, value = step
        if kind == "say":
            message: dict[str, Any] = {"message_id": next(self._ids), "from": user, "chat": chat,
                                       "date": int(time.time()), "text": value}
            if value.startswith("/"):
                message["entities"] = [{"offset": 0, "length": len(value.split()[0]), "type": "bot_command"}]
            return {"update_id": next(self._ids), "message": message}
        message_id, data = self.button(purchaser, value)
        return {"update_id": next(self._ids), "callback_query": {
            "id": str(next(self._ids)), "from": user, "chat_instance": "bench", "data": data,
            "message": {"message_id": message_id, "chat": chat, "date": int(time.time()), "text": "…"}}}

    @staticmethod
    def button(purchaser: Purchaser, title: str) -> tuple[int, str]:
        """The latest button whose title starts with `title`; "#n" is the n-th button of the latest keyboard."""
        for _at, call in reversed(purchaser.replies):
            buttons = call.buttons
            if title.startswith("#") and buttons:
                return int(call.params.get("_message_id", 0)), buttons[int(title[1:])][1]
            for shown, data in buttons:
                if shown.startswith(title):
                    return int(call.params.get("_message_id", 0)), data
        raise LookupError(f"no button {title!r} in chat {purchaser.user_id}")

    async def post(self, update: dict[str, Any]) -> None:
        for attempt in (1, 2):
            try:
                async with self.session.post(self.base + WEBHOOK, json=update,
                                             headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"webhook answered {response.status}")
                    return
            except aiohttp.ServerDisconnectedError:
                # uvicorn closed a keep-alive connection idle for 5 s as we reused it. Telegram redelivers
                # in that case too, and the same update_id is handled once.
                if attempt == 2:
                    raise

    async def turn(self, purchaser: Purchaser, step: Step, expected: int | None) -> tuple[float, int] | None:
        """Post one step and wait for its answer (`expected` messages, or until the chat falls quiet);
        the turn's latency in seconds and how many messages it was answered with (None: a step skipped)."""
        if len(purchaser.replies) != purchaser.consumed:  # the previous turn answered more than expected
            purchaser.mismatched += 1
            purchaser.consumed = len(purchaser.replies)
        if step[0] == "press?":
            latest = purchaser.replies[-1][1].buttons if purchaser.replies else []
            if not any(title.startswith(step[1]) for title, _ in latest):
                return None
            if expected is not None and expected < 0:  # not offered in the warm-up: answered unlike it
                purchaser.mismatched += 1
                expected = None
        start = purchaser.consumed
        update = self.update(purchaser, step)
        sent = time.perf_counter()
        await self.post(update)
        deadline = sent + TURN_TIMEOUT_S
        while True:
            got = len(purchaser.replies) - start
            if expected is not None and got >= expected:
                break
            purchaser.arrived.clear()
            wait = deadline - time.perf_counter()
            if expected is None and got:
                wait = min(wait, QUIET_S)
            if wait <= 0:
                break
            try:
                await asyncio.wait_for(purchaser.arrived.wait(), wait)
            except TimeoutError:
                if expected is None and got:
                    break
        got = len(purchaser.replies) - start
        if expected is not None and got != expected:
            purchaser.mismatched += 1
        if got == 0:
            purchaser.failed += 1
            purchaser.consumed = start
            return time.perf_counter() - sent, 0
        purchaser.consumed = start + (got if expected is None else min(got, expected))
        last_at = purchaser.replies[purchaser.consumed - 1][0]
        purchaser.transcript.append(f">> {step}\n" + "\n".join(
            f"<< {call.text[:160]!r} {[title for title, _ in call.buttons]}"
            for _at, call in purchaser.replies[start:purchaser.consumed]))
        return last_at - sent, purchaser.consumed - start


async def _purchasers(bk: Backend, count: int) -> list[Purchaser]:
    """Invite tokens for `count` buyers, from as many different companies as there are."""
    core = build_core(bk.settings())
    try:
        async with core.uow() as uow:
            rows = (await uow.session.execute(
                select(Contact.id, Contact.company_id).join(Company, Company.id == Contact.company_id)
                .where(Contact.role == ContactRole.BUYER).order_by(Contact.id))).all()
            first_of_company: dict[int, int] = {}
            others: list[int] = []
            for contact_id, company_id in rows:
                if company_id in first_of_company:
                    others.append(contact_id)
                else:
                    first_of_company[company_id] = contact_id
            chosen = (list(first_of_company.values()) + others)[:count]
            if len(chosen) < count:
                raise RuntimeError(f"the demo data has {len(chosen)} buyers, fewer than {count} purchasers")
            base = random.randrange(10**8, 9 * 10**8)
            made = []
            for n, contact_id in enumerate(chosen):
                invite = await invites.create_invite(uow.session, contact_id, now=core.clock.now())
                made.append(Purchaser(user_id=base + n, token=invite.token))
            await uow.commit()
        return made
    finally:
        await core.close()


async def _drive(traffic: Traffic, purchasers: Sequence[Purchaser], seconds: float) -> tuple[int, float]:
    """Every purchaser repeats the script until `seconds` pass; (turns, elapsed seconds)."""
    stop_at = time.perf_counter() + seconds
    turns = 0

    async def chat(purchaser: Purchaser) -> None:
        nonlocal turns
        for index in itertools.cycle(range(len(SCRIPT))):
            if time.perf_counter() >= stop_at:
                return
            try:
                done = await traffic.turn(purchaser, SCRIPT[index], purchaser.expected[index])
            except (LookupError, aiohttp.ClientError, RuntimeError) as error:
                purchaser.failed += 1
                if purchaser.failed <= 2:
                    print(f"purchaser {purchaser.user_id}, step {SCRIPT[index]}: {error!r}", file=sys.stderr)
                continue
            if done is None:
                if purchaser.expected[index] >= 0:  # offered in the warm-up, not now
                    purchaser.mismatched += 1
                continue
            purchaser.latencies.append(done[0])
            turns += 1

    started = time.perf_counter()
    await asyncio.gather(*(chat(p) for p in purchasers))
    return turns, time.perf_counter() - started


async def _echo_rate(base: str, concurrency: int, seconds: float, update: dict[str, Any]) -> tuple[int, float]:
    """Requests per second a bare echo endpoint answers to `concurrency` clients posting one at a time."""
    body = json.dumps(update).encode()
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    stop_at = time.perf_counter() + seconds
    done = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency * 2)) as session:

        async def client() -> None:
            nonlocal done
            while time.perf_counter() < stop_at:
                async with session.post(base + WEBHOOK, data=body, headers=headers) as response:
                    await response.read()
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        return done, time.perf_counter() - started


async def _measure(bk: Backend, workdir: Path, *, seconds: float, count: int, show: bool) -> list[dict[str, Any]]:
    purchasers = await _purchasers(bk, count)
    fake = FakeBotApi()
    await fake.start()
    port = free_port()
    env = child_env(bk, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_MODE="webhook", TELEGRAM_WEBHOOK_SECRET=SECRET,
                    TELEGRAM_API_BASE=fake.base, TELEGRAM_RATE_PER_CHAT="1000", TELEGRAM_RATE_OVERALL="100000")
    server = ServerProcess([str(BIN / "b2bot"), "serve", "--port", str(port)], env, workdir, port)
    rows: list[dict[str, Any]] = []
    label = f"[{bk.name}]"
    try:
        with server:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=count * 2)) as session:
                traffic = Traffic(session, server.base, purchasers)
                fake.on_call = traffic.on_call

                async def warm_up(purchaser: Purchaser) -> None:
                    await traffic.turn(purchaser, ("say", f"/start {purchaser.token}"), None)
                    for step in SCRIPT:
                        try:
                            done = await traffic.turn(purchaser, step, None)
                        except LookupError:
                            purchaser.failed += 1
                            done = (0.0, 0)
                        purchaser.expected.append(done[1] if done is not None else -1)

                await asyncio.gather(*(warm_up(p) for p in purchasers))
                if show:
                    print("\n".join(purchasers[0].transcript), file=sys.stderr)
                for p in purchasers:
                    p.latencies.clear()
                    p.transcript.clear()
                    p.mismatched = p.failed = 0
                profiler = _profile(server.pid, seconds, bk.name)
                cpu_before = server.cpu_seconds()
                turns, elapsed = await _drive(traffic, purchasers, seconds)
                if profiler is not None:
                    profiler.wait()
                cpu = server.cpu_seconds() - cpu_before
                await asyncio.sleep(QUIET_S)
                late = sum(len(p.replies) != p.consumed for p in purchasers)
                rss = server.rss_mb()
        echo_port = free_port()
        echo = ServerProcess([sys.executable, "-m", "uvicorn", "bench.echo_app:app", "--port", str(echo_port),
                              "--log-level", "warning"], {**env, "PYTHONPATH": str(REPO)}, workdir, echo_port)
        with echo:
            await _echo_rate(echo.base, count, 2.0, traffic.update(purchasers[0], ("say", "balance")))  # warm
            cpu_echo = echo.cpu_seconds()
            echoed, echo_elapsed = await _echo_rate(echo.base, count, min(seconds, 10.0),
                                                    traffic.update(purchasers[0], ("say", "balance")))
            cpu_echo = echo.cpu_seconds() - cpu_echo
    finally:
        await fake.stop()

    latencies = [s * 1000 for p in purchasers for s in p.latencies]
    tps = turns / elapsed if elapsed else 0.0
    echo_rps = echoed / echo_elapsed if echo_elapsed else 0.0
    ratio = tps / echo_rps if echo_rps else 0.0
    p99 = percentile(latencies, 99)
    mismatched = sum(p.mismatched for p in purchasers) + late
    failed = sum(p.failed for p in purchasers)
    rows += [
        row(f"turns/s, {count} purchasers, mixed script {label}", f">= {TARGET_TPS:g}", round(tps, 1),
            tps >= TARGET_TPS),
        row(f"bare echo endpoint req/s, same client {label}", "report", round(echo_rps, 1)),
        row(f"turns/s as a share of the echo endpoint {label}", f">= {TARGET_RATIO:.0%}", f"{ratio:.1%}",
            ratio >= TARGET_RATIO),
        row(f"turn latency p50 ms {label}", "report", median(latencies)),
        row(f"turn latency p99 ms {label}", f"<= {TARGET_P99_MS:g}", p99, p99 <= TARGET_P99_MS),
        row(f"server CPU ms per turn {label}", "report", cpu / turns * 1000 if turns else 0.0),
        row(f"echo CPU ms per request {label}", "report", cpu_echo / echoed * 1000 if echoed else 0.0),
        row(f"server CPU use while measured (1.0 = one core) {label}", "report", cpu / elapsed if elapsed else 0.0),
        row(f"server RSS MB after the run {label}", "report", rss),
        row(f"turns answered otherwise than in the warm-up, or not at all {label}", "0",
            f"{mismatched + failed} of {turns}", mismatched + failed == 0),
    ]
    return rows


def _profile(pid: int, seconds: float, name: str) -> subprocess.Popen[bytes] | None:
    """With BENCH_PROFILE=<folder>: py-spy samples the server over the measured window (collapsed stacks)."""
    folder = os.environ.get("BENCH_PROFILE")
    spy = shutil.which("py-spy", path=str(BIN)) or shutil.which("py-spy")
    if not folder or spy is None:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    out = Path(folder) / f"turns-{name.replace('+', '-').lower()}.txt"
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "250",  # noqa: S603
                             "--format", "raw", "--output", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _bench(kind: str, *, seconds: float, count: int, products: int, show: bool) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="turns-bench-") as tmp, backend(kind, Path(tmp)) as bk:
        workdir = Path(tmp)
        env = child_env(bk)
        started = time.perf_counter()
        b2bot(["migrate"], env, workdir)
        b2bot(["seed-demo", "--products", str(products), "--companies", str(max(50, count))], env, workdir)
        print(f"turns [{bk.name}]: {products} products seeded in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
        return asyncio.run(_measure(bk, workdir, seconds=seconds, count=count, show=show))


def run(seconds: float | None = None, purchasers: int | None = None, products: int | None = None,
        show: bool = False) -> list[dict[str, Any]]:
    seconds = seconds or float(env_int("BENCH_TURNS_SECONDS", 15))
    count = purchasers or env_int("BENCH_TURNS_PURCHASERS", 32)
    products = products or env_int("BENCH_TURNS_PRODUCTS", 5000)
    rows: list[dict[str, Any]] = []
    for kind in backends():
        rows += _bench(kind, seconds=seconds, count=count, products=products, show=show)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--purchasers", type=int, default=None)
    parser.add_argument("--products", type=int, default=None)
    parser.add_argument("--show", action="store_true", help="print the first purchaser's warm-up conversation")
    args = parser.parse_args()
    from bench.__main__ import print_table

    print_table(run(args.seconds, args.purchasers, args.products, args.show))


if __name__ == "__main__":
    main()
