"""Prismatic's CLI where it reads what a run left behind, or asks for one thing of many:
a trigger's payload (with the test instance's debug setting), step results tailed while
a flow test runs, a payload saved by listening to a flow, an integration version's
definition, and an unknown on-prem resource.

Each scenario has an emulator of its own, so they run side by side; effects are read
back from prism's output and from the emulator's state.
"""

from __future__ import annotations

import json
import queue
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import msgpack
import pytest
import requests
import yaml

from prismatic_connector.authoring.demo import DEMO_INTEGRATION
from prismatic_connector.emulator import Emulator
from prismatic_connector.emulator.seed import ACME_INVENTORY

from .prism import PRISM, env, run

pytestmark = pytest.mark.prism

Prism = Callable[..., str]
IMPORT = """mutation ($d: String!) { importIntegration(input: {definition: $d}) {
  integration { id versionSequenceId flows { nodes { id name testUrl } } } } }"""
PAYLOAD_FIELDS = {
    "headers",
    "queryParameters",
    "rawBody",
    "body",
    "pathFragment",
    "webhookUrls",
    "webhookApiKeys",
    "invokeUrl",
    "executionId",
    "customer",
    "instance",
    "user",
    "integration",
    "flow",
    "startedAt",
    "globalDebug",
}


def _scenario(test: Callable[[Prism, Emulator, Path], None], home: Path) -> None:
    with Emulator(seed="demo") as emu:
        environment = env(emu, home)

        def prism(*args: str, fails: bool = False) -> str:
            """prism's output; with ``fails``, its error, having checked that it failed."""
            done = run(environment, *args, cwd=home)
            said = f"prism {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
            assert (done.returncode != 0) == fails, said
            return done.stderr if fails else done.stdout

        test(prism, emu, home)


def _demo(emu: Emulator) -> dict[str, Any]:
    """The demo integration, imported: its test instance is configured, so prism tests it."""
    return dict(emu.execute(IMPORT, {"d": DEMO_INTEGRATION})["importIntegration"]["integration"])


def _trigger_payload(prism: Prism, execution: str) -> dict[str, Any]:
    answer = prism("executions:step-result:get", "-e", execution, "-s", "Integration Trigger")
    return dict(json.loads(answer))


def _served_trigger_payload(emu: Emulator, execution: str) -> dict[str, Any]:
    """The trigger payload as ``resultsUrl`` serves it (msgpack), without prism."""
    steps = emu.execute(
        "query ($id: ID!) { executionResult(id: $id) { stepResults(displayStepName:"
        ' "Integration Trigger") { nodes { resultsUrl } } } }',
        {"id": execution},
    )["executionResult"]["stepResults"]["nodes"]
    served = msgpack.unpackb(requests.get(steps[0]["resultsUrl"], timeout=10).content)
    return dict(served["data"])


def _execution_of(output: str) -> str:
    printed = re.search(r'"executionId": "([^"]+)"', output)
    assert printed, output
    return printed.group(1)


def trigger_payload(prism: Prism, emu: Emulator, home: Path) -> None:
    demo = _demo(emu)
    flow = demo["flows"]["nodes"][0]
    sent = home / "payload.json"
    sent.write_text('{"rocket": "Falcon", "stage": 2}\n', encoding="utf-8")
    test = ("integrations:flows:test", "-i", demo["id"], "--flow-id", flow["id"], "-p", str(sent))

    prism("integrations:set-debug", "true", "--integration-id", demo["id"])
    tailed = prism(*test, "--tail-results", "--timeout", "2")
    # The tailed step results are decoded values, the payload's content among them.
    body = '"body":{"data":{"rocket":"Falcon","stage":2},"contentType":"application/json"}'
    assert body in tailed
    assert re.search(r"STEP_sendToDataLake +\{\"data\":null\}", tailed)
    execution = _execution_of(tailed)
    payload = _trigger_payload(prism, execution)
    assert set(payload) == PAYLOAD_FIELDS
    assert payload["globalDebug"] is True
    assert payload["body"] == {
        "data": {"rocket": "Falcon", "stage": 2},
        "contentType": "application/json",
    }
    # The raw body is the bytes sent, as Node prints a Buffer.
    assert payload["rawBody"] == {"data": {"type": "Buffer", "data": list(sent.read_bytes())}}
    assert payload["headers"]["content-type"] == "application/json"
    assert payload["queryParameters"] == {}
    assert payload["pathFragment"] == ""
    assert payload["webhookUrls"] == {flow["name"]: flow["testUrl"]}
    assert payload["webhookApiKeys"] == {flow["name"]: []}
    assert payload["invokeUrl"] == flow["testUrl"]
    assert payload["executionId"] == execution
    ran = emu.execute(
        "query ($id: ID!) { executionResult(id: $id) { startedAt"
        " instance { id name customer { id name externalId } } } }",
        {"id": execution},
    )["executionResult"]
    assert payload["startedAt"] == ran["startedAt"]
    customer = ran["instance"].pop("customer")
    assert payload["instance"] == ran["instance"]
    # The test instance's customer, the system one, has no external ID.
    assert payload["customer"] == {**customer, "externalId": ""}
    assert payload["user"] == {"id": "", "email": "", "name": "", "externalId": ""}
    assert payload["integration"] == {
        "id": demo["id"],
        "name": "Rocket Telemetry",
        "versionSequenceId": demo["versionSequenceId"],
        "externalVersion": "",
    }
    assert payload["flow"] == {"id": flow["id"], "name": flow["name"]}

    prism("integrations:set-debug", "false", "--integration-id", demo["id"])
    debug = "query ($id: ID!) { integration(id: $id) { systemInstance { globalDebug } } }"
    assert emu.execute(debug, {"id": demo["id"]})["integration"] == {
        "systemInstance": {"globalDebug": False}
    }
    again = requests.post(flow["testUrl"], json={"rocket": "Falcon"}, timeout=10)
    quiet = _served_trigger_payload(emu, again.headers["prismatic-executionid"])
    assert quiet["globalDebug"] is False
    assert quiet["rawBody"] == {"data": b'{"rocket": "Falcon"}'}


class _Lines:
    """A process's output, line by line, readable with a timeout."""

    def __init__(self, stream: Any) -> None:
        self.seen: list[str] = []
        self._stream = stream
        self._lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self._stream:
            self._lines.put(line)

    def wait_for(self, text: str, timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while not any(text in line for line in self.seen):
            left = deadline - time.monotonic()
            assert left > 0, f"no {text!r} in {self.text()}"
            try:
                self.seen.append(self._lines.get(timeout=left))
            except queue.Empty:
                continue

    def text(self) -> str:
        while not self._lines.empty():
            self.seen.append(self._lines.get())
        return "".join(self.seen)

    def close(self) -> None:
        """Once the process has ended: the rest of its output is read, then the pipe closed."""
        self._reader.join(timeout=10)
        self._stream.close()


def listen(prism: Prism, emu: Emulator, home: Path) -> None:
    demo = _demo(emu)
    flow = demo["flows"]["nodes"][0]
    node = shutil.which("node")
    assert node
    saved = home / "saved"
    command = ["integrations:flows:listen", "-i", demo["id"], "-f", flow["id"], "-o", str(saved)]
    listener = subprocess.Popen(
        [node, str(PRISM), *command, "--timeout", "60"],
        env=env(emu, home),
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = _Lines(listener.stdout)
    try:
        output.wait_for("Listening for webhook executions")
        # prism takes the moment it starts listening just after saying so; runs that start
        # in that same millisecond are not picked up.
        time.sleep(0.05)
        sent = {"rocket": "Falcon", "readings": [1.5, 2.5]}
        answer = requests.post(f"{flow['testUrl']}/batches/7?source=pad-39a", json=sent, timeout=10)
        assert listener.wait(timeout=60) == 0, output.text()
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.wait()
        output.close()
    [file] = saved.iterdir()
    kept = json.loads(file.read_text(encoding="utf-8"))
    assert kept["payload"] == sent
    assert kept["flowId"] == flow["id"]
    assert kept["contentType"] == "application/json"
    assert "content-type" not in json.loads(kept["headers"])

    # The run's trigger payload names where and how the webhook was called.
    payload = _trigger_payload(prism, answer.headers["prismatic-executionid"])
    assert payload["pathFragment"] == "batches/7"
    assert payload["queryParameters"] == {"source": "pad-39a"}
    assert payload["invokeUrl"] == f"{flow['testUrl']}/batches/7?source=pad-39a"
    assert payload["body"]["data"] == sent

    # The saved file replays the payload.
    replayed = prism("integrations:flows:test", "-i", demo["id"], "-f", flow["id"], "-p", str(file))
    payload = _served_trigger_payload(emu, _execution_of(replayed))
    assert payload["body"] == {"data": sent, "contentType": "application/json"}


def export_versions(prism: Prism, emu: Emulator, home: Path) -> None:
    found = emu.execute('{ integrations(name: "Acme Inventory") { nodes { id } } }')
    acme = found["integrations"]["nodes"][0]["id"]
    emu.execute(
        "mutation ($id: ID!, $d: String!) { importIntegration(input: {integrationId: $id,"
        " definition: $d}) { errors { field } } }",
        {"id": acme, "d": ACME_INVENTORY.replace("in step with", "level with")},
    )
    emu.execute(
        "mutation ($id: ID!) { publishIntegration(input: {id: $id}) { errors { field } } }",
        {"id": acme},
    )
    # What prism integrations:versions lists.
    listed = emu.execute(
        "query ($id: ID!) { integration(id: $id) { versionSequence { nodes { id versionNumber } } } }",
        {"id": acme},
    )["integration"]["versionSequence"]["nodes"]
    by_number = {v["versionNumber"]: v["id"] for v in listed}
    assert sorted(by_number) == [1, 2]
    # A version's definition is exported by that version's ID; --version is the format
    # of the definition (prism asks for 7 when it is not given).
    first = prism("integrations:export", by_number[1])
    assert first.startswith("definitionVersion: 7\n")
    assert "description: Keep Acme's inventory in step with the customer's ERP\n" in first
    second = prism("integrations:export", by_number[2], "--version", "6")
    assert second.startswith("definitionVersion: 6\n")
    assert "description: Keep Acme's inventory level with the customer's ERP\n" in second
    changed = {
        "definitionVersion": 6,
        "description": "Keep Acme's inventory level with the customer's ERP",
    }
    assert yaml.safe_load(second) == {**yaml.safe_load(first), **changed}


def unknown_on_prem_resource(prism: Prism, emu: Emulator, home: Path) -> None:
    registered = emu.execute(
        "mutation { createOnPremiseResourceJWT(input: {orgOnly: true}) { errors { field } } }"
    )
    assert registered["createOnPremiseResourceJWT"]["errors"] == []
    unknown = "T25QcmVtaXNlUmVzb3VyY2U6bm90LWhlcmU="  # OnPremiseResource:not-here
    refused = prism("on-prem-resources:delete", unknown, fails=True)
    assert "Record not found" in refused
    left = emu.execute("{ onPremiseResources { totalCount } }")
    assert left["onPremiseResources"] == {"totalCount": 1}


def test_prism_reads_payloads_results_versions_and_refusals(tmp_path: Path) -> None:
    scenarios = [trigger_payload, listen, export_versions, unknown_on_prem_resource]
    homes = []
    for scenario in scenarios:
        home = tmp_path / scenario.__name__
        home.mkdir()
        homes.append(home)
    with ThreadPoolExecutor(max_workers=len(scenarios)) as pool:
        for done in [pool.submit(_scenario, s, h) for s, h in zip(scenarios, homes, strict=True)]:
            done.result()
