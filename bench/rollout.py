"""What a rollout costs over the bare minimum of requests, and how near the rate limit it runs.

Each measurement takes a fresh in-process emulator seeded with the instances and a
new published version. The baseline is the bare minimum done with bare ``requests``
on the same eight threads: the list pages, then a move, a deploy and a read-back per
instance, with no plan, no state file, no gate and no report. With the limiter at 20
requests a second, the floor is the requests made over the limit.
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

from prismatic_connector import Connection, rollout
from prismatic_connector.emulator import Emulator

DRAFTS = "{ integrations(first: 10) { nodes { id name versionSequenceId } } }"
PUBLISH = (
    'mutation ($i: ID!) { publishIntegration(input: {id: $i, comment: "v2"})'
    " { integration { id } errors { messages } } }"
)
LIST = """query ($s: UUID, $after: String) {
  instances(isSystem: false, integration_VersionSequenceId: $s, first: 100, after: $after) {
    nodes { id enabled } pageInfo { hasNextPage endCursor } } }"""
MOVE = (
    "mutation ($id: ID!, $v: ID!)"
    " { updateInstance(input: {id: $id, integration: $v}) { errors { messages } } }"
)
DEPLOY = "mutation ($id: ID!) { deployInstance(input: {id: $id}) { errors { messages } } }"
READ = "query ($id: ID!) { instance(id: $id) { id deployedVersion needsDeploy inFailedState } }"


def fleet(instances: int) -> tuple[Emulator, dict[str, Any], str]:
    emu = Emulator(scale={"instances": instances, "customers": max(1, instances // 10)}).start()
    (draft,) = [
        d for d in emu.execute(DRAFTS)["integrations"]["nodes"] if d["name"] == "Acme Inventory"
    ]
    version = emu.execute(PUBLISH, {"i": draft["id"]})["publishIntegration"]["integration"]["id"]
    return emu, draft, version


def bare(instances: int) -> tuple[float, int]:
    """The bare minimum with bare requests; its seconds and requests."""
    emu, draft, version = fleet(instances)
    try:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {emu.access_token()}"}

        def post(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            body = {"query": query, "variables": variables}
            answer = session.post(f"{emu.url}/api", json=body, headers=headers, timeout=60)
            answer.raise_for_status()
            data: dict[str, Any] = answer.json()["data"]
            return data

        def one(node: dict[str, Any]) -> None:
            post(MOVE, {"id": node["id"], "v": version})
            if node["enabled"]:
                post(DEPLOY, {"id": node["id"]})
                post(READ, {"id": node["id"]})

        started = time.perf_counter()
        nodes, cursor = [], None
        while True:
            page = post(LIST, {"s": draft["versionSequenceId"], "after": cursor})["instances"]
            nodes.extend(page["nodes"])
            if not page["pageInfo"]["hasNextPage"]:
                break
            cursor = page["pageInfo"]["endCursor"]
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(one, nodes))
        took = time.perf_counter() - started
        return took, len([e for e in emu.journal() if e["path"] == "/api"])
    finally:
        emu.stop()


def connector(instances: int, rate_limit: float | None, state: bool) -> tuple[float, int]:
    """The rollout through the connector; its seconds and the requests it made."""
    emu, draft, _ = fleet(instances)
    try:
        with (
            tempfile.TemporaryDirectory() as folder,
            Connection(emu.refresh_token, base_url=emu.url, rate_limit=rate_limit) as conn,
        ):
            emu.journal_clear()
            path = Path(folder) / "rollout.state" if state else None
            started = time.perf_counter()
            done = rollout(draft["id"], connection=conn, state=path, out=io.StringIO())
            took = time.perf_counter() - started
            assert done.exit_status == 0, done.summary()
        return took, len(emu.journal())
    finally:
        emu.stop()


def main() -> None:
    args = options(__doc__)
    size, limited = (40, 20) if args.quick else (2000, 100)
    base, _ = bare(size)
    plain, _ = connector(size, None, state=False)
    kept, _ = connector(size, None, state=True)
    paced, paced_requests = connector(limited, 20, state=False)
    floor = paced_requests / 20
    rows = [
        Row(f"bare requests, {size} instances, limiter off", base, "s", 1.0),
        Row(f"rollout, {size} instances, limiter off", plain, "s", plain / base, "report"),
        Row(f"rollout with --state, {size} instances", kept, "s", kept / base, "report"),
        Row(f"rollout, {limited} instances at 20 req/s", paced, "s", paced / floor, "<= 1.1x"),
    ]
    report("9. rollout", rows, args)


if __name__ == "__main__":
    main()
