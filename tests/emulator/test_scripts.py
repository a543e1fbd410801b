"""Scripted runs and the one clock, in process: runs read QUEUED, PENDING, then their
outcome on the emulator's clock (or after so many reads), lists filter on what a read
answers, logs are released over the run's time, and a failure trips its monitors."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from prismatic_connector.emulator import Emulator, ManualClock
from prismatic_connector.emulator.model import instances
from prismatic_connector.errors import ControlError

from .receiver import Receiver

START = 1_800_000_000.0
RUN = "query($id: ID!) { executionResult(id: $id) { status error endedAt startedAt } }"
BY_STATUS = "query($s: ExecutionStatus) { executionResults(status: $s) { nodes { id } } }"
LOGS = "query($id: ID!) { executionResult(id: $id) { logs { nodes { message timestamp } } } }"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(seed="demo", clock=ManualClock(start=START)) as running:
        yield running


def live_config(emu: Emulator) -> dict[str, Any]:
    with emu.store.read() as tx:
        for config in tx.select("InstanceFlowConfig"):
            instance = tx.get("Instance", config["instance"])
            if instance and instances.live(instance) and not instance["isSystem"]:
                return config
    raise AssertionError("the demo has a deployed instance")


def read(emu: Emulator, run_id: str) -> dict[str, Any]:
    return dict(emu.execute(RUN, {"id": run_id})["executionResult"])


def listed(emu: Emulator, status: str) -> set[str]:
    return {n["id"] for n in emu.execute(BY_STATUS, {"s": status})["executionResults"]["nodes"]}


def test_records_runs_and_tokens_follow_the_manual_clock(emu: Emulator) -> None:
    config = live_config(emu)
    (run_id,) = emu.run_flow(config["id"])
    assert read(emu, run_id)["startedAt"].startswith("2027-01-15T08:00:00")
    made = emu.execute('mutation { createCustomer(input: {name: "Later"}) { customer { id } } }')
    customer_id = made["createCustomer"]["customer"]["id"]
    emu.clock_advance(3600)
    emu.execute(
        'mutation($id: ID!) { updateCustomer(input: {id: $id, description: "x"}) '
        "{ customer { id } } }",
        {"id": customer_id},
    )
    got = emu.execute(
        "query($id: ID!) { customer(id: $id) { createdAt updatedAt } }", {"id": customer_id}
    )["customer"]
    assert got["createdAt"].startswith("2027-01-15T08:00:00")
    assert got["updatedAt"].startswith("2027-01-15T09:00:00")
    token = emu.access_token()
    emu.clock_advance(10 * 86_400)
    assert emu.user_of(token) is None


def test_a_scripted_failure_reads_queued_pending_then_error(emu: Emulator) -> None:
    config = live_config(emu)
    emu.script_flow(config["id"], status="ERROR", error="boom", duration_s=30)
    (run_id,) = emu.run_flow(config["id"])
    assert read(emu, run_id)["status"] == "QUEUED"
    assert run_id in listed(emu, "QUEUED")
    assert run_id not in listed(emu, "ERROR")
    emu.clock_advance(10)
    assert read(emu, run_id) | {"startedAt": None} == {
        "status": "PENDING",
        "error": "boom",
        "endedAt": None,
        "startedAt": None,
    }
    assert run_id in listed(emu, "PENDING")
    assert run_id not in listed(emu, "QUEUED")
    emu.clock_advance(20)
    got = read(emu, run_id)
    assert (got["status"], got["error"]) == ("ERROR", "boom")
    taken = datetime.fromisoformat(got["endedAt"]) - datetime.fromisoformat(got["startedAt"])
    assert round(taken.total_seconds()) == 30
    assert run_id in listed(emu, "ERROR")
    assert run_id not in listed(emu, "PENDING")
    with emu.store.read() as tx:
        assert tx.get("Instance", config["instance"])["inFailedState"] is True


def test_a_polled_run_ends_after_so_many_reads(emu: Emulator) -> None:
    config = live_config(emu)
    emu.script_flow(config["id"], polls=3)
    (run_id,) = emu.run_flow(config["id"])
    seen = [read(emu, run_id)["status"] for _ in range(5)]
    assert seen == ["QUEUED", "PENDING", "PENDING", "SUCCESS", "SUCCESS"]


def test_scripts_queue_first_in_first_out_and_times_counts_runs(emu: Emulator) -> None:
    config = live_config(emu)
    emu.script_flow(config["id"], status="ERROR", error="first", times=2)
    emu.script_flow(config["id"], status="ERROR", error="second")
    runs = emu.run_flow(config["id"], times=4)
    assert [read(emu, r)["error"] for r in runs] == ["first", "first", "second", "second"]
    assert len(emu.scripts()) == 1
    assert emu.clear_scripts() == 1
    (after,) = emu.run_flow(config["id"])
    assert read(emu, after)["status"] == "SUCCESS"


def test_logs_are_released_as_the_clock_reaches_them_late_lines_included(emu: Emulator) -> None:
    config = live_config(emu)
    emu.script_flow(
        config["id"],
        duration_s=60,
        logs=[
            (10, "INFO", "ten"),
            {"offset_s": 5, "severity": "WARN", "message": "five", "late_by_s": 20},
        ],
    )
    (run_id,) = emu.run_flow(config["id"])

    def messages() -> list[str]:
        nodes = emu.execute(LOGS, {"id": run_id})["executionResult"]["logs"]["nodes"]
        return [n["message"] for n in nodes]

    assert "ten" not in messages()
    assert "five" not in messages()
    emu.clock_advance(11)
    assert "ten" in messages()
    assert "five" not in messages()
    emu.clock_advance(15)
    assert "five" in messages()
    assert not any(m.startswith("Ending") for m in messages())
    emu.clock_advance(40)
    assert messages()[-1].startswith("Ending")


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"status": "RUNNING"}, "status"),
        ({"duration_s": -1}, "duration_s"),
        ({"polls": 0}, "polls"),
        ({"times": 0}, "times"),
        ({"logs": [(1, "LOUD", "x")]}, "logs[0]"),
        ({"status": "SUCCESS", "error": "x"}, "error"),
    ],
)
def test_a_bad_script_is_refused_naming_the_argument(
    emu: Emulator, given: dict[str, Any], field: str
) -> None:
    config = live_config(emu)
    with pytest.raises(ControlError) as refused:
        emu.script_flow(config["id"], **given)
    assert refused.value.field == field
    with pytest.raises(ControlError) as unknown:
        emu.script_flow("no such flow")
    assert unknown.value.field == "target"


def test_status_and_log_filters_use_indexes(emu: Emulator) -> None:
    with emu.store.read() as tx:
        for sql in (
            "SELECT id FROM records r WHERE type = 'InstanceExecutionResult' AND "
            "json_extract(r.data, '$.status') = 'ERROR'",
            "SELECT id FROM records r WHERE type = 'InstanceExecutionResult' AND "
            "json_extract(r.data, '$.readyAt') > 5",
            "SELECT id FROM records r WHERE type = 'InstanceExecutionResult' AND "
            "json_extract(r.data, '$.startedAt') >= '2026'",
            "SELECT id FROM records r WHERE type = 'Log' AND "
            "json_extract(r.data, '$.timestamp') >= '2026'",
        ):
            plan = " ".join(str(row[-1]) for row in tx.db.execute(f"EXPLAIN QUERY PLAN {sql}"))
            assert "USING INDEX ix_" in plan, (sql, plan)


FAILED = base64.b64encode(b"AlertTrigger:execution_failed").decode()


def test_a_scripted_failure_calls_the_monitors_webhooks_when_it_ends(emu: Emulator) -> None:
    config = live_config(emu)
    endpoint = Receiver()
    try:
        webhook = emu.execute(
            'mutation ($url: String!) { createAlertWebhook(input: {name: "w", url: $url,'
            ' payloadTemplate: "$TRIGGER $EXECUTION_ID"}) { alertWebhook { id } } }',
            {"url": endpoint.url},
        )["createAlertWebhook"]["alertWebhook"]["id"]
        emu.execute(
            "mutation ($input: CreateAlertMonitorInput!) { createAlertMonitor(input: $input)"
            " { alertMonitor { id } } }",
            {
                "input": {
                    "name": "Failures",
                    "instance": config["instance"],
                    "triggers": [FAILED],
                    "webhooks": [webhook],
                }
            },
        )
        emu.script_flow(config["id"], status="ERROR", error="kaput", duration_s=30)
        (run_id,) = emu.run_flow(config["id"])
        assert not endpoint.arrived.wait(0.3)  # still running: nothing has failed yet
        emu.clock_advance(30)
        assert endpoint.arrived.wait(10)
        assert [body for _, body in endpoint.posted] == [f"Execution Failed {run_id}"]
    finally:
        endpoint.close()
