"""Testing a flow as users do with Prismatic's CLI: the test URL, its headers, the logs it tails."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
import requests

from prismatic_connector.authoring.demo import DEMO_INTEGRATION
from prismatic_connector.emulator import Emulator

from .prism import env, run

pytestmark = pytest.mark.prism

IMPORT = """mutation ($d: String!) { importIntegration(input: {definition: $d}) {
  integration { id flows { nodes { id testUrl } } } } }"""
RUN = """query ($id: ID!) { executionResult(id: $id) {
  requestPayloadUrl logs { nodes { message } } } }"""


def test_prism_tests_a_flow_and_tails_its_logs(
    prismatic_emulator: Emulator, tmp_path: Path
) -> None:
    emu = prismatic_emulator
    integration = emu.execute(IMPORT, {"d": DEMO_INTEGRATION})["importIntegration"]["integration"]
    flow = integration["flows"]["nodes"][0]
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps({"rocket": "Falcon"}), encoding="utf-8")
    environment = env(emu, tmp_path)
    test = ["integrations:flows:test", "-i", integration["id"], "-f", flow["id"]]
    tailed = run(environment, *test, "-p", str(payload), "--tail-logs", "--timeout", "3")
    assert tailed.returncode == 0, tailed.stderr
    assert "Ending Instance Execution for 'Rocket Telemetry (test instance)'" in tailed.stdout
    printed = re.search(r'"executionId": "([^"]+)"', tailed.stdout)
    assert printed, tailed.stdout
    found = emu.execute(RUN, {"id": printed.group(1)})["executionResult"]
    served = requests.get(found["requestPayloadUrl"], timeout=10)
    assert served.headers["Content-Type"] == "application/json"
    request = json.loads(served.content)  # as prism integrations:flows:listen reads it
    assert json.loads(base64.b64decode(request["body"])) == {"rocket": "Falcon"}
    assert request["contentType"] == "application/json"
    step = ("-e", printed.group(1), "-s", "Integration Trigger")
    result = run(environment, "executions:step-result:get", *step)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["body"]["data"] == {"rocket": "Falcon"}
    synchronous = run(environment, *test, "--sync")
    assert synchronous.returncode == 0, synchronous.stderr
    assert "Execution ID: SW5zdGFuY2VFeGVjdXRpb25SZXN1bHQ6" in synchronous.stdout


def test_the_test_url_names_the_execution_in_a_header(prismatic_emulator: Emulator) -> None:
    emu = prismatic_emulator
    integration = emu.execute(IMPORT, {"d": DEMO_INTEGRATION})["importIntegration"]["integration"]
    url = integration["flows"]["nodes"][0]["testUrl"]
    answer = requests.post(url, json={"a": 1}, timeout=10)
    execution = answer.headers["prismatic-executionid"]
    assert answer.json() == {"executionId": execution}
    synchronous = requests.post(
        url, json={"a": 1}, headers={"prismatic-synchronous": "true"}, timeout=10
    )
    assert synchronous.headers["prismatic-executionid"] != execution
    assert synchronous.json() is None  # the last step's result: the emulator runs no code
    logs = emu.execute(RUN, {"id": execution})["executionResult"]["logs"]["nodes"]
    assert logs[-1]["message"].startswith("Ending Instance Execution")
