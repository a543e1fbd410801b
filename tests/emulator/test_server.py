"""The HTTP and GraphQL surface: error shapes, unsupported fields, caching, restarts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import msgpack
import pytest
import requests

from prismatic_connector import Component, Connection, GraphQLError
from prismatic_connector.emulator import Emulator

from ..signals import interruptible


def _post(
    emu: Emulator, query: str, variables: dict[str, object] | None = None
) -> requests.Response:
    return requests.post(
        f"{emu.url}/api",
        json={"query": query, "variables": variables or {}},
        timeout=10,
        headers={"Authorization": f"Bearer {emu.access_token()}"},
    )


def test_validation_errors_have_the_standard_shape(prismatic_emulator: Emulator) -> None:
    answer = _post(prismatic_emulator, "{\n  customers { nodes { nmae } } }")
    assert answer.status_code == 400
    (error,) = answer.json()["errors"]
    assert "Cannot query field 'nmae' on type 'Customer'" in error["message"]
    assert error["locations"] == [{"line": 2, "column": 23}]


def test_invalid_documents_are_400_and_reach_the_connector_as_graphql_errors(
    component: Component, prismatic_emulator: Emulator
) -> None:
    conn = Connection(prismatic_emulator.refresh_token, base_url=prismatic_emulator.url)
    with pytest.raises(GraphQLError) as caught:
        component.invoke("rawRequest", {"query": "{ customers { nope } }"}, connection=conn)
    assert caught.value.status == 400
    assert caught.value.messages == [
        "Cannot query field 'nope' on type 'CustomerConnection'. Did you mean 'nodes'?"
    ]
    assert _post(prismatic_emulator, "{ customers { ").status_code == 400


def test_record_not_found_has_a_path(prismatic_emulator: Emulator) -> None:
    body = _post(
        prismatic_emulator,
        "query ($id: ID!) { customer(id: $id) { id } }",
        {"id": "Q3VzdG9tZXI6eA=="},
    ).json()
    assert body["data"] == {"customer": None}
    assert body["errors"][0]["message"] == "Record not found"
    assert body["errors"][0]["path"] == ["customer"]


def test_unimplemented_fields_are_null(prismatic_emulator: Emulator) -> None:
    body = _post(prismatic_emulator, "{ authenticatedUser { featureFlags appName } }").json()
    assert body["data"]["authenticatedUser"] == {"featureFlags": None, "appName": "Prismatic"}
    body = _post(
        prismatic_emulator,
        'mutation { convertLowCodeIntegration(input: {id: "x"}) { errors { field } } }',
    ).json()
    assert body["data"] == {"convertLowCodeIntegration": None}
    assert body["errors"][0]["message"] == "Record not found"


def test_repeated_operations_reuse_the_parsed_document(prismatic_emulator: Emulator) -> None:
    query = "{ customers { totalCount } }"
    first = prismatic_emulator.engine.prepare(query)
    assert prismatic_emulator.engine.prepare(query) is first
    assert _post(prismatic_emulator, query).status_code == 200


def test_bad_request_bodies_are_400(prismatic_emulator: Emulator) -> None:
    headers = {
        "Authorization": f"Bearer {prismatic_emulator.access_token()}",
        "Content-Type": "application/json",
    }
    for body in (
        b"not json",
        b'{"variables": {}}',
        b'{"query": "{ customers { totalCount } }", "variables": [1]}',
    ):
        answer = requests.post(
            f"{prismatic_emulator.url}/api", data=body, headers=headers, timeout=10
        )
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["message"].startswith("Bad request")


def test_keep_alive_reuses_one_connection(prismatic_emulator: Emulator) -> None:
    session = requests.Session()
    headers = {"Authorization": f"Bearer {prismatic_emulator.access_token()}"}
    ports = set()
    for _ in range(5):
        answer = session.post(
            f"{prismatic_emulator.url}/api",
            json={"query": "{ customers { totalCount } }"},
            headers=headers,
            timeout=10,
            stream=True,
        )
        ports.add(answer.raw._connection.sock.getsockname()[1])
        answer.content  # noqa: B018
    assert len(ports) == 1


def test_state_survives_a_restart_with_the_same_db(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    with Emulator(seed="demo", db=db) as emu:
        emu.execute('mutation { createCustomer(input: {name: "Persisted"}) { errors { field } } }')
        token = emu.refresh_token
    with Emulator(seed="demo", db=db) as emu:
        assert emu.refresh_token == token
        names = [
            c["name"]
            for c in emu.execute("{ customers(isSystem: false) { nodes { name } } }")["customers"][
                "nodes"
            ]
        ]
        assert names.count("Persisted") == 1
        assert names.count("FTL Rockets") == 1


def test_serve_command_prints_url_and_token_and_keeps_state(tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite3"

    def serve() -> tuple[subprocess.Popen[str], str, str]:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prismatic_connector",
                "emulator",
                "serve",
                "--db",
                str(db),
                "--seed",
                "empty",
            ],
            stdout=subprocess.PIPE,
            text=True,
            preexec_fn=interruptible,
        )
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in range(4)]
        key_file = Path(lines[1].rsplit(": ", 1)[1])
        assert key_file.stat().st_mode & 0o777 == 0o600  # only its user may mint tokens
        values = dict(line.split("=", 1) for line in lines if line.startswith("PRISM"))
        return proc, values["PRISMATIC_URL"], values["PRISM_REFRESH_TOKEN"]

    proc, url, token = serve()
    try:
        env = {**os.environ, "PRISMATIC_URL": url}
        access = subprocess.run(
            [sys.executable, "-m", "prismatic_connector", "emulator", "token"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
        created = requests.post(
            f"{url}/api",
            timeout=10,
            headers={"Authorization": f"Bearer {access}"},
            json={
                "query": 'mutation { createCustomer(input: {name: "Kept"}) { errors { field } } }'
            },
        )
        assert created.json()["data"]["createCustomer"]["errors"] == []
    finally:
        _stop(proc)
    proc, url, again = serve()
    try:
        assert again == token
        refreshed = requests.post(
            f"{url}/auth/refresh", json={"refresh_token": token}, timeout=10
        ).json()
        answer = requests.post(
            f"{url}/api",
            json={"query": "{ customers { nodes { name } } }"},
            timeout=10,
            headers={"Authorization": f"Bearer {refreshed['access_token']}"},
        )
        assert {"name": "Kept"} in answer.json()["data"]["customers"]["nodes"]
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=10)
    assert proc.stdout is not None
    proc.stdout.close()


def test_webhook_url_runs_the_deployed_flow(prismatic_emulator: Emulator) -> None:
    emu = prismatic_emulator
    instance = emu.execute(
        "{ instances(isSystem: false) { nodes { id flowConfigs { nodes { webhookUrl } } } } }"
    )
    url = instance["instances"]["nodes"][0]["flowConfigs"]["nodes"][0]["webhookUrl"]
    answer = requests.post(url, json={"sku": "A-1"}, timeout=10)
    assert answer.status_code == 200
    run = emu.execute(
        "query ($id: ID!) { executionResult(id: $id) { invokeType isTestExecution stepResults { nodes { "
        "stepName resultsUrl } } } }",
        {"id": answer.json()["executionId"]},
    )["executionResult"]
    assert (run["invokeType"], run["isTestExecution"]) == ("WEBHOOK", False)
    served = requests.get(run["stepResults"]["nodes"][0]["resultsUrl"], timeout=10).content
    trigger = msgpack.unpackb(served)["data"]  # as Prismatic serves step results
    assert trigger["body"] == {"data": {"sku": "A-1"}, "contentType": "application/json"}
    assert trigger["rawBody"] == {"data": b'{"sku": "A-1"}'}
    assert trigger["invokeUrl"] == url
    assert requests.post(f"{emu.url}/trigger/unknown", json={}, timeout=10).status_code == 404
