"""The rollout against the emulator: every instance moved and deployed once, under dropped
answers, halts, a kill and a resume, a missing config variable, and the rate limit."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from prismatic_connector import Connection, InputError, RolloutReport, rollout
from prismatic_connector.emulator import Emulator

INTEGRATIONS = "{ integrations(first: 10) { nodes { id name } } }"
PUBLISH = (
    "mutation ($i: ID!) { publishIntegration(input: {id: $i, comment: 'v2'})"
    " { integration { id versionNumber } errors { messages } } }"
).replace("'", '"')
VARIABLES = """query ($after: String) {
  instances(isSystem: false, first: 100, after: $after) {
    nodes { id enabled deployedVersion needsDeploy integration { id versionNumber }
            customer { id name }
            configVariables { nodes { requiredConfigVariable { key } value
                                      inputs { nodes { name value } } } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
BREAK_LOGIN = """mutation ($id: ID!, $values: JSONString) {
  updateInstanceConfigVariables(input: {id: $id, configVariables: [
    {key: "Acme Inventory User/Pass", values: $values}]}) { errors { messages } }
}"""


def instances(emu: Emulator) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        page = emu.execute(VARIABLES, {"after": cursor})["instances"]
        out.update((n["id"], n) for n in page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return out
        cursor = page["pageInfo"]["endCursor"]


def publish_v2(emu: Emulator) -> tuple[str, str]:
    """The Acme Inventory draft's ID, and the ID of its new version 2."""
    (draft,) = [
        i
        for i in emu.execute(INTEGRATIONS)["integrations"]["nodes"]
        if i["name"] == "Acme Inventory"
    ]
    version = emu.execute(PUBLISH, {"i": draft["id"]})["publishIntegration"]["integration"]
    assert version["versionNumber"] == 2
    return draft["id"], version["id"]


def run(emu: Emulator, integration: str, **options: Any) -> tuple[RolloutReport, list[Any]]:
    out = io.StringIO()
    with Connection(emu.refresh_token, base_url=emu.url, rate_limit=None) as conn:
        report = rollout(integration, connection=conn, out=out, **options)
    return report, [json.loads(line) for line in out.getvalue().splitlines()]


def applied_per_instance(emu: Emulator, operation: str) -> Counter[str]:
    return Counter(e["variables"]["instanceId"] for e in emu.journal(operation, applied=True))


@pytest.fixture
def fleet() -> Iterator[tuple[Emulator, str, str]]:
    with Emulator(scale={"instances": 40, "customers": 6}) as emu:
        draft, version = publish_v2(emu)
        emu.journal_clear()
        yield emu, draft, version


@pytest.mark.scale
def test_every_instance_moved_and_deployed_exactly_once_under_dropped_answers() -> None:
    with Emulator(scale={"instances": 250, "customers": 40}) as emu:
        draft, version = publish_v2(emu)
        before = instances(emu)
        emu.journal_clear()
        plan, lines = run(emu, draft, dry_run=True, canary=3, batch=40)
        assert emu.journal(kind="mutation") == []  # the dry run sends no mutation
        assert len(plan.plan) == 250
        assert lines[-1]["summary"]["actions"] == {"move": 250}
        for operation in ("updateInstanceVersion", "deployInstance"):
            emu.fault_add(operation=operation, drop="after", times=15)
        report, lines = run(emu, draft, canary=3, batch=40)
        after = instances(emu)

    assert report.exit_status == 0, lines[-1]
    assert lines[-1]["summary"]["counts"] == {"upgraded": 250}
    enabled = {i for i, node in before.items() if node["enabled"]}
    assert applied_per_instance(emu, "updateInstanceVersion") == Counter(set(before))
    assert applied_per_instance(emu, "deployInstance") == Counter(enabled)
    dropped = [e for e in emu.journal(kind="mutation") if e.get("fault")]
    assert len(dropped) == 30  # the read-back path ran for each dropped answer
    for ident, node in after.items():
        assert node["integration"]["id"] == version
        assert node["configVariables"] == before[ident]["configVariables"]
        if ident in enabled:
            assert (node["deployedVersion"], node["needsDeploy"]) == (2, False)


def test_a_rerun_skips_what_is_done_and_the_plan_order_is_customer_then_id(
    fleet: tuple[Emulator, str, str],
) -> None:
    emu, draft, _ = fleet
    plan, _ = run(emu, draft, dry_run=True)
    first, lines = run(emu, draft, batch=7)
    order = [(p["customer"], p["instance"]) for p in plan.plan]
    assert order == sorted(order)
    assert {line["instance"] for line in lines[:-1]} == {i for _, i in order}
    again, lines = run(emu, draft)
    assert (first.exit_status, again.exit_status) == (0, 0)
    assert lines[-1]["summary"]["counts"] == {"skipped": 40}
    assert applied_per_instance(emu, "updateInstanceVersion").most_common(1)[0][1] == 1


def test_failing_one_customers_deploys_halts_within_one_batch(
    fleet: tuple[Emulator, str, str],
) -> None:
    emu, draft, _ = fleet
    plan, _ = run(emu, draft, dry_run=True, batch=5)
    victim = plan.plan[12]["customer"]
    theirs = [p for p in plan.plan if p["customer"] == victim]
    for p in theirs:
        refusal = [{"field": "__all__", "messages": ["deploy refused"]}]
        emu.fault_add(
            operation="deployInstance",
            variables={"instanceId": p["instance"]},
            payload_errors=refusal,
        )
    report, lines = run(emu, draft, batch=5)
    counts = lines[-1]["summary"]["counts"]
    assert report.halted
    assert report.exit_status == 1
    first_bad = min(p["batch"] for p in theirs if p["action"] == "deploy" or p["action"] == "move")
    started = {line["instance"] for line in lines[:-1] if line["result"] != "not-started"}
    assert started == {p["instance"] for p in plan.plan if p["batch"] <= first_bad}
    assert counts["not-started"] == sum(1 for p in plan.plan if p["batch"] > first_bad)
    failed = [line for line in lines[:-1] if line["result"] == "failed"]
    assert failed
    assert all(line["customer"] == victim for line in failed)
    assert all(line["error"] == "deploy refused" and line["previousVersion"] for line in failed)
    moved = set(applied_per_instance(emu, "updateInstanceVersion"))
    assert moved == started


def test_the_instance_lacking_a_config_variable_is_named_and_fails_alone(
    fleet: tuple[Emulator, str, str],
) -> None:
    emu, draft, _ = fleet
    broken = sorted(i for i, n in instances(emu).items() if n["enabled"])[3]
    blank = json.dumps([{"name": "username", "value": "sync"}, {"name": "password", "value": ""}])
    emu.execute(BREAK_LOGIN, {"id": broken, "values": blank})
    plan, _ = run(emu, draft, dry_run=True)
    named = {
        p["instance"]: p["missingConfigVariables"] for p in plan.plan if p["missingConfigVariables"]
    }
    assert named == {broken: ["Acme Inventory User/Pass"]}
    report, lines = run(emu, draft, max_failures="1")
    failed = [line for line in lines[:-1] if line["result"] != "upgraded"]
    assert [(f["instance"], f["result"]) for f in failed] == [(broken, "failed")]
    assert "Acme Inventory User/Pass" in failed[0]["error"]
    assert broken not in applied_per_instance(emu, "updateInstanceVersion")
    assert report.exit_status == 1
    assert not report.halted


def test_bad_input_is_refused_before_anything_is_sent(
    fleet: tuple[Emulator, str, str], tmp_path: Path
) -> None:
    emu, draft, _ = fleet
    with pytest.raises(InputError, match="no integration has the ID"):
        run(emu, "SW50ZWdyYXRpb246bm9uZQ==")
    with pytest.raises(InputError, match="has no version 9"):
        run(emu, draft, to_version=9)
    other = tmp_path / "other.state"
    other.write_text(json.dumps({"header": {"kind": "replay"}}) + "\n")
    with pytest.raises(InputError, match=r"not a state file|replay job"):
        run(emu, draft, state=other, resume=True)
    with pytest.raises(InputError, match="--resume"):
        run(emu, draft, state=other)
    assert not emu.journal(kind="mutation")


def _cli(emu: Emulator, *args: str, **kwargs: Any) -> subprocess.Popen[str]:
    env = {**os.environ, "PRISM_REFRESH_TOKEN": emu.refresh_token, "PRISMATIC_URL": emu.url}
    return subprocess.Popen(
        [sys.executable, "-m", "prismatic_connector", "rollout", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.mark.scale
def test_a_rollout_killed_after_some_records_resumes_and_moves_each_instance_once(
    fleet: tuple[Emulator, str, str], tmp_path: Path
) -> None:
    emu, draft, version = fleet
    state = tmp_path / "rollout.state"
    first = _cli(emu, draft, "--state", str(state), "--batch", "10", "--concurrency", "4")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if state.exists() and len(state.read_text().splitlines()) >= 1 + 40 + 60:
            break
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    assert first.returncode == -signal.SIGKILL
    moved_before = set(applied_per_instance(emu, "updateInstanceVersion"))
    assert 0 < len(moved_before) < 40

    other = _cli(emu, draft, "--to-version", "1", "--state", str(state), "--resume")
    _, err = other.communicate(timeout=60)
    assert other.returncode == 2
    assert err.count("\n") == 1
    assert "another version" in err

    again = _cli(emu, draft, "--state", str(state), "--resume")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert json.loads(out.splitlines()[-1])["summary"]["interrupted"] is False
    assert applied_per_instance(emu, "updateInstanceVersion") == Counter(set(instances(emu)))
    assert all(n["integration"]["id"] == version for n in instances(emu).values())
    deploys = applied_per_instance(emu, "deployInstance")
    assert max(deploys.values()) == 1


def test_the_step_protocol_runs_the_rollout_and_a_retry_finishes_it(
    fleet: tuple[Emulator, str, str],
) -> None:
    emu, draft, _ = fleet
    refusal = [{"field": "__all__", "messages": ["deploy refused"]}]
    emu.fault_add(operation="deployInstance", payload_errors=refusal, times=1)
    env = {**os.environ, "PRISM_REFRESH_TOKEN": emu.refresh_token, "PRISMATIC_URL": emu.url}
    request = json.dumps({"job": "rollout", "options": {"integration": draft, "batch": 10}})

    def step() -> tuple[int, dict[str, Any]]:
        done = subprocess.run(
            [sys.executable, "-m", "prismatic_connector", "step"],
            input=request,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return done.returncode, json.loads(done.stdout)

    code, answer = step()
    assert code == 1
    assert answer["data"]["summary"]["halted"] is True
    code, answer = step()
    counts = answer["data"]["summary"]["counts"]
    assert code == 0, answer
    assert counts.get("not-started") is None
    assert counts.get("skipped", 0) >= 1
    assert applied_per_instance(emu, "updateInstanceVersion").most_common(1)[0][1] == 1


@pytest.mark.scale
def test_within_the_rate_limit_the_wall_time_stays_near_the_limit() -> None:
    with Emulator(scale={"instances": 100, "customers": 10}) as emu:
        draft, _ = publish_v2(emu)
        with Connection(emu.refresh_token, base_url=emu.url, rate_limit=20) as conn:
            emu.journal_clear()
            started = time.monotonic()
            report = rollout(draft, connection=conn, out=io.StringIO())
            took = time.monotonic() - started
        calls = emu.journal()
    assert report.exit_status == 0
    # The token exchange, the plan's reads (the target, a page of 100 instances), then a
    # move per instance and a deploy and a read-back per enabled one (one in ten is disabled).
    assert len([e for e in calls if e["path"] == "/api"]) == 2 + 100 + 2 * 90
    requests = len(calls)
    # The limiter admits 20 per 1.1 s window (its guard against late arrivals), so its own
    # floor is 14 windows, 15.4 s, 1.09x here; on a loaded machine, a window's worth more.
    floor = (requests // 20) * 1.1
    assert floor <= took <= floor + 1.1, (took, requests)


def test_the_command_line_refuses_bad_input_in_one_line_and_prints_the_dry_run(
    fleet: tuple[Emulator, str, str], tmp_path: Path
) -> None:
    emu, draft, _ = fleet
    unknown = _cli(emu, "SW50ZWdyYXRpb246bm9uZQ==")
    out, err = unknown.communicate(timeout=60)
    assert unknown.returncode == 2
    assert out == ""
    assert (
        err
        == "prismatic-connector: error: action 'rollout', input 'integration': no integration has the ID 'SW50ZWdyYXRpb246bm9uZQ=='\n"
    )
    resume = _cli(emu, draft, "--resume")
    _, err = resume.communicate(timeout=60)
    assert resume.returncode == 2
    assert "--resume needs --state" in err
    dry = _cli(emu, draft, "--dry-run", "--canary", "2", "--batch", "19")
    out, err = dry.communicate(timeout=60)
    lines = [json.loads(line) for line in out.splitlines()]
    assert dry.returncode == 0
    assert "nothing sent" in err
    assert [line["batch"] for line in lines[:-1]] == [0] * 2 + [1] * 19 + [2] * 19
    assert emu.journal(kind="mutation") == []


@pytest.mark.scale
def test_ctrl_c_ends_with_130_leaving_the_state_file_whole_for_the_resume(
    fleet: tuple[Emulator, str, str], tmp_path: Path
) -> None:
    emu, draft, _ = fleet
    state = tmp_path / "rollout.state"
    first = _cli(emu, draft, "--state", str(state), "--batch", "10", "--concurrency", "2")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if state.exists() and len(state.read_text().splitlines()) >= 1 + 40 + 30:
            break
        time.sleep(0.01)
    first.send_signal(signal.SIGINT)
    out, err = first.communicate(timeout=60)
    assert first.returncode == 130, err
    summary = json.loads(out.splitlines()[-1])["summary"]
    assert summary["interrupted"] is True
    assert summary["counts"]["not-started"] > 0
    assert "Traceback" not in err
    for line in state.read_text().splitlines():
        json.loads(line)  # every record whole
    again = _cli(emu, draft, "--state", str(state), "--resume")
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert applied_per_instance(emu, "updateInstanceVersion") == Counter(set(instances(emu)))


CONFIGS = "query ($id: ID!) { instance(id: $id) { flowConfigs { nodes { id flow { name } } } } }"


def test_the_smoke_flow_gates_each_deploy_and_a_run_still_going_fails(
    fleet: tuple[Emulator, str, str],
) -> None:
    emu, draft, _ = fleet
    with pytest.raises(InputError, match="no flow named 'Nope'"):
        run(emu, draft, smoke_flow="Nope")
    assert emu.journal(kind="mutation") == []
    enabled = sorted(i for i, n in instances(emu).items() if n["enabled"])
    erring, slow = enabled[5], enabled[9]
    for ident, script in (
        (erring, {"status": "ERROR", "error": "Acme said no"}),
        (slow, {"status": "SUCCESS", "duration_s": 3600}),
    ):
        configs = emu.execute(CONFIGS, {"id": ident})["instance"]["flowConfigs"]["nodes"]
        (config,) = [c for c in configs if c["flow"]["name"] == "Sync Inventory"]
        emu.script_flow(config["id"], **script)
    report, lines = run(
        emu, draft, smoke_flow="Sync Inventory", smoke_timeout=1.5, max_failures="2"
    )
    failed = {line["instance"]: line["error"] for line in lines[:-1] if line["result"] == "failed"}
    assert set(failed) == {erring, slow}
    assert "ended ERROR: Acme said no" in failed[erring]
    assert "still PENDING after 1.5 s" in failed[slow]
    assert "left running" in failed[slow]
    assert lines[-1]["summary"]["counts"]["upgraded"] == 38
    assert (report.exit_status, report.halted) == (1, False)
    tests = emu.journal("testInstanceFlowConfig", applied=True)
    assert len(tests) == len(enabled)
