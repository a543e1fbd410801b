"""All 18 documented actions against the emulator, through the harness and the CLI, with the
state change of each mutation read back through a get or list action."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from prismatic_connector import Component, Connection, GraphQLError
from prismatic_connector.emulator import Emulator
from prismatic_connector.emulator.seed import ACME_INVENTORY

YAML = ACME_INVENTORY.replace("name: Acme Inventory\n", "name: Orbit Planner\n", 1)
CREATE_INSTANCE = """mutation ($customer: ID!, $integration: ID!) {
  createInstance(input: {name: "Orbit Planner", customer: $customer, integration: $integration}) {
    instance { id } errors { field messages } } }"""
SET_LOGIN = """mutation ($id: ID!, $values: JSONString) {
  updateInstanceConfigVariables(input: {id: $id, configVariables: [{key: "Acme Inventory User/Pass", values: $values}]}) {
    instance { id } errors { field messages } } }"""
LOGIN = json.dumps(
    [
        {"name": "username", "type": "value", "value": "u"},
        {"name": "password", "type": "value", "value": "p"},
    ]
)


@pytest.fixture
def conn(prismatic_emulator: Emulator) -> Iterator[Connection]:
    connection = Connection(prismatic_emulator.refresh_token, base_url=prismatic_emulator.url)
    yield connection
    connection.close()


def test_all_actions_through_the_harness(
    component: Component, conn: Connection, prismatic_emulator: Emulator
) -> None:
    def run(key: str, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
        envelope = component.invoke(key, inputs or {}, connection=conn)
        assert envelope["data"]["status"] == 200
        data: dict[str, Any] = envelope["data"]["data"]
        return data

    user = run("getCurrentUser")["authenticatedUser"]
    assert user["name"] == "Lisa Nguyen"
    assert user["org"]["name"] == "Smith Rockets"

    customers = run("listCustomers", {"nameStartsWith": "ftl"})["customers"]
    assert [c["name"] for c in customers["nodes"]] == ["FTL Rockets"]
    customer = customers["nodes"][0]
    assert run("getCustomer", {"customer": customer["id"]})["customer"]["externalId"] == "abc-123"

    imported = run("importIntegration", {"yamlDefinition": YAML})["importIntegration"]
    assert imported["errors"] == []
    draft = imported["integration"]
    assert draft["name"] == "Orbit Planner"
    assert draft["hasUnpublishedChanges"] is True
    assert [f["name"] for f in draft["flows"]["nodes"]] == ["Sync Inventory", "Nightly Reconcile"]

    changed = run(
        "updateIntegration", {"integrationId": draft["id"], "description": "Plans orbits"}
    )
    assert changed["updateIntegration"]["integration"]["description"] == "Plans orbits"
    assert (
        run("getIntegration", {"integrationId": draft["id"]})["integration"]["description"]
        == "Plans orbits"
    )

    reimported = run(
        "importIntegration",
        {
            "integrationId": draft["id"],
            "yamlDefinition": YAML.replace("Nightly Reconcile", "Hourly Check"),
        },
    )
    assert reimported["importIntegration"]["integration"]["id"] == draft["id"]
    flows = run("listFlows", {"integrationId": draft["id"]})["integration"]["flows"]
    assert [f["name"] for f in flows["nodes"]] == ["Sync Inventory", "Hourly Check"]
    assert flows["totalCount"] == 2
    assert flows["pageInfo"]["hasNextPage"] is False

    published = run("publishIntegration", {"integrationId": draft["id"], "comments": "Orbit v1"})
    version = published["publishIntegration"]["integration"]
    assert (version["versionNumber"], version["versionComment"]) == (1, "Orbit v1")
    after = run("getIntegration", {"integrationId": draft["id"]})["integration"]
    assert (after["versionNumber"], after["hasUnpublishedChanges"]) == (1, False)
    versions = run(
        "listIntegrations",
        {"allVersions": True, "hasUnpublishedChanges": "", "nameContains": "orbit"},
    )
    assert sorted(i["versionNumber"] for i in versions["integrations"]["nodes"]) == [1, 1]

    created = run(
        "rawRequest",
        {
            "query": CREATE_INSTANCE,
            "variables": {"customer": customer["id"], "integration": version["id"]},
        },
    )
    instance_id = created["createInstance"]["instance"]["id"]
    refused = run("deployInstance", {"instanceId": instance_id})["deployInstance"]
    assert refused["instance"] is None
    assert "Acme Inventory User/Pass" in refused["errors"][0]["messages"][0]
    run(
        "rawRequest",
        {
            "query": SET_LOGIN,
            "variables": [{"name": "id", "value": instance_id}, {"name": "values", "value": LOGIN}],
        },
    )
    deployed = run("deployInstance", {"instanceId": instance_id})["deployInstance"]["instance"]
    assert (deployed["deployedVersion"], deployed["needsDeploy"]) == (1, False)
    got = run("getInstance", {"instanceId": instance_id})["instance"]
    assert got["lastDeployedAt"]
    assert got["configState"] == "FULLY_CONFIGURED"
    assert {c["flow"]["name"] for c in got["flowConfigs"]["nodes"]} == {
        "Sync Inventory",
        "Hourly Check",
    }

    renamed = run("updateInstance", {"instanceId": instance_id, "name": "Orbit Planner (EU)"})
    assert renamed["updateInstance"]["instance"]["name"] == "Orbit Planner (EU)"
    run("disableInstance", {"instanceId": instance_id})
    assert run("getInstance", {"instanceId": instance_id})["instance"]["enabled"] is False
    default_view = run("listInstances")["instances"]["nodes"]
    assert instance_id not in {i["id"] for i in default_view}
    everything = run("listInstances", {"enabled": "", "customerExternalId": "abc-123"})[
        "instances"
    ]["nodes"]
    assert {i["name"] for i in everything} == {"Acme Inventory", "Orbit Planner (EU)"}

    flow = flows["nodes"][0]
    tested = run(
        "testFlow", {"flowId": flow["id"], "payload": '{"n": 1}', "contentType": "application/json"}
    )
    result = tested["testIntegrationFlow"]["testIntegrationFlowResult"]
    assert result["statusCode"] == 200
    assert result["flow"]["id"] == flow["id"]
    execution = run("getExecution", {"executionId": result["execution"]["id"]})["executionResult"]
    assert execution["status"] == "SUCCESS"
    assert execution["isTestExecution"] is True
    assert execution["endedAt"]
    assert [s["stepName"] for s in execution["stepResults"]["nodes"]] == [
        "integrationTrigger",
        "fetchItem",
        "mapFields",
    ]
    assert execution["logs"]["nodes"][-1]["message"].startswith("Ending Instance Execution")

    components = run("listComponents")["components"]
    assert {"webhook-triggers", "http", "prismatic"} <= {c["key"] for c in components["nodes"]}

    assert prismatic_emulator.applied() == {
        "deployInstance": 2,
        "createInstance": 2,
        "createCustomer": 4,
        "importIntegration": 4,
        "publishIntegration": 2,
        "updateIntegration": 1,
        "updateInstance": 2,
        "updateInstanceConfigVariables": 1,
        "testIntegrationFlow": 1,
    }


def test_unknown_id_is_record_not_found(component: Component, conn: Connection) -> None:
    with pytest.raises(GraphQLError) as caught:
        component.invoke("getInstance", {"instanceId": "SW5zdGFuY2U6bm90LWhlcmU="}, connection=conn)
    assert caught.value.messages == ["Record not found"]
    assert caught.value.paths == [["instance"]]
    assert caught.value.data == {"instance": None}


def test_duplicate_customer_is_a_payload_error(component: Component, conn: Connection) -> None:
    query = 'mutation { createCustomer(input: {name: "ftl rockets"}) { customer { id } errors { field messages } } }'
    data = component.invoke("rawRequest", {"query": query}, connection=conn)["data"]["data"]
    assert data["createCustomer"] == {
        "customer": None,
        "errors": [{"field": "name", "messages": ["Customer with this Name already exists."]}],
    }


def _cli(emulator: Emulator, *args: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "PRISMATIC_URL": emulator.url,
        "PRISM_REFRESH_TOKEN": emulator.refresh_token,
    }
    done = subprocess.run(
        [sys.executable, "-m", "prismatic_connector", "invoke", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    envelope: dict[str, Any] = json.loads(done.stdout)
    return envelope["data"]["data"]


def test_all_actions_through_the_cli(prismatic_emulator: Emulator, tmp_path: Any) -> None:
    emu = prismatic_emulator
    assert (
        _cli(emu, "getCurrentUser")["authenticatedUser"]["email"] == "owner@smith-rockets.example"
    )
    customer = _cli(emu, "listCustomers", "-i", "externalId=acme-123")["customers"]["nodes"][0]
    assert (
        _cli(emu, "getCustomer", "-i", f"customer={customer['id']}")["customer"]["name"]
        == "Acme Corp"
    )
    definition = tmp_path / "inputs.json"
    definition.write_text(json.dumps({"yamlDefinition": YAML}))
    draft = _cli(emu, "importIntegration", "--inputs-json", f"@{definition}")["importIntegration"][
        "integration"
    ]
    _cli(
        emu,
        "updateIntegration",
        "-i",
        f"integrationId={draft['id']}",
        "-i",
        "name=Orbit Planner II",
    )
    assert (
        _cli(emu, "getIntegration", "-i", f"integrationId={draft['id']}")["integration"]["name"]
        == "Orbit Planner II"
    )
    flows = _cli(emu, "listFlows", "-i", f"integrationId={draft['id']}")["integration"]["flows"][
        "nodes"
    ]
    version = _cli(
        emu, "publishIntegration", "-i", f"integrationId={draft['id']}", "-i", "comments=cli"
    )["publishIntegration"]["integration"]
    listed = _cli(
        emu, "listIntegrations", "-i", "hasUnpublishedChanges=", "-i", "nameContains=orbit"
    )
    assert [(i["name"], i["versionNumber"]) for i in listed["integrations"]["nodes"]] == [
        ("Orbit Planner II", 1)
    ]
    raw = _cli(
        emu,
        "rawRequest",
        "-i",
        f"query={CREATE_INSTANCE}",
        "-i",
        "variables=" + json.dumps({"customer": customer["id"], "integration": version["id"]}),
    )
    instance = raw["createInstance"]["instance"]["id"]
    _cli(
        emu,
        "rawRequest",
        "-i",
        f"query={SET_LOGIN}",
        "-i",
        "variables=" + json.dumps({"id": instance, "values": LOGIN}),
    )
    assert (
        _cli(emu, "deployInstance", "-i", f"instanceId={instance}")["deployInstance"]["errors"]
        == []
    )
    _cli(emu, "updateInstance", "-i", f"instanceId={instance}", "-i", "description=from the CLI")
    assert (
        _cli(emu, "getInstance", "-i", f"instanceId={instance}")["instance"]["description"]
        == "from the CLI"
    )
    _cli(emu, "disableInstnce", "-i", f"instanceId={instance}")
    listed_instances = _cli(emu, "listInstances", "-i", "enabled=false")["instances"]["nodes"]
    assert [i["id"] for i in listed_instances] == [instance]
    run = _cli(emu, "testFlow", "-i", f"flowId={flows[0]['id']}", "-i", "payload=hello")
    execution_id = run["testIntegrationFlow"]["testIntegrationFlowResult"]["execution"]["id"]
    assert (
        _cli(emu, "getExecution", "-i", f"executionId={execution_id}")["executionResult"]["status"]
        == "SUCCESS"
    )
    assert _cli(emu, "listComponents")["components"]["totalCount"] >= 8
