"""The component as a runner's step: in process, and out of process over JSON."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from prismatic_connector import Component, InputError, Step, StepContext
from prismatic_connector.emulator import Emulator, Faults

from .hostile import CANARY

STEP = [sys.executable, "-m", "prismatic_connector", "step"]


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(seed="demo") as running:
        yield running


def instance_id(emu: Emulator) -> str:
    found = emu.execute("{ instances(isSystem: false, enabled: true, first: 1) { nodes { id } } }")
    return str(found["instances"]["nodes"][0]["id"])


def enabled(emu: Emulator, ident: str) -> bool:
    return bool(
        emu.execute("query ($id: ID!) { instance(id: $id) { enabled } }", {"id": ident})[
            "instance"
        ]["enabled"]
    )


def test_a_step_has_its_inputs_and_resolves_aliases(component: Component) -> None:
    step = component.step("disableInstance")
    assert isinstance(step, Step)
    assert step.key == "disableInstnce"
    assert [spec.key for spec in step.inputs] == ["connection", "instanceId"]
    with pytest.raises(InputError, match="no such action"):
        component.step("disableInstanse")


@pytest.mark.parametrize("shape", ["flat", "spectral"])
def test_perform_changes_state_with_either_connection_shape(
    component: Component, emu: Emulator, shape: str, caplog: pytest.LogCaptureFixture
) -> None:
    ident = instance_id(emu)
    flat = {"apiKey": emu.refresh_token, "baseUrl": emu.url}
    value = flat if shape == "flat" else {"key": "apiKey", "fields": flat}
    logger = logging.getLogger("a.runner")
    caplog.set_level(logging.INFO, logger="a.runner")
    result = component.step("disableInstnce").perform(
        StepContext(connection=value, logger=logger), {"instanceId": ident}
    )
    assert result["data"]["status"] == 200
    assert result["data"]["data"]["updateInstance"]["instance"]["enabled"] is False
    assert not enabled(emu, ident)
    assert "step disableInstnce" in caplog.text
    emu.execute(
        "mutation ($id: ID!) { updateInstance(input: {id: $id, enabled: true}) { errors { field } } }",
        {"id": ident},
    )


def test_the_context_supplies_the_base_url_and_settings(
    component: Component, emu: Emulator
) -> None:
    context = StepContext(
        connection={"apiKey": emu.refresh_token}, base_url=emu.url, timeout=10, retries=0
    )
    result = component.step("getCurrentUser").perform(context, {})
    assert result["data"]["data"]["authenticatedUser"]["id"]
    assert CANARY not in repr(StepContext(connection={"apiKey": CANARY}))
    assert emu.refresh_token not in repr(context)


def test_a_connection_in_both_places_is_refused(component: Component, emu: Emulator) -> None:
    values = {"apiKey": emu.refresh_token, "baseUrl": emu.url}
    with pytest.raises(InputError, match="given twice"):
        component.step("getCurrentUser").perform(
            StepContext(connection=values), {"connection": values}
        )


def test_one_component_serves_many_concurrent_steps(component: Component, emu: Emulator) -> None:
    values = {"apiKey": emu.refresh_token, "baseUrl": emu.url}
    step = component.step("listCustomers")

    def perform(_: int) -> Any:
        return step.perform(StepContext(connection=dict(values)), {"last": 2})

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(perform, range(40)))
    assert all(r["data"]["status"] == 200 for r in results)
    assert component.connection(values) is component.connection(dict(values))


def run_step(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*STEP, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )


def test_step_over_stdin_and_stdout(emu: Emulator) -> None:
    ident = instance_id(emu)
    request = {
        "action": "disableInstance",
        "inputs": {"instanceId": ident},
        "connection": {"apiKey": emu.refresh_token, "baseUrl": emu.url},
    }
    done = run_step(json.dumps(request))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["data"]["data"]["updateInstance"]["instance"]["enabled"] is False
    assert not enabled(emu, ident)
    emu.execute(
        "mutation ($id: ID!) { updateInstance(input: {id: $id, enabled: true}) { errors { field } } }",
        {"id": ident},
    )


@pytest.mark.parametrize(
    ("request_", "code", "error"),
    [
        ("not json", 2, {"type": "InputError"}),
        (
            json.dumps({"action": "getInstance", "inputs": {}}),
            2,
            {"type": "InputError", "action": "getInstance", "input": "instanceId"},
        ),
        (json.dumps({"action": "nope"}), 2, {"type": "InputError", "action": "nope"}),
    ],
)
def test_a_failed_step_answers_an_error_object(
    request_: str, code: int, error: dict[str, Any]
) -> None:
    done = run_step(request_)
    assert done.returncode == code
    answer = json.loads(done.stdout)["error"]
    assert {k: answer.get(k) for k in error} == error
    assert answer["message"]


def test_an_unknown_outcome_says_so(emu: Emulator) -> None:
    with Emulator(seed="empty", faults=Faults(rate_drop_after_apply=1.0)) as faulty:
        request = {
            "action": "rawRequest",
            "inputs": {
                "query": 'mutation { createCustomer(input: {name: "Maybe"}) { errors { field } } }'
            },
            "connection": {"apiKey": faulty.refresh_token, "baseUrl": faulty.url},
        }
        done = run_step(json.dumps(request))
        assert faulty.applied() == {"createCustomer": 1}
    assert done.returncode == 1
    error = json.loads(done.stdout)["error"]
    assert (error["type"], error["outcome"], error["action"]) == (
        "OutcomeUnknownError",
        "unknown",
        "rawRequest",
    )


def test_jsonl_serves_a_stream_and_a_failure_does_not_end_it(emu: Emulator) -> None:
    connection = {"apiKey": emu.refresh_token, "baseUrl": emu.url}
    ident = instance_id(emu)
    lines = [
        {
            "id": 0,
            "action": "disableInstnce",
            "inputs": {"instanceId": ident},
            "connection": connection,
        },
        {"id": 1, "action": "getCurrentUser", "connection": connection},
        {"id": "two", "action": "getInstance", "inputs": {}, "connection": connection},
        {"id": 3, "action": "listCustomers", "inputs": {"last": 1}, "connection": connection},
    ]
    done = run_step("\n".join(json.dumps(line) for line in lines) + "\n\nnot json\n", "--jsonl")
    assert done.returncode == 1, done.stderr  # two of its requests failed
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a.get("id") for a in answers] == [0, 1, "two", 3, None]
    assert [a.get("failed", False) for a in answers] == [False, False, True, False, True]
    assert not enabled(emu, ident)  # the stream's mutation was applied
    assert answers[1]["data"]["status"] == 200
    assert answers[2]["error"]["input"] == "instanceId"
    assert answers[3]["data"]["data"]["customers"]["nodes"]
    assert answers[4]["error"]["type"] == "InputError"
    emu.execute(
        "mutation ($id: ID!) { updateInstance(input: {id: $id, enabled: true}) { errors { field } } }",
        {"id": ident},
    )
    assert emu.refresh_token not in done.stdout + done.stderr
