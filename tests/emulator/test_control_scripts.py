"""Scripted runs through a served emulator (``--manual-clock``): ``EmulatorClient`` and
``emulator script|run``, the runs read through the connector's getExecution action."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from prismatic_connector import Component, Connection
from prismatic_connector.emulator import EmulatorClient
from prismatic_connector.errors import ControlError

from .served import Served, served

FLOW = "Sync Inventory"  # a flow of the demo, deployed to one instance


@pytest.fixture(scope="module")
def manual(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served(tmp_path_factory.mktemp("scripts"), "--manual-clock", "--seed", "demo") as s:
        yield s


@pytest.fixture
def client(manual: Served) -> Iterator[EmulatorClient]:
    with EmulatorClient(manual.url, admin_key_file=None) as made:
        made.clear_scripts()
        yield made


def get_execution(component: Component, manual: Served, run_id: str) -> dict[str, Any]:
    with Connection(manual.refresh_token, base_url=manual.url) as conn:
        result = component.invoke("getExecution", {"executionId": run_id}, connection=conn)
    return dict(result["data"]["data"]["executionResult"])


@pytest.fixture(autouse=True)
def _key_found(manual: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", manual.env["XDG_RUNTIME_DIR"])


def test_the_client_scripts_a_failure_that_ends_on_the_clock(
    client: EmulatorClient, manual: Served, component: Component
) -> None:
    client.script_flow(FLOW, status="ERROR", error="quota exceeded", duration_s=60, times=1)
    (run_id,) = client.run_flow(FLOW, {"id": 7})
    assert get_execution(component, manual, run_id)["status"] == "QUEUED"
    client.clock_advance(30)
    assert get_execution(component, manual, run_id)["status"] == "PENDING"
    client.clock_advance(30)
    ended = get_execution(component, manual, run_id)
    assert (ended["status"], ended["error"]) == ("ERROR", "quota exceeded")
    steps = ended["stepResults"]["nodes"]
    assert [step["hasError"] for step in steps] == [False] * (len(steps) - 1) + [True]
    (after,) = client.run_flow(FLOW)  # the script was for one run
    assert get_execution(component, manual, after)["status"] == "SUCCESS"


def test_the_client_scripts_a_run_that_ends_after_two_polls(
    client: EmulatorClient, manual: Served, component: Component
) -> None:
    client.script_flow(FLOW, polls=2)
    assert [s["polls"] for s in client.scripts()] == [2]
    (run_id,) = client.run_flow(FLOW)
    seen = [get_execution(component, manual, run_id)["status"] for _ in range(3)]
    assert seen == ["QUEUED", "PENDING", "SUCCESS"]


def test_the_client_names_the_refused_argument(client: EmulatorClient) -> None:
    with pytest.raises(ControlError) as refused:
        client.script_flow(FLOW, polls=0)
    assert (refused.value.field, refused.value.status) == ("polls", 400)
    with pytest.raises(ControlError) as unknown:
        client.run_flow("no such flow")
    assert unknown.value.field == "target"
    with pytest.raises(ControlError) as extra:
        client.call("POST", "scripts", {"target": FLOW, "colour": "red"})
    assert extra.value.field == "colour"


def test_the_cli_scripts_and_runs_a_flow(
    client: EmulatorClient, manual: Served, component: Component
) -> None:
    made = manual.cli(
        "emulator", "script", FLOW, "--status", "ERROR", "--error", "boom",
        "--duration-s", "20", "--log", "5:INFO:five", "--log", "2+10:WARN:late", "--times", "1",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["id"]
    ran = manual.cli("emulator", "run", FLOW, "--payload", '{"n": 1}')
    assert ran.returncode == 0, ran.stderr
    (run_id,) = json.loads(ran.stdout)["executions"]
    client.clock_advance(20)
    ended = get_execution(component, manual, run_id)
    assert (ended["status"], ended["error"]) == ("ERROR", "boom")
    listed = manual.cli("emulator", "script", "--list")
    assert json.loads(listed.stdout) == {"scripts": []}


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("script", FLOW, "--duration-s", "-1"), "--duration-s"),
        (("script", FLOW, "--log", "soon:INFO:x"), "--log"),
        (("script", FLOW, "--log", "1:LOUD:x"), "--log"),
        (("script", FLOW, "--polls", "0"), "--polls"),
        (("run", FLOW, "--payload", "{nope"), "--payload"),
        (("run", FLOW, "--times", "0"), "--times"),
        (("run", "no such flow"), "TARGET"),
    ],
)
def test_the_cli_refuses_bad_input_naming_the_option(
    manual: Served, args: tuple[str, ...], named: str
) -> None:
    done = manual.cli("emulator", *args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"prismatic-connector: error: {named}: ")
    assert "Traceback" not in done.stderr
