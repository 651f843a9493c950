"""Run every benchmark module's `run()`, print one table, and save the rows as JSON under var/bench/."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import pkgutil
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help="benchmark modules to run (default: all)")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    for name in args.only or discover():
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}", file=sys.stderr, flush=True)
        rows.extend(module.run())
    print_table(rows)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (OUT_DIR / f"bench-{stamp}.json").write_text(json.dumps(rows, indent=2, default=str))
    return 0 if all(row.get("pass") in (True, "yes", None) for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
