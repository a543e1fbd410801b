"""What replaying failed executions costs over the bare minimum of requests.

Each measurement takes a fresh in-process emulator with the failed runs scripted on one
deployed flow. The baseline is the bare minimum done with bare ``requests`` on the same
eight threads: the pages of failed originals, then one replay each, with no check of
their replays, no state file and no report.
"""

from __future__ import annotations

import io
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from common import Row, options, report

from prismatic_connector import Connection, replay
from prismatic_connector.emulator import Emulator, ManualClock
from prismatic_connector.emulator.model import instances as instance_model

INTEGRATIONS = "{ integrations(first: 10) { nodes { id name } } }"
LIST = """query ($after: String) {
  executionResults(status: ERROR, replayForExecution_Isnull: true, first: 100, after: $after) {
    nodes { id } pageInfo { hasNextPage endCursor } } }"""
REPLAY = """mutation ($id: ID!) { replayExecution(input: {id: $id}) {
  instanceExecutionResult { id } errors { messages } } }"""


def failed_runs(count: int) -> tuple[Emulator, str]:
    """An emulator with ``count`` failed runs of one flow; the integration's ID."""
    emu = Emulator(seed="demo", clock=ManualClock(start=1_800_000_000.0)).start()
    with emu.store.read() as tx:
        config = next(
            c
            for c in tx.select("InstanceFlowConfig")
            if (i := tx.get("Instance", c["instance"]))
            and instance_model.live(i)
            and not i["isSystem"]
        )
    emu.script_flow(config["id"], status="ERROR", error="boom", times=count)
    left = count
    while left:
        emu.run_flow(config["id"], times=min(left, 1000))
        left -= min(left, 1000)
    emu.clock_advance(60)
    integration = next(
        i["id"]
        for i in emu.execute(INTEGRATIONS)["integrations"]["nodes"]
        if i["name"] == "Acme Inventory"
    )
    emu.journal_clear()
    return emu, integration


def bare(count: int) -> tuple[float, int]:
    """The bare minimum with bare requests; its seconds and requests."""
    emu, _ = failed_runs(count)
    try:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {emu.access_token()}"}

        def post(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            body = {"query": query, "variables": variables}
            answer = session.post(f"{emu.url}/api", json=body, headers=headers, timeout=60)
            answer.raise_for_status()
            data: dict[str, Any] = answer.json()["data"]
            return data

        started = time.perf_counter()
        ids, cursor = [], None
        while True:
            page = post(LIST, {"after": cursor})["executionResults"]
            ids.extend(n["id"] for n in page["nodes"])
            if not page["pageInfo"]["hasNextPage"]:
                break
            cursor = page["pageInfo"]["endCursor"]
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: post(REPLAY, {"id": i}), ids))
        took = time.perf_counter() - started
        return took, len([e for e in emu.journal() if e["path"] == "/api"])
    finally:
        emu.stop()


def connector(count: int, state: bool) -> tuple[float, int]:
    """The replay through the connector; its seconds and the requests it made."""
    emu, integration = failed_runs(count)
    try:
        with (
            tempfile.TemporaryDirectory() as folder,
            Connection(emu.refresh_token, base_url=emu.url, rate_limit=None) as conn,
        ):
            path = Path(folder) / "replay.state" if state else None
            started = time.perf_counter()
            done = replay(integration=integration, connection=conn, state=path, out=io.StringIO())
            took = time.perf_counter() - started
            assert done.exit_status == 0, done.summary()
            assert done.summary()["counts"] == {"replayed": count}, done.summary()
        return took, len([e for e in emu.journal() if e["path"] == "/api"])
    finally:
        emu.stop()


def main() -> None:
    args = options(__doc__)
    size = 40 if args.quick else 1000
    base, base_requests = bare(size)
    plain, plain_requests = connector(size, state=False)
    kept, _ = connector(size, state=True)
    rows = [
        Row(f"bare requests, {size} failed runs", base, "s", 1.0),
        Row(f"replay, {size} failed runs", plain, "s", plain / base, "report"),
        Row(f"replay with --state, {size} failed runs", kept, "s", kept / base, "report"),
        Row(
            f"requests of the replay over the bare {base_requests}",
            plain_requests,
            "req",
            plain_requests / base_requests,
            "report",
        ),
    ]
    report("10. replay", rows, args)


if __name__ == "__main__":
    main()
