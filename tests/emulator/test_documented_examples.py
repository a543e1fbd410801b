"""Every query and mutation example of Prismatic's API guides runs against the emulator
through the rawRequest action, and answers in the shape the guide shows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from prismatic_connector import Component, Connection
from prismatic_connector.emulator import Emulator

# The documents as the guides print them, one line each.
FETCH_CUSTOMER = (
    "query ($myCustomerId: ID!) {  customer(id: $myCustomerId) {    id    name    externalId  }}"
)
FETCH_CUSTOMERS = "query exampleGetCustomers {  customers(isSystem: false) {    nodes {      id      name      externalId    }  }}"
CREATE_CUSTOMER = "mutation ($customerName: String!, $customerDescription: String, $customerExternalId: String) {  createCustomer(    input: {name: $customerName, description: $customerDescription, externalId: $customerExternalId}  ) {    customer {      id    }    errors {      field      messages    }  }}"
UPDATE_CUSTOMER = "mutation ($customerId: ID!, $newDescription: String) {  updateCustomer(input: {id: $customerId, description: $newDescription}) {    errors {      field      messages    }  }}"
DELETE_CUSTOMER = "mutation ($customerId: ID!) {  deleteCustomer(input: {id: $customerId}) {    customer {      name    }    errors {      field      messages    }  }}"
ORG_ROLES = "query {  organizationRoles {    id    name    permissions {      nodes {        name        description      }    }  }}"
CREATE_ORG_USER = "mutation ($email: String!, $name: String, $externalId: String, $role: ID!) {  createOrganizationUser(    input: {email: $email, name: $name, externalId: $externalId, role: $role}  ) {    user {      id      name      email      externalId    }    errors {      field      messages    }  }}"
CUSTOMER_USERS = "query {  customers(isSystem: false) {    nodes {      id      name      users {        nodes {          id          email          name          externalId        }      }    }  }}"
FIND_VERSIONS = "query ($integrationName: String!) {  integrations(    name: $integrationName    allVersions: true    versionIsAvailable: true    sortBy: {direction: DESC, field: VERSION_NUMBER}  ) {    nodes {      id      name      versionNumber    }  }}"
CREATE_INSTANCE = "mutation ($customerId: ID!, $integrationId: ID!, $name: String!) {  createInstance(    input: {customer: $customerId, integration: $integrationId, name: $name}  ) {    instance {      id      name      flowConfigs {        nodes {          flow {            name          }          webhookUrl        }      }    }    errors {      field      messages    }  }}"
INSTANCE_CONFIG = "query ($instanceId: ID!) {  instance(id: $instanceId) {    id    name    configVariables {      nodes {        requiredConfigVariable {          key          collectionType          dataType          defaultValue        }        value        inputs {          nodes {            name            type            value          }        }      }    }  }}"
UPDATE_INSTANCE = "mutation ($instanceId: ID!, $configVariables: [InputInstanceConfigVariable]) {  updateInstance(input: {id: $instanceId, configVariables: $configVariables}) {    instance {      id      name      configVariables {        nodes {          requiredConfigVariable {            key          }          value          inputs {            nodes {              name              value            }          }        }      }    }    errors {      field      messages    }  }}"
UPDATE_CONFIG = "mutation ($instanceId: ID!, $configVariables: [InputInstanceConfigVariable]) {  updateInstanceConfigVariables(    input: {id: $instanceId, configVariables: $configVariables}  ) {    instance {      id    }    errors {      field      messages    }  }}"
DEPLOY = "mutation ($instanceId: ID!) {  deployInstance(input: {id: $instanceId}) {    instance {      name      enabled      deployedVersion      lastDeployedAt    }    errors {      field      messages    }  }}"
EXECUTION = 'query ($executionId: ID!) {  executionResult(id: $executionId) {    startedAt    endedAt    error    stepResults (stepName: "codeBlock") {      nodes {        stepName        resultsUrl      }    }  }}'
PAGE = "query getPageOfInstances($cursor: String) {  instances(after: $cursor) {    nodes {      id      name    }    pageInfo {      hasNextPage      endCursor    }  }}"
CREATE_INTEGRATION = 'mutation { createIntegration( input: { name: "Send a .rocket render to the 3D printer" description: "Fetch a .rocket file, convert it to AutoCAD, and queue the print job" } ) { integration { id } }}'
LIST_INTEGRATIONS = "query { integrations { nodes { id name description } }}"
PUBLISH = 'mutation { publishIntegration( input: { id: "ID" comment: "Added ERP export functionality" } ) { integration { id } }}'
FORK = 'mutation { forkIntegration( input: { parent: "ID" name: "My new integration" description: "A fork of my old integration!" } ) { integration { id } }}'
DELETE_INTEGRATION = 'mutation { deleteIntegration( input: { id: "ID" } ) { integration { id } }}'

CONFIG_VALUES = [
    {
        "key": "Acme Inventory User/Pass",
        "values": '[{"name":"username","type":"value","value":"my.username"},{"name":"password","type":"value","value":"Pa$$W0Rd"}]',
    },
    {"key": "Acme Inventory Endpoint", "value": "https://app.acme.com/api"},
    {"key": "Sync Inventory Item Metadata?", "value": "true"},
    {
        "key": "Inventory Field Mapping",
        "value": '[{"key":"qty","value":"Quantity"},{"key":"usd","value":"Price"}]',
    },
]


@pytest.fixture
def raw(component: Component, prismatic_emulator: Emulator) -> Iterator[Any]:
    conn = Connection(prismatic_emulator.refresh_token, base_url=prismatic_emulator.url)

    def run(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        inputs: dict[str, Any] = {"query": query}
        if variables is not None:
            inputs["variables"] = variables
        envelope = component.invoke("rawRequest", inputs, connection=conn)
        assert envelope["data"]["status"] == 200
        data: dict[str, Any] = envelope["data"]["data"]
        return data

    yield run
    conn.close()


def test_customer_examples(raw: Any) -> None:
    created = raw(
        CREATE_CUSTOMER,
        {
            "customerName": "FTL Rockets 2",
            "customerDescription": "Faster-than-light Rocket Company, LLC",
            "customerExternalId": "abc-124",
        },
    )
    assert created["createCustomer"]["errors"] == []
    customer_id = created["createCustomer"]["customer"]["id"]
    assert raw(FETCH_CUSTOMER, {"myCustomerId": customer_id}) == {
        "customer": {"id": customer_id, "name": "FTL Rockets 2", "externalId": "abc-124"}
    }
    listed = raw(FETCH_CUSTOMERS)["customers"]["nodes"]
    assert {"id", "name", "externalId"} == set(listed[0])
    assert len(listed) == 5
    assert raw(
        UPDATE_CUSTOMER, {"customerId": customer_id, "newDescription": "My Updated Description"}
    ) == {"updateCustomer": {"errors": []}}
    assert raw(DELETE_CUSTOMER, {"customerId": customer_id}) == {
        "deleteCustomer": {"customer": {"name": "FTL Rockets 2"}, "errors": []}
    }
    again = raw(CREATE_CUSTOMER, {"customerName": "FTL Rockets", "customerExternalId": "abc-123"})
    assert {e["field"] for e in again["createCustomer"]["errors"]} == {"name", "externalId"}


def test_user_examples(raw: Any) -> None:
    roles = raw(ORG_ROLES)["organizationRoles"]
    assert {"Owner", "Admin"} <= {r["name"] for r in roles}
    assert set(roles[0]["permissions"]["nodes"][0]) == {"name", "description"}
    admin = next(r for r in roles if r["name"] == "Admin")
    created = raw(
        CREATE_ORG_USER,
        {
            "email": "lisa.nguyen@smith-rockets.co",
            "name": "Lisa Nguyen",
            "externalId": "ABCCBC0B-98D0-453B-A795-0B430EFBF020",
            "role": admin["id"],
        },
    )
    user = created["createOrganizationUser"]["user"]
    assert (user["email"], user["externalId"], created["createOrganizationUser"]["errors"]) == (
        "lisa.nguyen@smith-rockets.co",
        "ABCCBC0B-98D0-453B-A795-0B430EFBF020",
        [],
    )
    customers = raw(CUSTOMER_USERS)["customers"]["nodes"]
    assert all(c["users"]["nodes"] == [] for c in customers)


def test_instance_examples(raw: Any, prismatic_emulator: Emulator) -> None:
    versions = raw(FIND_VERSIONS, {"integrationName": "Acme Inventory"})["integrations"]["nodes"]
    assert versions[0]["versionNumber"] == 1
    assert versions[0]["name"] == "Acme Inventory"
    customer = raw(FETCH_CUSTOMERS)["customers"]["nodes"][1]
    created = raw(
        CREATE_INSTANCE,
        {
            "customerId": customer["id"],
            "integrationId": versions[0]["id"],
            "name": "Acme Inventory",
        },
    )["createInstance"]
    assert created["errors"] == []
    instance = created["instance"]
    assert [c["flow"]["name"] for c in instance["flowConfigs"]["nodes"]] == [
        "Sync Inventory",
        "Nightly Reconcile",
    ]
    assert all(
        c["webhookUrl"].startswith(prismatic_emulator.url) for c in instance["flowConfigs"]["nodes"]
    )

    config = raw(INSTANCE_CONFIG, {"instanceId": instance["id"]})["instance"]["configVariables"][
        "nodes"
    ]
    by_key = {c["requiredConfigVariable"]["key"]: c for c in config}
    assert by_key["Inventory Field Mapping"] == {
        "requiredConfigVariable": {
            "key": "Inventory Field Mapping",
            "collectionType": "KEYVALUELIST",
            "dataType": "STRING",
            "defaultValue": "[]",
        },
        "value": "[]",
        "inputs": {"nodes": []},
    }
    assert by_key["Sync Inventory Item Metadata?"]["value"] == "false"
    assert by_key["Acme Inventory Endpoint"]["value"] == ""
    login = by_key["Acme Inventory User/Pass"]
    assert login["value"] is None
    assert login["requiredConfigVariable"]["defaultValue"] is None
    assert sorted(login["inputs"]["nodes"], key=lambda i: i["name"]) == [
        {"name": "password", "type": "VALUE", "value": ""},
        {"name": "username", "type": "VALUE", "value": ""},
    ]

    updated = raw(
        UPDATE_INSTANCE, {"instanceId": instance["id"], "configVariables": CONFIG_VALUES}
    )["updateInstance"]
    assert updated["errors"] == []
    values = {
        c["requiredConfigVariable"]["key"]: c
        for c in updated["instance"]["configVariables"]["nodes"]
    }
    assert values["Acme Inventory Endpoint"]["value"] == "https://app.acme.com/api"
    assert {
        i["name"]: i["value"] for i in values["Acme Inventory User/Pass"]["inputs"]["nodes"]
    } == {"username": "my.username", "password": "Pa$$W0Rd"}

    only_one = [{"key": "Acme Inventory Endpoint", "value": "https://eu.acme.com/api"}]
    assert raw(UPDATE_CONFIG, {"instanceId": instance["id"], "configVariables": only_one}) == {
        "updateInstanceConfigVariables": {"instance": {"id": instance["id"]}, "errors": []}
    }
    kept = {
        c["requiredConfigVariable"]["key"]: c["value"]
        for c in raw(INSTANCE_CONFIG, {"instanceId": instance["id"]})["instance"][
            "configVariables"
        ]["nodes"]
    }
    assert kept["Acme Inventory Endpoint"] == "https://eu.acme.com/api"
    assert kept["Sync Inventory Item Metadata?"] == "true"

    deployed = raw(DEPLOY, {"instanceId": instance["id"]})["deployInstance"]
    assert deployed["errors"] == []
    assert deployed["instance"]["name"] == "Acme Inventory"
    assert deployed["instance"]["deployedVersion"] == 1
    assert deployed["instance"]["enabled"] is True
    assert deployed["instance"]["lastDeployedAt"]

    # As the guide warns, updateInstance resets every config variable it is not given.
    reset = raw(UPDATE_INSTANCE, {"instanceId": instance["id"], "configVariables": only_one})[
        "updateInstance"
    ]
    after = {
        c["requiredConfigVariable"]["key"]: c["value"]
        for c in reset["instance"]["configVariables"]["nodes"]
    }
    assert after["Sync Inventory Item Metadata?"] == "false"
    assert after["Inventory Field Mapping"] == "[]"
    assert after["Acme Inventory Endpoint"] == "https://eu.acme.com/api"

    page = raw(PAGE, {"cursor": ""})["instances"]
    assert {n["name"] for n in page["nodes"]} >= {"Acme Inventory"}
    assert page["pageInfo"]["hasNextPage"] is False
    assert page["pageInfo"]["endCursor"]


def test_execution_example(raw: Any, prismatic_emulator: Emulator) -> None:
    flow = prismatic_emulator.execute(
        '{ integrations(name: "Acme Inventory") { nodes { flows { nodes { id } } } } }'
    )["integrations"]["nodes"][0]["flows"]["nodes"][0]
    run = prismatic_emulator.execute(
        'mutation ($id: ID!) { testIntegrationFlow(input: {id: $id, payload: "{}", contentType: "application/json"}) '
        "{ testIntegrationFlowResult { execution { id } } } }",
        {"id": flow["id"]},
    )
    execution_id = run["testIntegrationFlow"]["testIntegrationFlowResult"]["execution"]["id"]
    result = raw(EXECUTION, {"executionId": execution_id})["executionResult"]
    assert result["endedAt"]
    assert result["error"] is None
    assert result["startedAt"] <= result["endedAt"]
    assert result["stepResults"]["nodes"] == []  # no step of this flow is named "Code Block"


def test_integration_examples(raw: Any) -> None:
    created = raw(CREATE_INTEGRATION)["createIntegration"]["integration"]["id"]
    listed = raw(LIST_INTEGRATIONS)["integrations"]["nodes"]
    assert {
        "id": created,
        "name": "Send a .rocket render to the 3D printer",
        "description": "Fetch a .rocket file, convert it to AutoCAD, and queue the print job",
    } in listed
    published = raw(PUBLISH.replace('"ID"', json.dumps(created)))["publishIntegration"][
        "integration"
    ]["id"]
    assert published != created
    fork = raw(FORK.replace('"ID"', json.dumps(created)))["forkIntegration"]["integration"]["id"]
    assert raw(DELETE_INTEGRATION.replace('"ID"', json.dumps(fork))) == {
        "deleteIntegration": {"integration": {"id": fork}}
    }
    remaining = {i["name"] for i in raw(LIST_INTEGRATIONS)["integrations"]["nodes"]}
    assert "My new integration" not in remaining
    assert "Send a .rocket render to the 3D printer" in remaining


def test_deleting_an_integration_deletes_its_instances(
    raw: Any, prismatic_emulator: Emulator
) -> None:
    acme = prismatic_emulator.execute('{ integrations(name: "Acme Inventory") { nodes { id } } }')
    acme_id = acme["integrations"]["nodes"][0]["id"]
    assert (
        raw(DELETE_INTEGRATION.replace('"ID"', json.dumps(acme_id)))["deleteIntegration"][
            "integration"
        ]["id"]
        == acme_id
    )
    left = [n["name"] for n in raw(PAGE, {"cursor": ""})["instances"]["nodes"]]
    assert left == [
        "Salesforce Contacts (test instance)"
    ]  # only the other integration's test instance
