"""testFlow can wait for its execution: polling getExecution until the run ends."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from prismatic_connector import Component, Connection, InputError, StepContext, TransportError
from prismatic_connector.emulator import Emulator

from .clock import FakeClock
from .loopback import REFRESH_TOKEN, Recorded, RecordingServer, Reply

CLI = [sys.executable, "-m", "prismatic_connector"]


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(seed="demo", execution_s=1.0) as running:
        yield running


def a_flow(emu: Emulator) -> str:
    found = emu.execute("{ integrations(first: 1) { nodes { flows { nodes { id } } } } }")
    return str(found["integrations"]["nodes"][0]["flows"]["nodes"][0]["id"])


def test_without_wait_the_run_is_still_pending(component: Component, emu: Emulator) -> None:
    with Connection(emu.refresh_token, base_url=emu.url) as conn:
        result = component.invoke("testFlow", {"flowId": a_flow(emu)}, connection=conn)
    execution = result["data"]["data"]["testIntegrationFlow"]["testIntegrationFlowResult"][
        "execution"
    ]
    assert execution["status"] == "PENDING"
    assert execution["endedAt"] is None


def test_wait_returns_the_ended_execution_with_its_step_results(
    component: Component, emu: Emulator
) -> None:
    started = time.monotonic()
    with Connection(emu.refresh_token, base_url=emu.url) as conn:
        result = component.invoke("testFlow", {"flowId": a_flow(emu)}, connection=conn, wait=True)
    execution = result["data"]["data"]["executionResult"]
    assert execution["status"] == "SUCCESS"
    assert execution["endedAt"]
    assert execution["stepResults"]["nodes"]
    assert time.monotonic() - started >= 1.0


def test_wait_gives_up_at_the_deadline_naming_the_execution(
    component: Component, emu: Emulator
) -> None:
    with (
        Connection(emu.refresh_token, base_url=emu.url) as conn,
        pytest.raises(TransportError, match=r"execution .+ was still PENDING at the deadline"),
    ):
        component.invoke(
            "testFlow", {"flowId": a_flow(emu)}, connection=conn, wait=True, timeout=0.5
        )


def test_only_actions_that_start_a_run_can_wait(component: Component, emu: Emulator) -> None:
    with (
        Connection(emu.refresh_token, base_url=emu.url) as conn,
        pytest.raises(InputError, match="cannot wait"),
    ):
        component.invoke("getCurrentUser", {}, connection=conn, wait=True)


def test_the_step_and_the_cli_wait_too(component: Component, emu: Emulator) -> None:
    context = StepContext(connection={"apiKey": emu.refresh_token, "baseUrl": emu.url})
    stepped = component.step("testFlow").perform(context, {"flowId": a_flow(emu)}, wait=True)
    assert stepped["data"]["data"]["executionResult"]["status"] == "SUCCESS"
    env = {**os.environ, "PRISM_REFRESH_TOKEN": emu.refresh_token, "PRISMATIC_URL": emu.url}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "prismatic_connector",
            "invoke",
            "testFlow",
            "-i",
            f"flowId={a_flow(emu)}",
            "--wait",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["data"]["data"]["executionResult"]["status"] == "SUCCESS"


class ScriptedRun:
    """A loopback API whose flow run takes ``seconds`` of an injected clock."""

    def __init__(self, server: RecordingServer, clock: FakeClock, seconds: float) -> None:
        self.clock = clock
        self.ends_at = clock.now() + seconds
        self.seen_at: float | None = None
        self.polls = 0
        server.responder = self.answer

    def answer(self, call: Recorded) -> Reply:
        if "testIntegrationFlow" in call.body["query"]:
            run = {"id": "run-1", "status": "PENDING", "startedAt": None, "endedAt": None}
            result = {"testIntegrationFlowResult": {"execution": run}, "errors": []}
            return Reply(body={"data": {"testIntegrationFlow": result}})
        self.polls += 1
        ended = self.clock.now() >= self.ends_at
        if ended and self.seen_at is None:
            self.seen_at = self.clock.now()
        status = "SUCCESS" if ended else "PENDING"
        return Reply(body={"data": {"executionResult": {"id": "run-1", "status": status}}})


# At most this many reads for a run of so many seconds: a second apart, then a tenth of the wait.
POLL_BUDGET = {0.1: 2, 4.0: 8, 30.0: 26, 600.0: 60}


@pytest.mark.parametrize("seconds", list(POLL_BUDGET))
def test_the_end_of_a_run_is_seen_within_a_second_or_a_tenth_of_the_wait(
    component: Component, server: RecordingServer, seconds: float
) -> None:
    clock = FakeClock()
    started = clock.now()
    run = ScriptedRun(server, clock, seconds)
    with Connection(REFRESH_TOKEN, base_url=server.url, clock=clock, timeout=1000) as conn:
        result = component.invoke("testFlow", {"flowId": "f"}, connection=conn, wait=True)
    assert result["data"]["data"]["executionResult"]["status"] == "SUCCESS"
    assert run.seen_at is not None
    late = run.seen_at - run.ends_at
    assert late <= max(1.0, 0.1 * (run.seen_at - started)) + 1e-9
    if seconds == 4.0:
        assert run.seen_at - started <= 5.6  # what a flow test's wait may cost at most
    assert run.polls <= POLL_BUDGET[seconds]


def test_the_last_poll_lands_on_the_deadline(component: Component, server: RecordingServer) -> None:
    clock = FakeClock()
    started = clock.now()
    ScriptedRun(server, clock, 100.0)
    with (
        Connection(REFRESH_TOKEN, base_url=server.url, clock=clock, timeout=10) as conn,
        pytest.raises(TransportError, match="run-1 was still PENDING at the deadline"),
    ):
        component.invoke("testFlow", {"flowId": "f"}, connection=conn, wait=True)
    assert clock.now() - started == pytest.approx(10.0)


def test_a_terminal_sees_the_status_while_the_cli_waits(emu: Emulator) -> None:
    env = {**os.environ, "PRISM_REFRESH_TOKEN": emu.refresh_token, "PRISMATIC_URL": emu.url}
    leader, follower = pty.openpty()
    with subprocess.Popen(
        [*CLI, "invoke", "testFlow", "-i", f"flowId={a_flow(emu)}", "--wait"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=follower,
        text=True,
    ) as proc:
        os.close(follower)
        out, _ = proc.communicate(timeout=60)
        shown = read_all(leader)
    assert proc.returncode == 0
    assert json.loads(out)["data"]["data"]["executionResult"]["status"] == "SUCCESS"
    assert "testFlow: execution PENDING after " in shown
    assert "execution SUCCESS after " in shown


def test_off_a_terminal_the_wait_prints_nothing_on_stderr(emu: Emulator) -> None:
    env = {**os.environ, "PRISM_REFRESH_TOKEN": emu.refresh_token, "PRISMATIC_URL": emu.url}
    done = subprocess.run(
        [*CLI, "invoke", "testFlow", "-i", f"flowId={a_flow(emu)}", "--wait"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")
