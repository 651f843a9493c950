"""Memory: resident size of the embedded app (SQLite, no Redis) serving a catalogue of 100,000 products.

`b2bot seed-demo --products N` fills a fresh SQLite file, `b2bot serve` starts with the NLU loaded (and its
product vocabulary), and one purchaser runs the turns benchmark's script once through the Telegram webhook,
so the search index and every flow have been used. Then the server's VmRSS and peak (VmHWM) are read from
/proc. The NLU model cache starts empty, as on a deployment's first start: the server trains its models in a
child process (which also leaves the sentence encoder's table in the cache), so no figure includes training's
memory.
Run `python -m bench.memory_bench`; environment: BENCH_MEMORY_PRODUCTS (100000).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.harness import BIN, Backend, ServerProcess, b2bot, backend, child_env, env_int, free_port, row
from bench.turns_bench import SCRIPT, SECRET, Traffic, _purchasers
from tests.fakes.telegram_bot_api import TOKEN, FakeBotApi

TARGET_MB = 400.0


async def _measure(bk: Backend, workdir: Path, nlu_cache: Path) -> tuple[float, float, float, int]:
    purchasers = await _purchasers(bk, 1)
    fake = FakeBotApi()
    await fake.start()
    port = free_port()
    env = child_env(bk, NLU_CACHE_DIR=str(nlu_cache), TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_MODE="webhook",
                    TELEGRAM_WEBHOOK_SECRET=SECRET, TELEGRAM_API_BASE=fake.base, TELEGRAM_RATE_PER_CHAT="1000",
                    TELEGRAM_RATE_OVERALL="100000")
    try:
        with ServerProcess([str(BIN / "b2bot"), "serve", "--port", str(port)], env, workdir, port) as server:
            started = server.rss_mb()
            async with aiohttp.ClientSession() as session:
                traffic = Traffic(session, server.base, purchasers)
                fake.on_call = traffic.on_call
                purchaser = purchasers[0]
                answered = 0
                for step in (("say", f"/start {purchaser.token}"), *SCRIPT, ("say", "найди бумагу а4")):
                    try:
                        done = await traffic.turn(purchaser, step, None)
                    except LookupError:
                        continue
                    answered += done is not None and done[1] > 0
            return started, server.rss_mb(), server.peak_rss_mb(), answered
    finally:
        await fake.stop()


def run() -> list[dict[str, Any]]:
    products = env_int("BENCH_MEMORY_PRODUCTS", 100_000)
    with tempfile.TemporaryDirectory(prefix="memory-bench-") as tmp, backend("sqlite", Path(tmp)) as bk:
        env = child_env(bk)
        seeded = time.perf_counter()
        b2bot(["migrate"], env, Path(tmp))
        b2bot(["seed-demo", "--products", str(products)], env, Path(tmp))
        print(f"memory: {products} products seeded in {time.perf_counter() - seeded:.1f} s", file=sys.stderr)
        at_start, after, peak, answered = asyncio.run(_measure(bk, Path(tmp), Path(tmp) / "nlu-cache"))
    label = f"embedded app, {products:,} products, NLU loaded"
    return [
        row(f"RSS MB at start ({label})", "report", at_start),
        row(f"RSS MB after a purchaser's script ({label})", f"<= {TARGET_MB:g}", after, after <= TARGET_MB),
        row(f"peak RSS MB ({label})", "report", peak),
        row("memory: turns of the script answered before measuring", "report", f"{answered} of {len(SCRIPT) + 2}"),
    ]


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(run())
