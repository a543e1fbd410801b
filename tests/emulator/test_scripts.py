"""Scripted runs and the one clock, in process: runs read QUEUED, PENDING, then their
outcome on the emulator's clock (or after so many reads), lists filter on what a read
answers, logs are released over the run's time, and a failure trips its monitors."""

from __future__ import annotations

import base64
import re
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


RUNS = "ix_InstanceExecutionResult_"
FILTERED = [
    ("executionResults", "status: ERROR", RUNS + "status"),
    ("executionResults", "status: PENDING", RUNS + "readyAt"),
    ("executionResults", "status: QUEUED", RUNS + "readyAt"),
    ("executionResults", 'instance: "$instance", status: SUCCESS', RUNS + "(instance|status)"),
    ("executionResults", 'flow: "$flow"', RUNS + "flow"),
    ("executionResults", 'startedAt_Gte: "2027-01-15T08:00:00+00:00"', RUNS + "startedAt"),
    ("executionResults", "error_Isnull: false", RUNS + "error"),
    ("executionResults", "error_Isnull: true", RUNS + "error"),
    # A run's or an instance's lines come in time order from one index.
    ("logs", 'executionResult: "$run"', "ix_Log_executionResult(_timestamp)?"),
    ("logs", 'instance: "$instance"', "ix_Log_instance(_timestamp)?"),
    ("logs", 'timestamp_Gte: "2027-01-15T08:00:00+00:00"', "ix_Log_timestamp"),
]


@pytest.mark.parametrize(("root", "given", "index"), FILTERED)
def test_the_filters_long_jobs_use_read_an_index(
    emu: Emulator, root: str, given: str, index: str
) -> None:
    config = live_config(emu)
    emu.script_flow(config["id"], status="ERROR", error="x", duration_s=5, times=3)
    (run_id, *_) = emu.run_flow(config["id"], times=5)
    emu.clock_advance(1)
    values = {"$instance": config["instance"], "$flow": config["flow"], "$run": run_id}
    for name, value in values.items():
        given = given.replace(name, value)
    emu.store.analyze()
    statements: list[str] = []
    emu.store.trace(statements.append)
    try:
        emu.execute(f"{{ {root}({given}, first: 5) {{ nodes {{ id }} }} }}")
    finally:
        emu.store.trace(None)
    # The listing's count and page (not the check for runs that have ended since).
    listed = [s for s in statements if s.startswith("SELECT") and "settleAt" not in s]
    assert listed, statements
    with emu.store.read() as tx:
        for sql in listed:
            plan = " | ".join(str(row[-1]) for row in tx.db.execute(f"EXPLAIN QUERY PLAN {sql}"))
            assert re.search(f"SEARCH r USING (COVERING )?INDEX {index} ", plan), (sql, plan)


FAILED = base64.b64encode(b"AlertTrigger:execution_failed").decode()


def watch_failures(emu: Emulator, instance: str, endpoint: Receiver) -> None:
    """An "Execution Failed" monitor on ``instance`` that calls ``endpoint``."""
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
                "instance": instance,
                "triggers": [FAILED],
                "webhooks": [webhook],
            }
        },
    )


def test_a_scripted_failure_calls_the_monitors_webhooks_when_it_ends(emu: Emulator) -> None:
    config = live_config(emu)
    endpoint = Receiver()
    try:
        watch_failures(emu, config["instance"], endpoint)
        emu.script_flow(config["id"], status="ERROR", error="kaput", duration_s=30)
        (run_id,) = emu.run_flow(config["id"])
        assert not endpoint.arrived.wait(0.3)  # still running: nothing has failed yet
        emu.clock_advance(30)
        assert endpoint.arrived.wait(10)
        assert [body for _, body in endpoint.posted] == [f"Execution Failed {run_id}"]
    finally:
        endpoint.close()


def test_on_the_wall_clock_a_failure_alerts_when_it_ends_with_no_request_after() -> None:
    endpoint = Receiver()
    try:
        with Emulator(seed="demo") as emu:
            config = live_config(emu)
            watch_failures(emu, config["instance"], endpoint)
            emu.script_flow(config["id"], status="ERROR", error="kaput", duration_s=0.5)
            (run_id,) = emu.run_flow(config["id"])
            # Nothing asks about the run again: the emulator notices its end itself.
            assert endpoint.arrived.wait(10)
            assert [body for _, body in endpoint.posted] == [f"Execution Failed {run_id}"]
    finally:
        endpoint.close()


def test_a_scripted_result_is_what_a_synchronous_webhook_call_answers(emu: Emulator) -> None:
    config = live_config(emu)
    emu.script_flow(config["id"], result={"synced": 3}, times=1)
    answered = emu.invoke_webhook(config["id"], b"{}", "application/json", synchronous=True)
    assert answered is not None
    assert answered[1] == {"synced": 3}


def test_a_name_runs_the_deployed_instances_and_scripts_every_version(emu: Emulator) -> None:
    config = live_config(emu)
    with emu.store.read() as tx:
        name = tx.get("IntegrationFlow", config["flow"])["name"]
    emu.script_flow(name, status="ERROR", error="everywhere")
    runs = emu.run_flow(name, times=2)
    assert len(runs) == 2
    for run_id in runs:
        with emu.store.read() as tx:
            assert tx.get("InstanceExecutionResult", run_id)["flowConfig"] == config["id"]
        assert read(emu, run_id)["error"] == "everywhere"
    with pytest.raises(ControlError) as refused:
        emu.run_flow(name, times=0)
    assert refused.value.field == "times"


def test_emulators_in_one_process_each_keep_their_own_clock() -> None:
    made = 'mutation { createCustomer(input: {name: "C"}) { customer { createdAt } } }'
    with (
        Emulator(seed="empty", clock=ManualClock(start=START)) as first,
        Emulator(seed="empty", clock=ManualClock(start=START + 86_400)) as second,
    ):
        first_at = first.execute(made)["createCustomer"]["customer"]["createdAt"]
        second_at = second.execute(made)["createCustomer"]["customer"]["createdAt"]
    assert first_at.startswith("2027-01-15T08:00:00")
    assert second_at.startswith("2027-01-16T08:00:00")


def test_a_run_s_lines_in_time_order_come_from_one_index_with_no_sort(emu: Emulator) -> None:
    # What a log follower asks, page after page: no line is decoded to ask whether it is
    # out yet, and none is sorted in a temporary tree.
    config = live_config(emu)
    lines = [(n * 0.5, "INFO", f"line {n}") for n in range(40)]
    emu.script_flow(config["id"], logs=lines, duration_s=30, times=1)
    (run_id,) = emu.run_flow(config["id"])
    emu.clock_advance(10)
    emu.store.analyze()
    statements: list[str] = []
    emu.store.trace(statements.append)
    try:
        page = emu.execute(
            f'{{ logs(executionResult: "{run_id}", first: 100, '
            "sortBy: [{field: TIMESTAMP, direction: ASC}]) { nodes { message } } }"
        )["logs"]["nodes"]
    finally:
        emu.store.trace(None)
    shown = [n["message"] for n in page if n["message"].startswith("line ")]
    assert shown == [f"line {n}" for n in range(21)]  # out by 10 s of the clock, in order
    (listed,) = [s for s in statements if "LIMIT" in s and "'Log'" in s]
    with emu.store.read() as tx:
        plan = " | ".join(str(row[-1]) for row in tx.db.execute(f"EXPLAIN QUERY PLAN {listed}"))
    assert "ix_Log_executionResult_timestamp" in plan, plan
    assert "ix_Log_visibleAt" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
