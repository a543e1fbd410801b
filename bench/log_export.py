"""Log export: an execution's lines through ``logs()`` and ``prismatic-connector logs``, in
lines per second, against the bare GraphQL pages of the same lines fetched with requests.

One in-process emulator on a manual clock; one scripted run that logs N lines, all
released before the export starts. The baseline posts listLogs' document page by page
(100 lines, following ``endCursor``) on one kept-alive session and parses each answer:
what any export must do at least. ``logs()`` adds the connection's token and limiter
(off here), the de-duplication by ID and the lines' parsing; the command adds a process
and writing each line as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import requests
from common import Row, options, report

from prismatic_connector import Connection, logs
from prismatic_connector.emulator import Emulator, ManualClock
from prismatic_connector.emulator.model import instances

ROOT = Path(__file__).resolve().parent.parent
QUERY = (ROOT / "queries/listLogs.graphql").read_text(encoding="utf-8")


def scripted_run(emu: Emulator, lines: int) -> str:
    with emu.store.read() as tx:
        config = next(
            c
            for c in tx.select("InstanceFlowConfig")
            if (i := tx.get("Instance", c["instance"])) and instances.live(i) and not i["isSystem"]
        )
    script = [(n / 1000, "INFO", f"line {n} of the export") for n in range(lines)]
    emu.script_flow(config["id"], duration_s=lines / 1000 + 1, logs=script)
    (run_id,) = emu.run_flow(config["id"])
    emu.clock_advance(lines / 1000 + 2)
    return run_id


def bare(emu: Emulator, run_id: str) -> int:
    session = requests.Session()
    headers = {"Authorization": f"Bearer {emu.access_token()}"}
    cursor, count = None, 0
    while True:
        variables = {"execution": run_id, "first": 100, "after": cursor}
        answer = session.post(
            f"{emu.url}/api", json={"query": QUERY, "variables": variables}, headers=headers
        )
        page = answer.json()["data"]["logs"]
        count += len(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return count
        cursor = page["pageInfo"]["endCursor"]


def through_logs(emu: Emulator, run_id: str) -> int:
    with Connection(emu.refresh_token, base_url=emu.url, rate_limit=None) as conn:
        return sum(1 for _ in logs(execution=run_id, connection=conn))


def through_command(emu: Emulator, run_id: str) -> int:
    env = {**os.environ, "PRISMATIC_URL": emu.url, "PRISM_REFRESH_TOKEN": emu.refresh_token}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "prismatic_connector",
            "logs",
            "--execution",
            run_id,
            "--format",
            "jsonl",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return sum(1 for line in done.stdout.splitlines() if json.loads(line))


def rate(export: object, emu: Emulator, run_id: str, expected: int) -> float:
    started = time.perf_counter()
    count = export(emu, run_id)  # type: ignore[operator]
    took = time.perf_counter() - started
    assert count >= expected, (export, count, expected)
    return count / took


def main() -> None:
    args = options(__doc__)
    lines = 300 if args.quick else 3_000
    with Emulator(seed="demo", clock=ManualClock(start=1_800_000_000.0)) as emu:
        run_id = scripted_run(emu, lines)
        bare(emu, run_id)  # warm up: the document caches, the connection
        rounds = 1 if args.quick else 3
        base = max(rate(bare, emu, run_id, lines) for _ in range(rounds))
        job = max(rate(through_logs, emu, run_id, lines) for _ in range(rounds))
        command = max(rate(through_command, emu, run_id, lines) for _ in range(rounds))
    rows = [
        Row(f"bare GraphQL pages, {lines} lines", base, "lines/s", 1.0),
        Row("logs(), the same lines", job, "lines/s", job / base, ">= 5,000 lines/s"),
        Row("prismatic-connector logs --format jsonl", command, "lines/s", command / base),
    ]
    report("8. log export", rows, args)


if __name__ == "__main__":
    main()
