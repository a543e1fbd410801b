"""Replays of executions, as Prismatic's replay guide drives them, and the bulk move of an
integration's instances to its latest version."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from prismatic_connector.emulator import Emulator, ManualClock
from prismatic_connector.emulator.model import instances
from prismatic_connector.emulator.seed import ACME_INVENTORY

START = 1_800_000_000.0
REPLAY = """mutation ($id: ID!) { replayExecution(input: {id: $id}) {
  instanceExecutionResult { id status error replayForExecution { id } requestPayloadUrl }
  errors { field messages } } }"""
# The guide's query: failed runs that are not replays, with the replays that failed too.
FAILED = """query { executionResults(status: ERROR, replayForExecution_Isnull: true) {
  nodes { id error replays(error_Isnull: false) { nodes { id } } } } }"""
BULK = """mutation ($id: ID!) { bulkUpdateInstancesToLatestIntegrationVersion(input: {id: $id}) {
  integration { id versionNumber } errors { field messages } } }"""
INSTANCE = """query ($id: ID!) { instance(id: $id) {
  deployedVersion needsDeploy integration { id versionNumber } } }"""


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(seed="demo", clock=ManualClock(start=START)) as running:
        yield running


def live_config(emu: Emulator) -> dict[str, Any]:
    with emu.store.read() as tx:
        for config in tx.select("InstanceFlowConfig"):
            instance = tx.get("Instance", config["instance"])
            if instance and instances.live(instance) and not instance["isSystem"]:
                return config
    raise AssertionError("the demo has a deployed instance")


def post(emu: Emulator, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """One request to ``/api`` over HTTP, as any client sends it."""
    answer = requests.post(
        f"{emu.url}/api",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {emu.access_token()}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def replay(emu: Emulator, run_id: str) -> dict[str, Any]:
    got = emu.execute(REPLAY, {"id": run_id})["replayExecution"]
    assert got["errors"] == [], got
    return dict(got["instanceExecutionResult"])


def read(emu: Emulator, run_id: str, fields: str) -> dict[str, Any]:
    query = f"query($id: ID!) {{ executionResult(id: $id) {{ {fields} }} }}"
    return dict(emu.execute(query, {"id": run_id})["executionResult"])


def test_the_guides_flow_replays_the_failures_and_finds_those_still_failing(
    emu: Emulator,
) -> None:
    config = live_config(emu)
    emu.script_flow(config["id"], status="ERROR", error="API down", times=2)
    failed = emu.run_flow(config["id"], {"order": 1}, times=2)
    (succeeded,) = emu.run_flow(config["id"])
    # The first replay succeeds (no script left), the second fails again.
    listed = post(emu, FAILED)["data"]["executionResults"]["nodes"]
    assert {n["id"] for n in listed} == set(failed)
    assert succeeded not in {n["id"] for n in listed}
    assert all(n["replays"]["nodes"] == [] for n in listed)
    fixed = replay(emu, failed[0])
    emu.script_flow(config["id"], status="ERROR", error="still down", times=1)
    again = post(emu, REPLAY, {"id": failed[1]})["data"]["replayExecution"]
    assert again["errors"] == []
    still = again["instanceExecutionResult"]
    assert (fixed["status"], fixed["error"]) == ("SUCCESS", None)
    assert (still["status"], still["error"]) == ("ERROR", "still down")
    assert emu.scripts() == []
    # Replays are not listed among the originals, and each original lists its failed ones.
    listed = post(emu, FAILED)["data"]["executionResults"]["nodes"]
    assert {n["id"]: [r["id"] for r in n["replays"]["nodes"]] for n in listed} == {
        failed[0]: [],
        failed[1]: [still["id"]],
    }
    succeeded_replays = "replays(error_Isnull: true) { nodes { id } }"
    assert read(emu, failed[0], succeeded_replays)["replays"]["nodes"] == [{"id": fixed["id"]}]
    assert read(emu, failed[1], succeeded_replays)["replays"]["nodes"] == []
    # The guide's own query: an instance's failures that are not replays, with the
    # replays that have since succeeded.
    guide = """query ($instanceId: ID!) { executionResults(instance: $instanceId,
      error_Isnull: false, replayForExecution_Isnull: true) {
      nodes { id replays(error_Isnull: true) { nodes { id } } } } }"""
    nodes = post(emu, guide, {"instanceId": config["instance"]})["data"]["executionResults"]
    assert {n["id"]: [r["id"] for r in n["replays"]["nodes"]] for n in nodes["nodes"]} == {
        failed[0]: [fixed["id"]],
        failed[1]: [],
    }
    replays_only = "{ executionResults(replayForExecution_Isnull: false) { nodes { id } } }"
    assert {n["id"] for n in emu.execute(replays_only)["executionResults"]["nodes"]} == {
        fixed["id"],
        still["id"],
    }
    assert emu.applied()["replayExecution"] == 2


def test_a_replay_runs_the_same_flow_config_with_the_original_request(emu: Emulator) -> None:
    config = live_config(emu)
    (original,) = emu.run_flow(config["id"], {"sku": "A-1", "count": 3})
    made = replay(emu, original)
    assert made["replayForExecution"] == {"id": original}
    assert made["id"] != original
    fields = "flowConfig { id } instance { id } flow { id } invokeType replayForExecution { id }"
    assert read(emu, made["id"], fields) == {
        "flowConfig": {"id": config["id"]},
        "instance": {"id": config["instance"]},
        "flow": {"id": config["flow"]},
        "invokeType": "WEBHOOK",
        "replayForExecution": {"id": original},
    }
    assert read(emu, original, "replayForExecution { id }") == {"replayForExecution": None}
    served = requests.get(made["requestPayloadUrl"], timeout=30)
    assert served.status_code == 200
    first = requests.get(read(emu, original, "requestPayloadUrl")["requestPayloadUrl"], timeout=30)
    assert served.content == first.content
    body = base64.b64decode(json.loads(served.content)["body"])
    assert json.loads(body) == {"sku": "A-1", "count": 3}
    # A replay of a replay is one more attempt at the first run.
    again = replay(emu, made["id"])
    assert again["replayForExecution"] == {"id": original}
    replays = read(emu, original, "replays { totalCount }")["replays"]["totalCount"]
    assert replays == 2


def test_replaying_an_unknown_run_is_record_not_found(emu: Emulator) -> None:
    answer = post(emu, REPLAY, {"id": "SW5zdGFuY2VFeGVjdXRpb25SZXN1bHQ6bm9uZQ=="})
    assert answer["data"]["replayExecution"] is None
    assert "Record not found" in answer["errors"][0]["message"]
    assert "replayExecution" not in emu.applied()


def test_a_run_still_going_or_of_an_instance_no_longer_running_is_not_replayed(
    emu: Emulator,
) -> None:
    config = live_config(emu)
    emu.script_flow(config["id"], status="ERROR", error="slow", duration_s=60)
    (going,) = emu.run_flow(config["id"])
    refused = emu.execute(REPLAY, {"id": going})["replayExecution"]
    assert refused["instanceExecutionResult"] is None
    assert refused["errors"][0]["field"] == "id"
    assert "still running" in refused["errors"][0]["messages"][0]
    emu.clock_advance(61)
    assert replay(emu, going)["replayForExecution"] == {"id": going}
    emu.execute(
        "mutation($id: ID!) { updateInstance(input: {id: $id, enabled: false}) { errors { field } } }",
        {"id": config["instance"]},
    )
    disabled = emu.execute(REPLAY, {"id": going})["replayExecution"]
    assert disabled["instanceExecutionResult"] is None
    assert "not deployed and enabled" in disabled["errors"][0]["messages"][0]
    assert emu.applied()["replayExecution"] == 1


def test_the_replay_filters_read_an_index(emu: Emulator) -> None:
    config = live_config(emu)
    emu.script_flow(config["id"], status="ERROR", error="x", times=3)
    runs = emu.run_flow(config["id"], times=6)
    for run_id in runs[:3]:
        replay(emu, run_id)
    emu.store.analyze()
    for query, index in (
        (
            "{ executionResults(replayForExecution_Isnull: false, first: 5) { nodes { id } } }",
            "ix_InstanceExecutionResult_replayForExecution",
        ),
        (
            f'{{ executionResult(id: "{runs[0]}") {{ replays(first: 5) {{ nodes {{ id }} }} }} }}',
            "ix_InstanceExecutionResult_replayForExecution",
        ),
    ):
        statements: list[str] = []
        emu.store.trace(statements.append)
        try:
            emu.execute(query)
        finally:
            emu.store.trace(None)
        listed = [
            s
            for s in statements
            if s.startswith("SELECT") and "replayForExecution" in s and "settleAt" not in s
        ]
        assert listed, statements
        with emu.store.read() as tx:
            for sql in listed:
                rows = tx.db.execute(f"EXPLAIN QUERY PLAN {sql}")
                plan = " | ".join(str(row[-1]) for row in rows)
                assert re.search(f"SEARCH r USING (COVERING )?INDEX {index} ", plan), (sql, plan)


CREATE_INSTANCE = """mutation ($name: String!, $customer: ID!, $integration: ID!,
    $configVariables: [InputInstanceConfigVariable]) {
  createInstance(input: {name: $name, customer: $customer, integration: $integration,
    configVariables: $configVariables}) { instance { id } errors { field messages } } }"""
PUBLISH = """mutation ($id: ID!) { publishIntegration(input: {id: $id}) {
  integration { id versionNumber } errors { field messages } } }"""
LOGIN = json.dumps(
    [
        {"name": "username", "type": "value", "value": "u"},
        {"name": "password", "type": "value", "value": "p"},
    ]
)


def acme(emu: Emulator) -> dict[str, Any]:
    """The demo's published integration: its draft's ID, its version 1 and its instance."""
    found = emu.execute(
        '{ integrations(name: "Acme Inventory") { nodes { id versions { nodes { id } } } } }'
    )["integrations"]["nodes"][0]
    with emu.store.read() as tx:
        version = tx.first("Integration", draft=found["id"], versionNumber=1)
        (instance,) = tx.find("Instance", integration=version["id"], isSystem=False)
    return {"draft": found["id"], "v1": version["id"], "instance": instance["id"]}


def add_instance(emu: Emulator, name: str, version: str, *, deploy: bool) -> str:
    customer = emu.execute('{ customers(externalId: "acme-123") { nodes { id } } }')
    variables = {
        "name": name,
        "customer": customer["customers"]["nodes"][0]["id"],
        "integration": version,
        "configVariables": [{"key": "Acme Inventory User/Pass", "values": LOGIN}] if deploy else [],
    }
    made = emu.execute(CREATE_INSTANCE, variables)["createInstance"]
    assert made["errors"] == [], made
    instance_id = str(made["instance"]["id"])
    if deploy:
        deployed = emu.execute(
            "mutation($id: ID!) { deployInstance(input: {id: $id}) { errors { messages } } }",
            {"id": instance_id},
        )
        assert deployed["deployInstance"]["errors"] == []
    return instance_id


def state(emu: Emulator, instance_id: str) -> tuple[int, bool, int]:
    got = emu.execute(INSTANCE, {"id": instance_id})["instance"]
    return got["integration"]["versionNumber"], got["needsDeploy"], got["deployedVersion"]


def test_the_bulk_update_moves_every_instance_and_redeploys_the_deployed(emu: Emulator) -> None:
    known = acme(emu)
    deployed = add_instance(emu, "Second", known["v1"], deploy=True)
    idle = add_instance(emu, "Never deployed", known["v1"], deploy=False)
    v2 = emu.execute(PUBLISH, {"id": known["draft"]})["publishIntegration"]["integration"]
    assert state(emu, known["instance"]) == (1, False, 1)
    answer = post(emu, BULK, {"id": known["draft"]})["data"]
    got = answer["bulkUpdateInstancesToLatestIntegrationVersion"]
    assert got == {"integration": {"id": v2["id"], "versionNumber": 2}, "errors": []}
    assert state(emu, known["instance"]) == (2, False, 2)
    assert state(emu, deployed) == (2, False, 2)
    assert state(emu, idle) == (2, True, 0)
    assert emu.applied()["bulkUpdateInstancesToLatestIntegrationVersion"] == 1
    # The moved instances run the new version's flows.
    config = live_config(emu)
    with emu.store.read() as tx:
        assert tx.get("IntegrationFlow", config["flow"])["integration"] == v2["id"]
    # Given a version's ID, the same: nothing left to move, the latest version answered.
    again = emu.execute(BULK, {"id": known["v1"]})["bulkUpdateInstancesToLatestIntegrationVersion"]
    assert again["integration"]["id"] == v2["id"]
    assert state(emu, deployed) == (2, False, 2)
    assert emu.applied()["bulkUpdateInstancesToLatestIntegrationVersion"] == 2


NEW_CONNECTION = """requiredConfigVars:
  - key: Acme Webhook Auth
    dataType: connection
    connection:
      key: basic
      component: {key: http, version: LATEST, isPublic: true}
    inputs:
      username: {type: value, value: ""}
      password: {type: value, value: ""}
"""


def test_an_instance_the_new_version_leaves_unconfigured_moves_and_awaits_a_deploy(
    emu: Emulator,
) -> None:
    known = acme(emu)
    definition = ACME_INVENTORY.replace("requiredConfigVars:\n", NEW_CONNECTION, 1)
    imported = emu.execute(
        "mutation($d: String!, $id: ID) { importIntegration(input: {definition: $d,"
        " integrationId: $id}) { errors { messages } } }",
        {"d": definition, "id": known["draft"]},
    )["importIntegration"]
    assert imported["errors"] == []
    emu.execute(PUBLISH, {"id": known["draft"]})
    got = emu.execute(BULK, {"id": known["draft"]})["bulkUpdateInstancesToLatestIntegrationVersion"]
    assert got["errors"] == []
    assert got["integration"]["versionNumber"] == 2
    assert state(emu, known["instance"]) == (2, True, 1)
    assert emu.applied()["bulkUpdateInstancesToLatestIntegrationVersion"] == 1


def test_the_bulk_update_refuses_an_unknown_or_unpublished_integration(emu: Emulator) -> None:
    unknown = post(emu, BULK, {"id": "SW50ZWdyYXRpb246bm9uZQ=="})
    assert unknown["data"]["bulkUpdateInstancesToLatestIntegrationVersion"] is None
    assert "Record not found" in unknown["errors"][0]["message"]
    drafts = emu.execute('{ integrations(name: "Salesforce Contacts") { nodes { id } } }')
    draft = drafts["integrations"]["nodes"][0]["id"]
    refused = emu.execute(BULK, {"id": draft})["bulkUpdateInstancesToLatestIntegrationVersion"]
    assert refused["integration"] is None
    assert refused["errors"] == [
        {
            "field": "id",
            "messages": ["This integration has no published version to update instances to."],
        }
    ]
    assert "bulkUpdateInstancesToLatestIntegrationVersion" not in emu.applied()


def test_a_test_run_is_replayed_as_a_test_run(emu: Emulator) -> None:
    flows = emu.execute(
        '{ integrations(name: "Salesforce Contacts") { nodes { flows { nodes { id } } } } }'
    )
    flow = flows["integrations"]["nodes"][0]["flows"]["nodes"][0]["id"]
    ran = emu.execute(
        'mutation($id: ID!) { testIntegrationFlow(input: {id: $id, payload: "{}"}) '
        "{ testIntegrationFlowResult { execution { id } } errors { messages } } }",
        {"id": flow},
    )["testIntegrationFlow"]["testIntegrationFlowResult"]["execution"]["id"]
    made = replay(emu, ran)
    got = read(emu, made["id"], "isTestExecution invokeType replayForExecution { id }")
    assert got == {
        "isTestExecution": True,
        "invokeType": "INTEGRATION_FLOW_TEST",
        "replayForExecution": {"id": ran},
    }
