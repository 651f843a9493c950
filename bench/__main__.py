"""Run every benchmark module's `run()`, print one table, and save the rows as JSON under var/bench/.

Each module runs in a process of its own, so none inherits another's state: the NLU benchmark pins its
process to one core, and memory figures must not include what an earlier benchmark left behind.
`python -m bench turns_bench checkout_bench` runs some; sizes come from each module's BENCH_* variables.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import bench

OUT_DIR = Path("var/bench")


def discover() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.endswith("_bench"))


def print_table(rows: list[dict[str, Any]]) -> None:
    headers = ("figure", "target", "measured", "pass")
    cells = [[str(row.get(h, "")) for h in headers] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("-" * len(line))
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)))


def _run_module(name: str) -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, "-m", "bench", "--child", name],  # noqa: S603 - our own modules
                          stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        return [{"figure": f"{name} did not finish (exit {done.returncode}; see its output above)",
                 "target": "runs", "measured": "failed", "pass": False}]
    rows: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help="benchmark modules to run (default: all)")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # run one module here, rows as JSON on stdout
    args = parser.parse_args()
    if args.child:
        print(json.dumps(importlib.import_module(f"bench.{args.child}").run(), default=str))
        return 0
    rows: list[dict[str, Any]] = []
    for name in args.only or discover():
        print(f"== {name}", file=sys.stderr, flush=True)
        rows.extend(_run_module(name))
    print_table(rows)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (OUT_DIR / f"bench-{stamp}.json").write_text(json.dumps(rows, indent=2, default=str))
    return 0 if all(row.get("pass") in (True, "yes", None) for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
