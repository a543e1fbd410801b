"""What every benchmark shares: its options and how it reports.

Each benchmark prints a table for a person, or with ``--json`` one JSON object
(``{"benchmark", "rows"}``) for ``bench/run.py``; ``--quick`` runs it once on a
tiny size, which the test suite's smoke test does so that they keep working.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass


@dataclass
class Row:
    name: str
    value: float
    unit: str
    ratio: float | None = None  # against the benchmark's baseline, measured in the same run
    target: str = ""


def options(doc: str | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object, for bench/run.py")
    parser.add_argument("--quick", action="store_true", help="once, on a tiny size (a smoke test)")
    return parser.parse_args()


def report(title: str, rows: list[Row], args: argparse.Namespace) -> None:
    if args.json:
        print(json.dumps({"benchmark": title, "rows": [asdict(r) for r in rows]}))
        return
    print(title)
    for row in rows:
        ratio = f"{row.ratio:6.2f}x" if row.ratio is not None else " " * 7
        print(f"  {row.name:44} {row.value:10.2f} {row.unit:8} {ratio}  {row.target}")
