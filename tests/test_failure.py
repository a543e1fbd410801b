"""One meaning of failure on every path: a mutation Prismatic refuses fails the command line,
the step protocol and (when asked) the Python API alike; a missing token is bad usage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from prismatic_connector import (
    Component,
    Connection,
    ConnectorError,
    GraphQLError,
    PayloadError,
    StepContext,
    TransportError,
)
from prismatic_connector.component.failures import payload_errors
from prismatic_connector.emulator import Emulator

from .loopback import REFRESH_TOKEN, RecordingServer, Reply

CLI = [sys.executable, "-m", "prismatic_connector"]
REFUSED = "deployInstance answered payload errors: __all__: Instance is not fully configured"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(seed="demo") as running:
        yield running


@pytest.fixture(scope="module")
def unconfigured(emu: Emulator) -> str:
    """An instance that needs configuring, so Prismatic refuses to deploy it."""
    found = emu.execute(
        "{ customers(first: 1) { nodes { id } } integrations(first: 1) { nodes { id } } }"
    )
    made = emu.execute(
        "mutation ($c: ID!, $i: ID!) { createInstance(input: "
        '{name: "Unconfigured", customer: $c, integration: $i}) { instance { id } } }',
        {"c": found["customers"]["nodes"][0]["id"], "i": found["integrations"]["nodes"][0]["id"]},
    )
    return str(made["createInstance"]["instance"]["id"])


def run(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        input=stdin,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def api_env(emu: Emulator) -> dict[str, str]:
    return {"PRISM_REFRESH_TOKEN": emu.refresh_token, "PRISMATIC_URL": emu.url}


def deploy_request(emu: Emulator, instance: str, **extra: Any) -> dict[str, Any]:
    connection = {"apiKey": emu.refresh_token, "baseUrl": emu.url}
    return {
        "action": "deployInstance",
        "inputs": {"instanceId": instance},
        "connection": connection,
        **extra,
    }


# ----------------------------------------------------------------- the command line


def test_invoke_exits_1_on_a_refused_deploy_with_the_envelope_and_one_line(
    emu: Emulator, unconfigured: str
) -> None:
    done = run("invoke", "deployInstance", "-i", f"instanceId={unconfigured}", env=api_env(emu))
    assert done.returncode == 1
    envelope = json.loads(done.stdout)
    errors = envelope["data"]["data"]["deployInstance"]["errors"]
    assert errors[0]["field"] == "__all__"
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"prismatic-connector: error: PayloadError: {REFUSED}")
    assert errors[0]["messages"][0] in done.stderr


def test_invoke_allows_payload_errors_when_told(emu: Emulator, unconfigured: str) -> None:
    done = run(
        "invoke",
        "deployInstance",
        "-i",
        f"instanceId={unconfigured}",
        "--allow-payload-errors",
        env=api_env(emu),
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert json.loads(done.stdout)["data"]["data"]["deployInstance"]["errors"]


def test_a_missing_refresh_token_exits_2_on_every_command(emu: Emulator) -> None:
    env = {"PRISMATIC_URL": emu.url}
    for args in (["invoke", "getCurrentUser"], ["token", "revoke"]):
        done = run(*args, env=env)
        assert done.returncode == 2, args
        assert done.stderr.startswith("prismatic-connector: error: CredentialError: no refresh")
    stepped = run("step", stdin=json.dumps({"action": "getCurrentUser"}), env=env)
    assert stepped.returncode == 2
    assert json.loads(stepped.stdout)["error"]["type"] == "CredentialError"


# ----------------------------------------------------------------- the step protocol


def test_step_answers_the_envelope_and_exits_1_on_a_refused_deploy(
    emu: Emulator, unconfigured: str
) -> None:
    done = run("step", stdin=json.dumps(deploy_request(emu, unconfigured)))
    assert done.returncode == 1
    answer = json.loads(done.stdout)
    assert answer["data"]["data"]["deployInstance"]["errors"][0]["field"] == "__all__"
    assert "failed" not in answer  # a single answer is the envelope as it came

    allowed = deploy_request(emu, unconfigured, allowPayloadErrors=True)
    done = run("step", stdin=json.dumps(allowed))
    assert done.returncode == 0, done.stdout
    assert json.loads(done.stdout)["data"]["data"]["deployInstance"]["errors"]


def test_step_refuses_an_allow_switch_that_is_not_true_or_false(
    emu: Emulator, unconfigured: str
) -> None:
    request = deploy_request(emu, unconfigured, allowPayloadErrors="yes")
    done = run("step", stdin=json.dumps(request))
    assert done.returncode == 2
    error = json.loads(done.stdout)["error"]
    assert (error["type"], error["action"]) == ("InputError", "deployInstance")
    assert "allowPayloadErrors must be true or false" in error["message"]


def test_a_jsonl_stream_marks_failed_lines_goes_on_and_exits_1(
    emu: Emulator, unconfigured: str
) -> None:
    connection = {"apiKey": emu.refresh_token, "baseUrl": emu.url}
    lines = [
        {"id": "refused", **deploy_request(emu, unconfigured)},
        {"id": "me", "action": "getCurrentUser", "connection": connection},
        {"id": "allowed", **deploy_request(emu, unconfigured, allowPayloadErrors=True)},
        {"id": "bad", "action": "getInstance", "inputs": {}, "connection": connection},
    ]
    done = run("step", "--jsonl", stdin="".join(json.dumps(line) + "\n" for line in lines))
    assert done.returncode == 1
    answers = {a["id"]: a for a in map(json.loads, done.stdout.splitlines())}
    assert list(answers) == ["refused", "me", "allowed", "bad"]
    assert answers["refused"]["failed"] is True
    assert answers["refused"]["data"]["data"]["deployInstance"]["errors"]
    assert "failed" not in answers["me"]
    assert "failed" not in answers["allowed"]
    assert answers["bad"]["failed"] is True
    assert answers["bad"]["error"]["input"] == "instanceId"


def test_a_jsonl_stream_without_failures_exits_0(emu: Emulator) -> None:
    request = {
        "action": "getCurrentUser",
        "connection": {"apiKey": emu.refresh_token, "baseUrl": emu.url},
    }
    done = run("step", "--jsonl", stdin=json.dumps(request) + "\n" + json.dumps(request) + "\n")
    assert done.returncode == 0, done.stdout
    assert all("failed" not in json.loads(line) for line in done.stdout.splitlines())


# ----------------------------------------------------------------- Python


def test_invoke_returns_payload_errors_unless_asked_to_raise(
    component: Component, emu: Emulator, unconfigured: str
) -> None:
    inputs = {"instanceId": unconfigured}
    with Connection(emu.refresh_token, base_url=emu.url) as conn:
        returned = component.invoke("deployInstance", inputs, connection=conn)
        with pytest.raises(PayloadError) as caught:
            component.invoke(
                "deployInstance", inputs, connection=conn, raise_on_payload_errors=True
            )
    error = caught.value
    assert isinstance(error, ConnectorError)
    assert error.envelope == returned
    assert error.action == "deployInstance"
    assert [(e["root"], e["field"]) for e in error.errors] == [("deployInstance", "__all__")]
    assert str(error).startswith(REFUSED)


def test_a_step_raises_payload_errors_when_asked(
    component: Component, emu: Emulator, unconfigured: str
) -> None:
    context = StepContext(connection={"apiKey": emu.refresh_token, "baseUrl": emu.url})
    step = component.step("deployInstance")
    assert step.perform(context, {"instanceId": unconfigured})["data"]["status"] == 200
    with pytest.raises(PayloadError, match="Instance is not fully configured"):
        step.perform(context, {"instanceId": unconfigured}, raise_on_payload_errors=True)


def test_a_query_is_never_a_payload_error(
    component: Component, server: RecordingServer, connection: Connection
) -> None:
    # A query's field may well be named errors; only a mutation's payload is a refusal.
    data = {"organization": {"errors": [{"field": "x", "messages": ["not a refusal"]}]}}
    server.reply_data(data)
    query = "{ organization { id } }"
    result = component.invoke(
        "rawRequest", {"query": query}, connection=connection, raise_on_payload_errors=True
    )
    assert result["data"]["data"] == data


def test_a_raw_mutation_names_each_refusing_field_under_its_mutation(
    component: Component, server: RecordingServer, connection: Connection
) -> None:
    data = {
        "a": {"errors": [{"field": "name", "messages": ["taken"]}]},
        "b": {"errors": [{"field": "externalId", "messages": ["taken", "too long"]}]},
        "c": {"errors": []},
    }
    server.reply_data(data)
    query = (
        'mutation { a: createCustomer(input: {name: "x"}) { errors { field messages } } '
        'b: createCustomer(input: {name: "y"}) { errors { field messages } } '
        'c: createCustomer(input: {name: "z"}) { errors { field messages } } }'
    )
    with pytest.raises(PayloadError) as caught:
        component.invoke(
            "rawRequest", {"query": query}, connection=connection, raise_on_payload_errors=True
        )
    assert str(caught.value) == (
        "rawRequest answered payload errors: a.name: taken; b.externalId: taken, too long"
    )


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (None, []),
        ({"x": None}, []),
        ({"x": {"errors": None}}, []),
        ({"x": {"errors": []}}, []),
        (
            {"x": {"errors": ["plain text"]}},
            [{"root": "x", "field": None, "messages": ["plain text"]}],
        ),
        (
            {"x": {"errors": [{"field": "f", "messages": "one"}]}},
            [{"root": "x", "field": "f", "messages": ["one"]}],
        ),
    ],
)
def test_the_payload_rule_reads_any_shape_a_server_sends(data: Any, found: Any) -> None:
    assert payload_errors(data) == found


# ----------------------------------------------------------------- GraphQL errors under 4xx


@pytest.mark.parametrize("status", [400, 422])
def test_a_4xx_graphql_answer_is_a_graphql_error_with_the_servers_messages(
    component: Component, server: RecordingServer, connection: Connection, status: int
) -> None:
    message = 'Cannot query field "nope" on type "RootQuery".'
    server.responder = lambda call: Reply(status, {"errors": [{"message": message}]})
    with pytest.raises(GraphQLError) as caught:
        component.invoke("getCurrentUser", {}, connection=connection)
    assert caught.value.messages == [message]
    assert caught.value.status == status
    assert str(caught.value) == f"action 'getCurrentUser': {message}"


def test_a_4xx_that_is_not_a_graphql_answer_stays_a_transport_error(
    component: Component, server: RecordingServer, connection: Connection
) -> None:
    server.responder = lambda call: Reply(400, {"message": "bad request"})
    with pytest.raises(TransportError, match="HTTP 400") as caught:
        component.invoke("getCurrentUser", {}, connection=connection)
    assert not isinstance(caught.value, GraphQLError)


def test_the_cli_names_a_4xx_graphql_error(server: RecordingServer) -> None:
    server.responder = lambda call: Reply(400, {"errors": [{"message": "Syntax Error"}]})
    env = {"PRISM_REFRESH_TOKEN": REFRESH_TOKEN, "PRISMATIC_URL": server.url}
    done = run("invoke", "getCurrentUser", env=env)
    assert done.returncode == 1
    assert done.stderr == (
        "prismatic-connector: error: GraphQLError: action 'getCurrentUser': Syntax Error\n"
    )
