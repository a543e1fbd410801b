"""The jobs' shared machinery and the rollout's decisions, apart from any request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prismatic_connector.errors import InputError
from prismatic_connector.jobs.report import exit_status, summary
from prismatic_connector.jobs.rollout_plan import (
    Observed,
    Target,
    batches,
    failure_limit,
    gate_problem,
    missing_variables,
    next_move,
    order,
)
from prismatic_connector.jobs.state import Header, StateFile, read_state

TARGET = Target(
    "v2", 2, (("Login", "CONNECTION", None), ("Endpoint", "STRING", ""), ("Key", "STRING", None))
)


def item(ident: str = "i1", customer: str = "Acme", **changes: object) -> Observed:
    fields: dict[str, object] = {
        "id": ident,
        "name": ident,
        "customer": customer,
        "customer_id": f"c-{customer}",
        "enabled": True,
        "version_id": "v1",
        "version": 1,
        "deployed_version": 1,
        "needs_deploy": False,
        "in_failed_state": False,
        "active_keys": frozenset({"Login", "Key"}),
    }
    fields.update(changes)
    return Observed(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "move"),
        ({"version_id": "v2", "version": 2}, "deploy"),
        ({"version_id": "v2", "version": 2, "deployed_version": 2}, "done"),
        ({"version_id": "v2", "version": 2, "deployed_version": 2, "needs_deploy": True}, "deploy"),
        ({"version_id": "v2", "version": 2, "enabled": False}, "done"),
        ({"enabled": False}, "move"),
    ],
)
def test_next_move_follows_what_the_api_read_back(
    changes: dict[str, object], expected: str
) -> None:
    assert next_move(item(**changes), TARGET) == expected


def test_the_gate_wants_the_target_deployed_and_no_failed_state() -> None:
    done = item(version_id="v2", version=2, deployed_version=2)
    assert gate_problem(done, TARGET) is None
    assert "failed state" in str(
        gate_problem(item(version_id="v2", deployed_version=2, in_failed_state=True), TARGET)
    )
    assert "not 2" in str(gate_problem(item(version_id="v2"), TARGET))


def test_missing_variables_are_an_unset_connection_or_one_with_no_default() -> None:
    assert missing_variables(item(), TARGET) == []
    assert missing_variables(item(active_keys=frozenset()), TARGET) == ["Login", "Key"]


def test_plan_order_canaries_and_batches() -> None:
    plan = order([item("b", "Zed"), item("c", "Acme"), item("a", "Acme"), item("d", "Mid")])
    assert [i.id for i in plan] == ["a", "c", "d", "b"]
    assert [[i.id for i in g] for g in batches(plan, size=2, canary=1)] == [
        ["a"],
        ["c", "d"],
        ["b"],
    ]
    named = batches(plan, size=3, canary_customers=["c-Mid"])
    assert [[i.id for i in g] for g in named] == [["d"], ["a", "c", "b"]]


def test_failure_limit_takes_a_count_or_a_share() -> None:
    assert (failure_limit("3", 50), failure_limit("10%", 250), failure_limit(0, 9)) == (3, 25, 0)
    for bad in ("-1", "ten", "150%", "2.5"):
        with pytest.raises(InputError, match="max_failures"):
            failure_limit(bad, 10)


def test_exit_status_and_summary() -> None:
    assert exit_status(["upgraded", "skipped", "deployed"], halted=False) == 0
    assert exit_status(["upgraded", "not-started"], halted=False) == 1
    assert exit_status(["upgraded"], halted=True) == 1
    assert exit_status(["upgraded"], halted=False, interrupted=True) == 130
    assert summary(["failed", "upgraded", "upgraded"], halted=True)["counts"] == {
        "failed": 1,
        "upgraded": 2,
    }


def test_state_file_rebuilds_each_items_last_step_and_refuses_others(tmp_path: Path) -> None:
    path = tmp_path / "job.state"
    file = StateFile(path, Header("rollout", "int-1", {"id": "v2"}, [{"id": "a", "batch": 0}]))
    file.record("a", "moving")
    file.record("a", "moved")
    file.close()
    with path.open("a") as torn:
        torn.write('{"item": "a", "step": "deplo')  # killed mid-write
    state = read_state(path, "rollout")
    assert state.header.subject == "int-1"
    assert state.last["a"]["step"] == "moved"
    with pytest.raises(InputError, match="rollout job, not replay"):
        read_state(path, "replay")
    lines = path.read_text().splitlines()
    header = json.loads(lines[0])
    header["header"]["plan"].append({"id": "b", "batch": 0})
    path.write_text(json.dumps(header) + "\n")
    with pytest.raises(InputError, match="altered"):
        read_state(path, "rollout")
    (tmp_path / "empty").write_text("")
    with pytest.raises(InputError, match="not a state file"):
        read_state(tmp_path / "empty", "rollout")
