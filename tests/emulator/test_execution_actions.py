"""listExecutions, replayExecution and listLogs against scripted runs: each filter, the
replay's link to its original, and paginate over both lists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from prismatic_connector import Connection, InputError, invoke, paginate
from prismatic_connector.emulator import Emulator, ManualClock
from prismatic_connector.emulator.model import instances

START = 1_800_000_000.0


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(seed="demo", clock=ManualClock(start=START)) as running:
        yield running


@pytest.fixture(scope="module")
def conn(emu: Emulator) -> Iterator[Connection]:
    with Connection(emu.refresh_token, base_url=emu.url, rate_limit=None) as connection:
        yield connection


def live_configs(emu: Emulator) -> list[dict[str, Any]]:
    with emu.store.read() as tx:
        return [
            config
            for config in tx.select("InstanceFlowConfig")
            if (instance := tx.get("Instance", config["instance"]))
            and instances.live(instance)
            and not instance["isSystem"]
        ]


@pytest.fixture(scope="module")
def runs(emu: Emulator) -> dict[str, Any]:
    """Failed and successful runs on two instances, an hour apart, and a replay."""
    configs = live_configs(emu)
    first = configs[0]
    second = next((c for c in configs if c["flow"] != first["flow"]), first)
    emu.script_flow(first["id"], status="ERROR", error="boom", duration_s=5, times=2)
    failed = emu.run_flow(first["id"], times=2)
    emu.clock_advance(3600)
    ok = emu.run_flow(second["id"], times=3)
    emu.clock_advance(60)
    return {"first": first, "second": second, "failed": failed, "ok": ok}


def listed(conn: Connection, **inputs: Any) -> list[str]:
    answer = invoke("listExecutions", inputs, connection=conn)
    return [n["id"] for n in answer["data"]["data"]["executionResults"]["nodes"]]


def test_each_filter_narrows_the_executions(
    emu: Emulator, conn: Connection, runs: dict[str, Any]
) -> None:
    failed, ok, first = set(runs["failed"]), set(runs["ok"]), runs["first"]
    assert set(listed(conn, status="ERROR")) >= failed
    assert not set(listed(conn, status="error")) & ok
    with emu.store.read() as tx:
        instance = tx.get("Instance", first["instance"])
        other = next(i for i in tx.select("Instance") if i["id"] != instance["id"])
        stranger = next(c for c in tx.select("Customer") if c["id"] != instance["customer"])
    assert set(listed(conn, instance=first["instance"])) >= failed | ok
    assert not set(listed(conn, instance=other["id"])) & (failed | ok)
    assert not set(listed(conn, customer=stranger["id"])) & (failed | ok)
    assert set(listed(conn, flow=first["flow"])) >= failed
    assert first["flow"] == runs["second"]["flow"] or not set(listed(conn, flow=first["flow"])) & ok
    assert set(listed(conn, hasError=True)) >= failed
    assert not set(listed(conn, hasError=False)) & failed
    assert set(listed(conn, ids=" ".join(sorted(failed)))) == failed
    assert set(listed(conn, ids=f'["{min(ok)}"]')) == {min(ok)}
    assert not set(listed(conn, isTestExecution=True)) & (failed | ok)
    assert set(listed(conn, customer=instance["customer"])) >= failed
    assert set(listed(conn, integration=instance["integration"])) >= failed
    every = invoke("listExecutions", {"ids": " ".join(failed | ok)}, connection=conn)
    started = {
        n["id"]: datetime.fromisoformat(n["startedAt"])
        for n in every["data"]["data"]["executionResults"]["nodes"]
    }
    cut = (max(started[r] for r in failed) + timedelta(seconds=60)).isoformat()
    assert set(listed(conn, startedAfter=cut)) >= ok
    assert not set(listed(conn, startedAfter=cut)) & failed
    assert set(listed(conn, startedBefore=cut)) >= failed
    assert not set(listed(conn, startedBefore=cut)) & ok


def test_a_replay_is_linked_to_its_original_and_listed_as_one(
    conn: Connection, runs: dict[str, Any]
) -> None:
    original = runs["failed"][0]
    made = invoke("replayExecution", {"executionId": original}, connection=conn)
    replay = made["data"]["data"]["replayExecution"]["instanceExecutionResult"]
    assert replay["replayForExecution"] == {"id": original}
    assert replay["id"] in listed(conn, isReplay=True)
    assert replay["id"] not in listed(conn, isReplay=False)
    assert original in listed(conn, isReplay=False)


def test_times_without_a_zone_and_unknown_statuses_are_refused_before_sending(
    emu: Emulator, conn: Connection
) -> None:
    emu.journal_clear()
    for inputs, name in [
        ({"startedAfter": "2027-01-15T08:00:00"}, "startedAfter"),
        ({"status": "FAILED"}, "status"),
        ({"ids": "[1, 2]"}, "ids"),
    ]:
        with pytest.raises(InputError) as caught:
            invoke("listExecutions", inputs, connection=conn)
        assert caught.value.input == name
    with pytest.raises(InputError, match="has no zone"):
        invoke("listLogs", {"since": "2027-01-15T08:00:00"}, connection=conn)
    assert emu.journal() == []


def test_paginate_walks_executions_and_logs_in_order(
    conn: Connection, runs: dict[str, Any]
) -> None:
    walked = [n["id"] for n in paginate("listExecutions", connection=conn, page_size=2)]
    assert len(walked) == len(set(walked))
    assert set(walked) >= set(runs["failed"]) | set(runs["ok"])
    assert walked == listed(conn, first=100)
    instance = runs["first"]["instance"]
    lines = list(paginate("listLogs", {"instance": instance}, connection=conn, page_size=3))
    assert len(lines) > 3
    assert len({n["id"] for n in lines}) == len(lines)
    times = [datetime.fromisoformat(n["timestamp"]) for n in lines]
    assert times == sorted(times)
    answer = invoke("listLogs", {"instance": instance, "first": 100}, connection=conn)
    assert [n["id"] for n in lines] == [n["id"] for n in answer["data"]["data"]["logs"]["nodes"]]
