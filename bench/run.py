"""Every benchmark, one table: each row against baselines measured in the same run.

    python bench/run.py            # print the table
    python bench/run.py --record   # and write it to bench/RESULTS.md, with the machine and date
    python bench/run.py --quick    # each once on a tiny size (the test suite's smoke test)

Nothing else in the tree is written: the benchmarks run with bytecode off and keep
their files in temporary folders.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    "warm_call.py",
    "cold_invoke.py",
    "bulk_listing.py",
    "throttled_burst.py",
    "emulator_scale.py",
    "emulator_journal.py",
    "emulator_snapshots.py",
    "log_export.py",
    "rollout.py",
    "replay.py",
]
START, END = "<!-- bench/run.py: start -->", "<!-- bench/run.py: end -->"


def run(name: str, quick: bool) -> dict[str, object]:
    command = [sys.executable, "-B", str(HERE / name), "--json"] + (["--quick"] if quick else [])
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def table(results: list[dict[str, object]]) -> list[str]:
    lines = ["| benchmark | row | value | ratio | target |", "|---|---|---:|---:|---|"]
    for result in results:
        for row in result["rows"]:  # type: ignore[attr-defined]
            ratio = f"{row['ratio']:.2f}x" if row["ratio"] is not None else ""
            value = f"{row['value']:.2f} {row['unit']}".strip()
            lines.append(
                f"| {result['benchmark']} | {row['name']} | {value} | {ratio} | {row['target']} |"
            )
    return lines


def machine() -> str:
    return (
        f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{datetime.date.today().isoformat()}"
    )


def record(lines: list[str]) -> None:
    path = HERE / "RESULTS.md"
    text = path.read_text(encoding="utf-8")
    section = "\n".join(
        [START, "## bench/run.py: the latest run", "", f"Machine: {machine()}.", "", *lines, END]
    )
    if START in text:
        before, rest = text.split(START, 1)
        text = before + section + rest.split(END, 1)[1]
    else:
        head, sep, tail = text.partition("\n## ")
        text = f"{head}\n{section}\n{sep.lstrip()}{tail}" if sep else f"{text}\n{section}\n"
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--record", action="store_true", help="write the table to RESULTS.md")
    parser.add_argument("--quick", action="store_true", help="each once, on a tiny size")
    args = parser.parse_args()
    results = []
    for name in BENCHMARKS:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results.append(run(name, args.quick))
    lines = table(results)
    print("\n".join(lines))
    if args.record:
        record(lines)
        print(f"recorded in {HERE / 'RESULTS.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
