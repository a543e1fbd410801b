"""Replay of failed runs against the emulator: each original replayed once, a second run
replays none, under dropped answers none twice, again only when asked, and bad input
refused before anything is sent."""

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
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from prismatic_connector import Connection, InputError, ReplayReport, replay
from prismatic_connector.emulator import Emulator, ManualClock
from prismatic_connector.emulator.model import instances

START = 1_800_000_000.0
INTEGRATIONS = "{ integrations(first: 10) { nodes { id name } } }"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(seed="demo", clock=ManualClock(start=START)) as running:
        yield running


def live_configs(emu: Emulator) -> list[dict[str, Any]]:
    with emu.store.read() as tx:
        return [
            config
            for config in tx.select("InstanceFlowConfig")
            if (instance := tx.get("Instance", config["instance"]))
            and instances.live(instance)
            and not instance["isSystem"]
        ]


def acme(emu: Emulator) -> str:
    (found,) = [
        i["id"]
        for i in emu.execute(INTEGRATIONS)["integrations"]["nodes"]
        if i["name"] == "Acme Inventory"
    ]
    return str(found)


def fail_runs(emu: Emulator, config: str, times: int) -> list[str]:
    """``times`` failed runs of the flow config, ended; their execution IDs."""
    emu.script_flow(config, status="ERROR", error="boom", times=times)
    failed = emu.run_flow(config, times=times)
    emu.clock_advance(60)
    return failed


def run(emu: Emulator, **options: Any) -> tuple[ReplayReport, list[dict[str, Any]]]:
    out = io.StringIO()
    with Connection(emu.refresh_token, base_url=emu.url, rate_limit=None) as conn:
        report = replay(connection=conn, out=out, **options)
    emu.clock_advance(60)  # the replays end
    return report, [json.loads(line) for line in out.getvalue().splitlines()]


def applied(emu: Emulator) -> Counter[str]:
    entries = emu.journal("replayExecution", applied=True)
    return Counter(e["variables"]["executionId"] for e in entries)


def test_each_failed_original_is_replayed_once_and_a_second_run_replays_none(
    emu: Emulator,
) -> None:
    config = live_configs(emu)[0]["id"]
    failed = fail_runs(emu, config, 5)
    emu.run_flow(config, times=2)  # successful runs are not replayed
    emu.clock_advance(60)
    integration = acme(emu)
    plan, lines = run(emu, integration=integration, dry_run=True)
    assert emu.journal(kind="mutation") == []  # the dry run sends no mutation
    assert sorted(p["execution"] for p in plan.plan) == sorted(failed)
    assert lines[-1]["summary"]["actions"] == {"replay": 5}

    report, lines = run(emu, integration=integration, since="52w")
    assert report.exit_status == 0, lines[-1]
    assert lines[-1]["summary"]["counts"] == {"replayed": 5}
    assert applied(emu) == Counter(failed)
    replays = {line["execution"]: line["replay"] for line in lines[:-1]}
    assert set(replays) == set(failed)
    assert all(replays.values())
    assert {line["flow"] for line in lines[:-1]} != {""}

    again, lines = run(emu, integration=integration)
    assert again.exit_status == 0
    assert lines[-1]["summary"]["counts"] == {"skipped": 5}
    assert applied(emu) == Counter(failed)  # the replays themselves are not originals


def test_under_dropped_answers_no_original_is_replayed_twice(emu: Emulator) -> None:
    config = live_configs(emu)[0]["id"]
    failed = fail_runs(emu, config, 6)
    emu.fault_add(operation="replayExecution", drop="after", times=3)
    report, lines = run(emu, instances=[live_configs(emu)[0]["instance"]], concurrency=3)
    assert report.exit_status == 0, lines
    assert lines[-1]["summary"]["counts"] == {"replayed": 6}
    assert applied(emu) == Counter(failed)
    assert len([e for e in emu.journal(kind="mutation") if e.get("fault")]) == 3
    assert all(line["replay"] for line in lines[:-1])


def test_failed_replays_are_replayed_again_only_when_asked(emu: Emulator) -> None:
    config = live_configs(emu)[0]["id"]
    failed = fail_runs(emu, config, 2)
    emu.script_flow(config, status="ERROR", error="still broken", times=2)
    first, _ = run(emu, integration=acme(emu))
    assert first.exit_status == 0  # replayed; the replays failing is the runs' business
    assert applied(emu) == Counter(failed)

    skipped, lines = run(emu, integration=acme(emu))
    assert skipped.exit_status == 0
    assert lines[-1]["summary"]["counts"] == {"skipped": 2}
    assert all("--again-if-replay-failed" in line["error"] for line in lines[:-1])

    again, lines = run(emu, integration=acme(emu), again_if_replay_failed=True)
    assert again.exit_status == 0
    assert lines[-1]["summary"]["counts"] == {"replayed": 2}
    assert applied(emu) == Counter(dict.fromkeys(failed, 2))
    after, lines = run(emu, integration=acme(emu), again_if_replay_failed=True)
    assert after.exit_status == 0
    assert lines[-1]["summary"]["counts"] == {"skipped": 2}  # a replay succeeded


def test_a_replay_still_running_settles_its_original(emu: Emulator) -> None:
    config = live_configs(emu)[0]["id"]
    failed = fail_runs(emu, config, 2)
    emu.script_flow(config, duration_s=3600, times=2)  # the replays run for an hour
    out = io.StringIO()
    with Connection(emu.refresh_token, base_url=emu.url, rate_limit=None) as conn:
        replay(integration=acme(emu), connection=conn, out=out)
        again = replay(integration=acme(emu), again_if_replay_failed=True, connection=conn)
    assert again.summary()["counts"] == {"skipped": 2}
    assert all("still running" in (r.error or "") for r in again.results)
    assert applied(emu) == Counter(failed)


def test_a_refused_replay_fails_alone_and_a_rerun_replays_it(emu: Emulator) -> None:
    failed = fail_runs(emu, live_configs(emu)[0]["id"], 3)
    refusal = [{"field": "__all__", "messages": ["replay refused"]}]
    emu.fault_add(operation="replayExecution", payload_errors=refusal, times=1)
    report, lines = run(emu, integration=acme(emu))
    assert report.exit_status == 1
    assert lines[-1]["summary"]["counts"] == {"failed": 1, "replayed": 2}
    (refused,) = [line for line in lines[:-1] if line["result"] == "failed"]
    assert "replay refused" in refused["error"]
    assert refused["replay"] is None
    rerun, lines = run(emu, integration=acme(emu))
    assert rerun.exit_status == 0
    assert lines[-1]["summary"]["counts"] == {"replayed": 1, "skipped": 2}
    assert applied(emu) == Counter(failed)


def test_flow_and_window_filters(emu: Emulator) -> None:
    configs = live_configs(emu)
    first = configs[0]
    other = next(c for c in configs if c["flow"] != first["flow"])
    old = fail_runs(emu, first["id"], 2)
    emu.clock_advance(7200)
    recent = fail_runs(emu, other["id"], 2)
    since = datetime.fromtimestamp(START + 3600, tz=timezone.utc).isoformat()
    plan, _ = run(emu, since=since, dry_run=True)
    assert sorted(p["execution"] for p in plan.plan) == sorted(recent)
    until = datetime.fromtimestamp(START + 3600, tz=timezone.utc)
    plan, _ = run(emu, until=until, dry_run=True)
    assert sorted(p["execution"] for p in plan.plan) == sorted(old)
    name = plan.plan[0]["flow"]
    plan, _ = run(emu, flow=name, dry_run=True)
    assert sorted(p["execution"] for p in plan.plan) == sorted(old)


def test_bad_input_is_refused_before_anything_is_sent(emu: Emulator, tmp_path: Path) -> None:
    fail_runs(emu, live_configs(emu)[0]["id"], 1)
    emu.journal_clear()
    with pytest.raises(InputError, match="no zone"):
        run(emu, since="2026-01-05T09:00:00")
    with pytest.raises(InputError, match="no integration"):
        run(emu, integration="SW50ZWdyYXRpb246bm9uZQ==")
    with pytest.raises(InputError, match="concurrency"):
        run(emu, concurrency=0)
    assert emu.journal(kind="mutation") == []


def _cli(emu: Emulator, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRISM_REFRESH_TOKEN": emu.refresh_token, "PRISMATIC_URL": emu.url}
    return subprocess.run(
        [sys.executable, "-m", "prismatic_connector", "replay", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_line_state_file_and_resume(emu: Emulator, tmp_path: Path) -> None:
    failed = fail_runs(emu, live_configs(emu)[0]["id"], 3)
    bad = _cli(emu, "--since", "2026-01-05T09:00:00")
    assert bad.returncode == 2
    assert bad.stderr.startswith("prismatic-connector: error:")
    assert bad.stderr.count("\n") == 1
    assert emu.journal(kind="mutation") == []

    state = tmp_path / "replay.state"
    done = _cli(emu, "--integration", acme(emu), "--state", str(state))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[-1]["summary"]["counts"] == {"replayed": 3}
    assert {line["execution"] for line in lines[:-1]} == set(failed)
    assert "Traceback" not in done.stderr

    exists = _cli(emu, "--integration", acme(emu), "--state", str(state))
    assert exists.returncode == 2
    assert "--resume" in exists.stderr
    other = _cli(emu, "--flow", "x", "--state", str(state), "--resume")
    assert other.returncode == 2
    assert "other filters" in other.stderr
    resumed = _cli(emu, "--integration", acme(emu), "--state", str(state), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    lines = [json.loads(line) for line in resumed.stdout.splitlines()]
    assert lines[-1]["summary"]["counts"] == {"replayed": 3}  # carried from the state file
    assert applied(emu) == Counter(failed)


def test_a_resume_settles_an_unfinished_replay_from_the_api(emu: Emulator, tmp_path: Path) -> None:
    config = live_configs(emu)[0]["id"]
    failed = fail_runs(emu, config, 2)
    emu.script_flow(config, status="ERROR", error="still broken", times=4)
    state = tmp_path / "replay.state"
    options: dict[str, Any] = {"integration": acme(emu), "again_if_replay_failed": True}
    run(emu, state=state, **options)
    # As after a kill: the replays were sent, their outcomes never reached the file.
    kept = state.read_text().splitlines()[:-2]
    assert all('"replaying"' in line for line in kept[-2:])
    state.write_text("\n".join(kept) + "\n")
    report, lines = run(emu, state=state, resume=True, **options)
    assert report.exit_status == 0
    assert lines[-1]["summary"]["counts"] == {"replayed": 2}
    assert all(line["replay"] for line in lines[:-1])
    assert applied(emu) == Counter(failed)  # their replays failed, yet none sent again


def test_the_step_job_replays_and_a_retry_replays_nothing_twice(emu: Emulator) -> None:
    failed = fail_runs(emu, live_configs(emu)[0]["id"], 2)
    env = {**os.environ, "PRISM_REFRESH_TOKEN": emu.refresh_token, "PRISMATIC_URL": emu.url}
    request = json.dumps({"job": "replay", "options": {"integration": acme(emu)}})

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
    assert code == 0, answer
    assert answer["data"]["summary"]["counts"] == {"replayed": 2}
    emu.clock_advance(60)
    code, answer = step()
    assert code == 0
    assert answer["data"]["summary"]["counts"] == {"skipped": 2}
    assert applied(emu) == Counter(failed)


@pytest.mark.scale
def test_a_replay_killed_mid_way_resumes_and_replays_each_original_once(
    emu: Emulator, tmp_path: Path
) -> None:
    failed = fail_runs(emu, live_configs(emu)[0]["id"], 150)
    state = tmp_path / "replay.state"
    env = {**os.environ, "PRISM_REFRESH_TOKEN": emu.refresh_token, "PRISMATIC_URL": emu.url}
    args = ["--integration", acme(emu), "--state", str(state), "--concurrency", "2"]
    first = subprocess.Popen(
        [sys.executable, "-m", "prismatic_connector", "replay", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sum(applied(emu).values()) < 10:
        time.sleep(0.005)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    assert 10 <= sum(applied(emu).values()) < len(failed)  # killed mid-way

    resumed = _cli(emu, *args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout.splitlines()[-1])["summary"]
    assert summary["counts"] == {"replayed": len(failed)}
    assert applied(emu) == Counter(failed)  # every original replayed, none twice
