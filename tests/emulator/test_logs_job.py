"""Following logs against scripted runs on the emulator's manual clock: every line once,
in order, a line later than the overlap window reported as a gap; an execution's follow
ends with its run; the level filter; and the command as a user runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from prismatic_connector import ConfigurationError, Connection, logs
from prismatic_connector.emulator import Emulator, ManualClock
from prismatic_connector.emulator.model import instances
from prismatic_connector.jobs.logs import Gap

from ..signals import interruptible

START = 1_800_000_000.0
RUN = [
    (1, "INFO", "one"),
    (2, "DEBUG", "two"),
    {"offset_s": 5, "severity": "WARN", "message": "late within", "late_by_s": 4},
    {"offset_s": 10, "severity": "ERROR", "message": "late beyond", "late_by_s": 35},
    (20, "INFO", "twenty"),
    (30, "ERROR", "thirty"),
    (40, "INFO", "forty"),
]


class EmulatorTime:
    """A job's clock that moves the emulator's clock instead of sleeping."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.t = 0.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds
        self.emu.clock_advance(seconds)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(seed="demo", clock=ManualClock(start=START)) as running:
        yield running


@pytest.fixture
def conn(emu: Emulator) -> Iterator[Connection]:
    with Connection(emu.refresh_token, base_url=emu.url, rate_limit=None) as connection:
        yield connection


def live_config(emu: Emulator) -> dict[str, Any]:
    with emu.store.read() as tx:
        for config in tx.select("InstanceFlowConfig"):
            instance = tx.get("Instance", config["instance"])
            if instance and instances.live(instance) and not instance["isSystem"]:
                return config
    raise AssertionError("the demo has a deployed instance")


def scripted_run(emu: Emulator, duration_s: float = 60) -> tuple[str, dict[str, Any]]:
    config = live_config(emu)
    emu.script_flow(config["id"], duration_s=duration_s, logs=RUN)
    (run_id,) = emu.run_flow(config["id"])
    return run_id, config


def follow(emu: Emulator, conn: Connection, **options: Any) -> tuple[list[Any], list[Gap]]:
    gaps: list[Gap] = []
    lines = list(logs(connection=conn, clock=EmulatorTime(emu), on_gap=gaps.append, **options))
    return lines, gaps


def scripted(lines: list[Any]) -> list[str]:
    known = {entry[2] if isinstance(entry, tuple) else entry["message"] for entry in RUN}
    return [line.message for line in lines if line.message in known]


def test_a_followed_run_prints_every_line_once_and_reports_the_late_one_as_a_gap(
    emu: Emulator, conn: Connection
) -> None:
    run_id, _ = scripted_run(emu)
    lines, gaps = follow(emu, conn, execution=run_id, follow=True)
    assert len({line.id for line in lines}) == len(lines)
    assert scripted(lines) == ["one", "two", "late within", "twenty", "thirty", "forty"]
    on_time = [line for line in lines if line.message != "late within"]
    assert [line.at for line in on_time] == sorted(line.at for line in on_time)
    assert [gap.count for gap in gaps] == [1]
    assert "arrived more than 10 s late" in gaps[0].describe(10)
    # Everything the run logged was there once it ended, the missed line included.
    everything = list(logs(execution=run_id, connection=conn))
    assert "late beyond" in [line.message for line in everything]
    assert len(everything) == len(lines) + 1


def test_a_window_wider_than_the_lateness_misses_nothing(emu: Emulator, conn: Connection) -> None:
    run_id, _ = scripted_run(emu)
    lines, gaps = follow(emu, conn, execution=run_id, follow=True, overlap_s=60)
    assert gaps == []
    assert sorted(scripted(lines)) == sorted(
        ["one", "two", "late within", "late beyond", "twenty", "thirty", "forty"]
    )
    assert len({line.id for line in lines}) == len(lines)


def test_the_follow_of_an_execution_ends_when_its_run_ends(emu: Emulator, conn: Connection) -> None:
    run_id, _ = scripted_run(emu, duration_s=45)
    time = EmulatorTime(emu)
    lines = list(logs(execution=run_id, follow=True, connection=conn, clock=time))
    assert 45 <= sum(time.slept) <= 45 + 5  # it stopped within one idle wait of the end
    assert "forty" in [line.message for line in lines]
    # Waits are short while lines arrive, and back off to at most 5 s while none do.
    assert min(time.slept) == 0.5
    assert max(time.slept) <= 5.0


def test_an_instance_is_followed_until_told_to_stop(emu: Emulator, conn: Connection) -> None:
    _, config = scripted_run(emu)
    time = EmulatorTime(emu)
    stop_at = 100.0
    lines = list(
        logs(
            instance=config["instance"],
            follow=True,
            connection=conn,
            clock=time,
            should_stop=lambda: time.t >= stop_at,
        )
    )
    assert stop_at <= time.t <= stop_at + 5
    assert time.slept[-3:] == [5.0, 5.0, 5.0]  # idle: backed off to the slowest
    assert scripted(lines)[-1] == "forty"


def test_level_means_at_or_above(emu: Emulator, conn: Connection) -> None:
    run_id, _ = scripted_run(emu)
    emu.clock_advance(120)
    warned = list(logs(execution=run_id, level="warn", connection=conn))
    assert [line.message for line in warned] == ["late within", "late beyond", "thirty"]
    assert {line.severity for line in warned} <= {"WARN", "ERROR", "FATAL"}
    with pytest.raises(ConfigurationError, match="expected one of TRACE"):
        logs(execution=run_id, level="loud", connection=conn)


def test_since_starts_there_and_a_time_without_a_zone_is_refused(
    emu: Emulator, conn: Connection
) -> None:
    run_id, _ = scripted_run(emu)
    emu.clock_advance(120)
    every = list(logs(execution=run_id, connection=conn))
    middle = next(line for line in every if line.message == "twenty")
    later = list(logs(execution=run_id, since=middle.timestamp, connection=conn))
    assert [line.message for line in later][:3] == ["twenty", "thirty", "forty"]
    emu.journal_clear()
    with pytest.raises(ConfigurationError, match="has no zone"):
        logs(execution=run_id, since="2027-01-15T08:00:00", connection=conn)
    with pytest.raises(ConfigurationError, match="an instance or an execution"):
        logs(connection=conn)
    assert emu.journal(operation="listLogs") == []


def cli(emu: Emulator, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRISMATIC_URL": emu.url, "PRISM_REFRESH_TOKEN": emu.refresh_token}
    return subprocess.run(
        [sys.executable, "-m", "prismatic_connector", "logs", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_command_prints_lines_as_text_or_json_lines(emu: Emulator) -> None:
    run_id, _ = scripted_run(emu)
    emu.clock_advance(120)
    done = cli(emu, "--execution", run_id, "--format", "jsonl", "--level", "ERROR")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["message"] for r in rows] == ["late beyond", "thirty"]
    assert all(r["execution"] == run_id for r in rows)
    followed = cli(emu, "--execution", run_id, "--follow")  # the run has ended: one read
    assert followed.returncode == 0, followed.stderr
    assert "ERROR thirty" in followed.stdout.replace("  ", " ")


def test_the_command_refuses_a_time_without_a_zone_before_sending(emu: Emulator) -> None:
    emu.journal_clear()
    done = cli(emu, "--instance", "SW5zdGFuY2U6MQ==", "--since", "2027-01-15T08:00:00")
    assert done.returncode == 2
    assert done.stderr.startswith("prismatic-connector: error: --since:")
    assert len(done.stderr.splitlines()) == 1
    assert emu.journal() == []
    both = cli(emu, "--instance", "a", "--execution", "b")
    assert both.returncode == 2
    assert "not allowed with" in both.stderr


def test_ctrl_c_ends_a_follow_with_130_and_whole_lines(emu: Emulator) -> None:
    _, config = scripted_run(emu)
    emu.clock_advance(120)
    env = {**os.environ, "PRISMATIC_URL": emu.url, "PRISM_REFRESH_TOKEN": emu.refresh_token}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prismatic_connector",
            "logs",
            "--follow",
            "--instance",
            config["instance"],
            "--format",
            "jsonl",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.strip().endswith("prismatic-connector: error: interrupted")
    for line in [first, *rest.splitlines()]:
        json.loads(line)  # each line whole


def test_the_step_protocol_reads_an_ended_run_s_logs_and_refuses_an_endless_follow(
    emu: Emulator,
) -> None:
    run_id, config = scripted_run(emu)
    emu.clock_advance(120)
    env = {**os.environ, "PRISMATIC_URL": emu.url, "PRISM_REFRESH_TOKEN": emu.refresh_token}

    def step(options: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        done = subprocess.run(
            [sys.executable, "-m", "prismatic_connector", "step"],
            input=json.dumps({"job": "logs", "options": options}),
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return done.returncode, json.loads(done.stdout) if done.stdout else {}

    code, answer = step({"execution": run_id, "follow": True, "level": "ERROR"})
    assert code == 0, answer
    assert [line["message"] for line in answer["data"]["lines"]] == ["late beyond", "thirty"]
    code, _ = step({"instance": config["instance"], "follow": True})
    assert code == 2  # a step must end: an instance's logs are not followed
