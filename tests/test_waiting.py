"""testFlow can wait for its execution: polling getExecution until the run ends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from prismatic_connector import Component, Connection, InputError, StepContext, TransportError
from prismatic_connector.emulator import Emulator


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
