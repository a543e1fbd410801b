"""Fault rules and the journal on the control surface of a served emulator (``--manual-clock``),
through ``EmulatorClient``, the routes and ``emulator fault|journal``."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from prismatic_connector.emulator import EmulatorClient
from prismatic_connector.errors import ControlError

from .served import Served, served

CREATE = (
    "mutation ($name: String!) { createCustomer(input: {name: $name})"
    " { customer { id } errors { field messages } } }"
)


@pytest.fixture(scope="module")
def manual(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served(tmp_path_factory.mktemp("faults"), "--manual-clock", "--seed", "empty") as s:
        yield s


@pytest.fixture
def client(manual: Served, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    monkeypatch.setenv("XDG_RUNTIME_DIR", manual.env["XDG_RUNTIME_DIR"])
    with EmulatorClient(manual.url) as client:
        client.faults_clear()
        client.journal_clear()
        yield client


def _token(manual: Served) -> str:
    answer = requests.post(
        f"{manual.url}/auth/refresh", json={"refresh_token": manual.refresh_token}, timeout=10
    )
    return str(answer.json()["access_token"])


def post(manual: Served, variables: dict[str, Any], token: str | None = None) -> requests.Response:
    return requests.post(
        f"{manual.url}/api",
        json={"query": CREATE, "variables": variables},
        headers={"Authorization": f"Bearer {token or _token(manual)}"},
        timeout=10,
    )


def test_the_client_adds_lists_and_removes_rules(manual: Served, client: EmulatorClient) -> None:
    first = client.fault_add(operation="createCustomer", variables={"name": ["A", "B"]}, status=503)
    second = client.fault_add(operation="createCustomer", drop="after", times=1)
    assert post(manual, {"name": "A"}).status_code == 503
    with pytest.raises(requests.ConnectionError):
        post(manual, {"name": "C"})
    assert post(manual, {"name": "D"}).status_code == 200
    assert [(r["id"], r["struck"]) for r in client.faults()] == [(first, 1), (second, 1)]
    client.fault_remove(first)
    with pytest.raises(ControlError) as unknown:
        client.fault_remove(first)
    assert (unknown.value.field, unknown.value.status) == ("id", 404)
    with pytest.raises(ControlError) as refused:
        client.fault_add(status=404)
    assert (refused.value.field, refused.value.status) == ("status", 400)
    applied = client.journal(operation="createCustomer", applied=True)
    assert [e["variables"]["name"] for e in applied] == ["C", "D"]
    client.assert_called("createCustomer", times=3)
    with pytest.raises(AssertionError, match="name: expected 'E', got"):
        client.assert_called("createCustomer", variables={"name": "E"})


def test_latency_waits_until_the_clock_is_advanced(manual: Served, client: EmulatorClient) -> None:
    token = _token(manual)
    client.fault_add(operation="createCustomer", latency_ms=60_000, times=1)
    answers: list[int] = []
    waiting = threading.Thread(
        target=lambda: answers.append(post(manual, {"name": "L"}, token).status_code)
    )
    waiting.start()
    waiting.join(0.5)
    assert answers == []
    client.clock_advance(60)
    waiting.join(10)
    assert answers == [200]
    assert client.journal(operation="createCustomer")[-1]["fault"] is not None


def test_the_routes_refuse_unknown_fields_and_need_the_key(manual: Served) -> None:
    assert requests.get(f"{manual.url}/emulator/faults", timeout=10).status_code == 403
    key = next((Path(manual.env["XDG_RUNTIME_DIR"]) / "prismatic-connector").glob("*.key"))
    admin = {"X-Emulator-Admin-Key": key.read_text().strip()}
    answer = requests.post(
        f"{manual.url}/emulator/faults", json={"stauts": 503}, headers=admin, timeout=10
    )
    assert (answer.status_code, answer.json()["errors"][0]["field"]) == (400, "stauts")
    answer = requests.get(
        f"{manual.url}/emulator/journal", params={"applied": "yes"}, headers=admin, timeout=10
    )
    assert (answer.status_code, answer.json()["errors"][0]["field"]) == (400, "applied")


def test_the_command_line(manual: Served, client: EmulatorClient) -> None:
    added = manual.cli(
        "emulator",
        "fault",
        "add",
        "--operation",
        "createCustomer",
        "--status",
        "503",
        "--times",
        "2",
        "--variables",
        '{"name": "Z"}',
    )
    assert added.returncode == 0, added.stderr
    rule = json.loads(added.stdout)["id"]
    assert post(manual, {"name": "Z"}).status_code == 503
    listed = manual.cli("emulator", "fault", "list")
    assert [r["id"] for r in json.loads(listed.stdout)] == [rule]
    bad = manual.cli("emulator", "fault", "add", "--status", "404")
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr.startswith("prismatic-connector: error: --status: expected 429")
    bad = manual.cli("emulator", "fault", "add", "--status", "503", "--variables", "{")
    assert bad.returncode == 2
    assert bad.stderr.startswith("prismatic-connector: error: --variables: expected JSON")
    journal = manual.cli("emulator", "journal", "--operation", "createCustomer")
    assert journal.returncode == 0, journal.stderr
    lines = [json.loads(line) for line in journal.stdout.splitlines()]
    assert [(e["status"], e["fault"]) for e in lines] == [(503, rule)]
    assert manual.cli("emulator", "fault", "remove", rule).returncode == 0
    gone = manual.cli("emulator", "fault", "remove", rule)
    assert gone.returncode == 2
    assert gone.stderr.startswith("prismatic-connector: error: ID: no fault rule")
    assert json.loads(manual.cli("emulator", "fault", "clear").stdout) == {"removed": 0}
    cleared = manual.cli("emulator", "journal", "--clear")
    assert json.loads(cleared.stdout)["removed"] >= 1
    assert manual.cli("emulator", "journal").stdout == ""
