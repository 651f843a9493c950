"""Where a turn's time goes, in-process: SQL statements, transactions and CPU per step of the turns script.

The turns benchmark measures the whole webhook path from outside; this one runs the same script through the
gateway in one process (no HTTP, no channel), so its figures are the conversation side's own: statements and
commits per turn by step, and CPU milliseconds per turn. `--cprofile FILE` also writes a cProfile of the
measured passes (read it with `python -m pstats FILE`).

Run `python -m bench.turn_profile [--passes N] [--products P] [--cprofile FILE]` (SQLite unless
DATABASE_URL names PostgreSQL; Redis state when REDIS_URL is set).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import itertools
import os
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import event

from b2bot.bootstrap import build_runtime
from bench.harness import Backend, b2bot, backend, backends, child_env
from bench.turns_bench import SCRIPT, Step, _purchasers
from bots.fallback import presenter
from core.messaging import Adapted, ButtonPress, ChannelCapabilities, Inbound, Text
from core.services import conversations, onboarding

# Telegram's limits, so the answers are fitted as the webhook path fits them.
CAPABILITIES = ChannelCapabilities(max_buttons=100, max_button_title=64, supports_lists=False, max_list_rows=0,
                                   supports_images=True, supports_documents=True, max_text_length=4096)


def _button(last: Adapted | None, title: str) -> str | None:
    messages = last.messages if last is not None else ()
    buttons = [b for m in messages for b in getattr(m, "buttons", ())]
    if title.startswith("#"):
        return str(buttons[int(title[1:])].payload) if buttons else None
    return next((str(b.payload) for b in buttons if b.title.startswith(title)), None)


async def _run(bk: Backend, passes: int, cprofile: str | None) -> None:
    (purchaser,) = await _purchasers(bk, 1)
    runtime = await build_runtime(bk.settings())
    statements: Counter[str] = Counter()
    commits = 0
    trace: list[str] = []

    def on_statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        statements[sql.split(None, 1)[0].upper()] += 1
        if trace:
            trace.append(" ".join(sql.split())[:220])

    def on_commit(_conn: Any) -> None:
        nonlocal commits
        commits += 1

    event.listen(runtime.core.engine.sync_engine, "before_cursor_execute", on_statement)
    event.listen(runtime.core.engine.sync_engine, "commit", on_commit)
    present = presenter(CAPABILITIES)
    ids = itertools.count(1)
    last: Adapted | None = None

    async def turn(step: Step) -> bool:
        nonlocal last
        kind_, value = step
        if kind_ == "say":
            content: Any = Text(value)
        else:
            payload = _button(last, value)
            if payload is None:
                if kind_ == "press?":
                    return False
                raise LookupError(f"no button {value!r} in {last}")
            content = ButtonPress(payload)
        inbound = Inbound(channel="telegram", external_user_id=str(purchaser.user_id),
                          message_id=f"p{next(ids)}", received_at=dt.datetime.now(dt.UTC), locale_hint="en",
                          content=content)
        last = await runtime.gateway.handle(inbound, present)
        return True

    try:
        async with runtime.core.uow() as uow:  # what a Telegram deep link does before its first turn
            identity = await conversations.resolve_identity(uow.session, "telegram", str(purchaser.user_id),
                                                            now=runtime.core.clock.now(), locale_hint="en")
            await onboarding.redeem_invite_code(uow.session, identity.id, purchaser.token,
                                                now=runtime.core.clock.now())
            await uow.commit()
        await turn(("say", "/start"))
        for step in SCRIPT:  # warm-up: caches, NLU, compiled statements
            await turn(step)
        per_step: dict[int, list[tuple[float, int, int]]] = defaultdict(list)
        profiler = cProfile.Profile() if cprofile else None
        for _ in range(passes):
            for index, step in enumerate(SCRIPT):
                statements.clear()
                commits_before = commits
                if profiler:
                    profiler.enable()
                cpu = time.process_time()
                done = await turn(step)
                cpu = time.process_time() - cpu
                if profiler:
                    profiler.disable()
                if done:
                    per_step[index].append((cpu * 1000, sum(statements.values()), commits - commits_before))
        if os.environ.get("TURN_TRACE"):
            for step in SCRIPT:
                trace[:] = [f"-- {step}"]
                await turn(step)
                print("\n".join(trace))
        if profiler and cprofile:
            profiler.dump_stats(cprofile)
    finally:
        await runtime.close()
    print(f"{bk.name}: {passes} passes of the turns script, in-process (median per turn)")
    print(f"{'step':<48} {'cpu ms':>7} {'stmts':>6} {'commits':>8}")
    all_rows = []
    for index, step in enumerate(SCRIPT):
        rows = per_step.get(index)
        if not rows:
            continue
        all_rows += rows
        print(f"{str(step)[:48]:<48} {statistics.median(r[0] for r in rows):7.2f} "
              f"{statistics.median(r[1] for r in rows):6.0f} {statistics.median(r[2] for r in rows):8.0f}")
    print(f"{'all turns (mean)':<48} {statistics.fmean(r[0] for r in all_rows):7.2f} "
          f"{statistics.fmean(r[1] for r in all_rows):6.1f} {statistics.fmean(r[2] for r in all_rows):8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passes", type=int, default=20)
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--cprofile", default=None)
    args = parser.parse_args()
    for kind in backends():
        with tempfile.TemporaryDirectory(prefix="turn-profile-") as tmp, backend(kind, Path(tmp)) as bk:
            env = child_env(bk)
            b2bot(["migrate"], env, Path(tmp))
            b2bot(["seed-demo", "--products", str(args.products)], env, Path(tmp))
            asyncio.run(_run(bk, args.passes, args.cprofile))


if __name__ == "__main__":
    main()
