"""Each action (the 18 documented, those the connector adds) sends the exact operation and
variables, and wraps the answer.

The recording server checks what went over the wire; defaults are read from the
manifest rather than repeated here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from prismatic_connector import Component, Connection

from .conftest import ROOT
from .loopback import RecordingServer

INSTANCE = "SW5zdGFuY2U6MWY0NmRmM2MtM2FjMi00ODMwLWExODEtZjNhN2FmN2RkNTRi"
INTEGRATION = "SW50ZWdyYXRpb246ZjY1Y2I5YTktMmZiZC00ZGE0LWIwYzktMjQ4Njc0YTY2NGMz"
CUSTOMER = "Q3VzdG9tZXI6ZDM0NTZjZWItNTNlOS00YmI5LWFhODItN2QyZDQ3YjZkMTA4"
EXECUTION = "SW5zdGFuY2VFeGVjdXRpb25SZXN1bHQ6OTdiNWQxYmEtZGUyZi00ZDY4LWIyMTgtMDFlZGMwMTQxNTM5"
FLOW = "SW50ZWdyYXRpb25GbG93OjNiMmQ2ZjEwLTk1YjctNGRjNi1hZjJlLTg1ZWVhNmY3YjI4Mw=="
PAGE = {
    "hasNextPage": False,
    "hasPreviousPage": False,
    "startCursor": "YXJyYXljb25uZWN0aW9uOjA=",
    "endCursor": "YXJyYXljb25uZWN0aW9uOjA=",
}
NO_ERRORS: list[Any] = []
YAML = "definitionVersion: 7\nname: Acme Inventory\ndescription: Sync inventory\nflows: []\n"


@dataclass
class Case:
    key: str
    inputs: dict[str, Any]
    variables: dict[str, Any]
    answer: dict[str, Any]
    defaults: bool = True  # whether the manifest defaults join the expected variables
    query: str | None = None  # the document sent, if not queries/<key>.graphql
    id: str = field(default="")


CASES = [
    Case(
        "deployInstance",
        {"instanceId": INSTANCE},
        {"instanceId": INSTANCE},
        {
            "deployInstance": {
                "instance": {
                    "id": INSTANCE,
                    "name": "Acme Inventory",
                    "enabled": True,
                    "deployedVersion": 3,
                    "lastDeployedAt": "2026-11-20T10:00:00+00:00",
                    "needsDeploy": False,
                },
                "errors": NO_ERRORS,
            }
        },
    ),
    Case(
        "disableInstnce",
        {"instanceId": INSTANCE},
        {"instanceId": INSTANCE},
        {
            "updateInstance": {
                "instance": {
                    "id": INSTANCE,
                    "name": "Acme Inventory",
                    "enabled": False,
                    "needsDeploy": False,
                    "updatedAt": "2026-11-20T10:00:00+00:00",
                },
                "errors": NO_ERRORS,
            }
        },
    ),
    Case(
        "disableInstance",
        {"instanceId": INSTANCE},
        {"instanceId": INSTANCE},
        {"updateInstance": {"instance": {"id": INSTANCE, "enabled": False}, "errors": NO_ERRORS}},
        query=(ROOT / "queries/disableInstnce.graphql").read_text(),
        id="alias",
    ),
    Case(
        "getCurrentUser",
        {},
        {},
        {
            "authenticatedUser": {
                "id": "VXNlcjox",
                "email": "lisa.nguyen@smith-rockets.co",
                "name": "Lisa Nguyen",
                "externalId": None,
                "tenantId": "7d1f",
                "avatarUrl": None,
                "createdAt": "2026-01-01T00:00:00+00:00",
                "role": {"id": "Um9sZTox", "name": "Owner"},
                "org": {"id": "T3JnOjE=", "name": "Smith Rockets", "avatarUrl": None},
                "customer": None,
            }
        },
    ),
    Case(
        "getCustomer",
        {"customer": CUSTOMER},
        {"customer": CUSTOMER},
        {
            "customer": {
                "id": CUSTOMER,
                "name": "FTL Rockets",
                "description": "Faster-than-light Rocket Company, LLC",
                "externalId": "abc-123",
                "labels": ["gold"],
                "avatarUrl": None,
                "allowEmbeddedDesigner": False,
                "createdAt": "2026-01-01T00:00:00+00:00",
                "updatedAt": "2026-01-02T00:00:00+00:00",
            }
        },
    ),
    Case(
        "getExecution",
        {"executionId": EXECUTION},
        {"executionId": EXECUTION},
        {
            "executionResult": {
                "id": EXECUTION,
                "status": "SUCCESS",
                "startedAt": "2026-11-20T10:00:00+00:00",
                "endedAt": "2026-11-20T10:00:02+00:00",
                "error": None,
                "invokeType": "INTEGRATION_FLOW_TEST",
                "isTestExecution": True,
                "stepCount": 2,
                "instance": {"id": INSTANCE, "name": "Test"},
                "flow": {"id": FLOW, "name": "Sync"},
                "integration": {"id": INTEGRATION, "name": "Acme", "versionNumber": 2},
                "stepResults": {
                    "nodes": [
                        {
                            "id": "U3RlcDox",
                            "stepName": "codeBlock",
                            "displayStepName": "Code Block",
                            "startedAt": None,
                            "endedAt": None,
                            "hasError": False,
                            "resultsUrl": "https://example.invalid/r",
                        }
                    ]
                },
                "logs": {
                    "nodes": [
                        {
                            "timestamp": "2026-11-20T10:00:01+00:00",
                            "severity": "INFO",
                            "stepName": "codeBlock",
                            "message": "Ending Instance",
                        }
                    ]
                },
            }
        },
    ),
    Case(
        "getInstance",
        {"instanceId": INSTANCE},
        {"instanceId": INSTANCE},
        {
            "instance": {
                "id": INSTANCE,
                "name": "Acme Inventory",
                "description": "",
                "enabled": True,
                "labels": [],
                "deployedVersion": 1,
                "lastDeployedAt": None,
                "needsDeploy": True,
                "inFailedState": False,
                "lastExecutedAt": None,
                "configState": "FULLY_CONFIGURED",
                "createdAt": "2026-11-20T10:00:00+00:00",
                "updatedAt": None,
                "customer": {"id": CUSTOMER, "name": "FTL Rockets", "externalId": "abc-123"},
                "integration": {"id": INTEGRATION, "name": "Acme", "versionNumber": 1},
                "flowConfigs": {
                    "nodes": [
                        {
                            "id": "RkM6MQ==",
                            "webhookUrl": "https://hooks.example.invalid/trigger/x",
                            "flow": {"id": FLOW, "name": "Sync"},
                        }
                    ]
                },
            }
        },
    ),
    Case(
        "getIntegration",
        {"integrationId": INTEGRATION},
        {"integrationId": INTEGRATION},
        {
            "integration": {
                "id": INTEGRATION,
                "name": "Acme Inventory",
                "versionNumber": 0,
                "hasUnpublishedChanges": True,
                "flows": {"nodes": []},
                "systemInstance": {"id": INSTANCE},
            }
        },
    ),
    Case(
        "importIntegration",
        {"yamlDefinition": YAML},
        {"yamlDefinition": YAML},
        {
            "importIntegration": {
                "integration": {
                    "id": INTEGRATION,
                    "name": "Acme Inventory",
                    "versionNumber": 0,
                    "hasUnpublishedChanges": True,
                    "systemInstance": {"id": INSTANCE},
                    "flows": {"nodes": []},
                },
                "errors": NO_ERRORS,
            }
        },
    ),
    Case(
        "importIntegration",
        {"integrationId": INTEGRATION, "yamlDefinition": YAML},
        {"integrationId": INTEGRATION, "yamlDefinition": YAML},
        {"importIntegration": {"integration": {"id": INTEGRATION}, "errors": NO_ERRORS}},
        id="replace-draft",
    ),
    Case(
        "listComponents",
        {},
        {},
        {
            "components": {
                "nodes": [
                    {
                        "id": "Q29tcG9uZW50OjE=",
                        "key": "http",
                        "label": "HTTP",
                        "description": "HTTP requests",
                        "category": "Application Connectors",
                        "public": True,
                        "versionNumber": 12,
                        "versionCreatedAt": "2026-01-01T00:00:00+00:00",
                        "customer": None,
                    }
                ],
                "pageInfo": PAGE,
                "totalCount": 1,
            }
        },
    ),
    Case(
        "listCustomers",
        {"nameContains": "rocket", "offset": "5", "last": 3},
        {"nameContains": "rocket", "offset": 5, "last": 3},
        {
            "customers": {
                "nodes": [{"id": CUSTOMER, "name": "FTL Rockets"}],
                "pageInfo": PAGE,
                "totalCount": 1,
            }
        },
    ),
    Case(
        "listFlows",
        {"integrationId": INTEGRATION},
        {"integrationId": INTEGRATION},
        {
            "integration": {
                "id": INTEGRATION,
                "name": "Acme",
                "flows": {
                    "nodes": [{"id": FLOW, "name": "Sync"}],
                    "pageInfo": PAGE,
                    "totalCount": 1,
                },
            }
        },
    ),
    Case(
        "listInstances",
        {},
        {},
        {
            "instances": {
                "pageInfo": PAGE,
                "totalCount": 1,
                "nodes": [
                    {
                        "id": INSTANCE,
                        "updatedAt": "2022-02-28T21:04:42.282103+00:00",
                        "labels": ["Example Labels"],
                        "name": "Test Instance",
                        "customer": {"id": CUSTOMER},
                    }
                ],
            }
        },
    ),
    Case(
        "listInstances",
        {"enabled": "false", "first": "10", "customerExternalId": "abc-123", "needsDeploy": ""},
        {"enabled": False, "first": 10, "customerExternalId": "abc-123"},
        {"instances": {"nodes": [], "pageInfo": PAGE, "totalCount": 0}},
        defaults=False,
        id="coerced-and-unfiltered",
    ),
    Case(
        "listIntegrations",
        {},
        {},
        {
            "integrations": {
                "nodes": [
                    {
                        "id": "example3843985702395",
                        "labels": ["Example Labels"],
                        "avatarUrl": "",
                        "name": "example",
                        "createdAt": "2022-02-28T20:52:49.763944+00:00",
                        "category": None,
                        "allowRemove": True,
                        "actions": {"nodes": [{"id": "r80837409928349uf2309f3"}]},
                        "flows": {"edges": [{"node": {"id": "28y9483f893dwe"}}]},
                    }
                ],
                "pageInfo": PAGE,
                "totalCount": 1,
            }
        },
    ),
    Case(
        "listIntegrations",
        {
            "allVersions": True,
            "versionNumber": "2",
            "marketplaceConfig": "AVAILABLE_AND_DEPLOYABLE",
            "hasUnpublishedChanges": None,
        },
        {
            "allVersions": True,
            "versionNumber": 2,
            "marketplaceConfig": "AVAILABLE_AND_DEPLOYABLE",
            "hasInstances": False,
            "marketplace": False,
            "versionIsAvailable": True,
        },
        {"integrations": {"nodes": [], "pageInfo": PAGE, "totalCount": 0}},
        defaults=False,
        id="filters",
    ),
    Case(
        "publishIntegration",
        {"integrationId": INTEGRATION, "comments": "Added ERP export functionality"},
        {"integrationId": INTEGRATION, "comments": "Added ERP export functionality"},
        {
            "publishIntegration": {
                "integration": {
                    "id": INTEGRATION,
                    "versionNumber": 4,
                    "versionComment": "Added ERP export functionality",
                },
                "errors": NO_ERRORS,
            }
        },
    ),
    Case(
        "rawRequest",
        {"variables": {"myCustomerId": CUSTOMER}},
        {"myCustomerId": CUSTOMER},
        {"customer": {"id": CUSTOMER, "name": "FTL Rockets", "externalId": "abc-123"}},
        query=(ROOT / "queries/rawRequest.graphql").read_text().split("\n", 1)[1],
    ),
    Case(
        "rawRequest",
        {
            "query": "mutation ($id: ID!) { deleteCustomer(input: {id: $id}) { errors { field messages } } }",
            "variables": [{"name": "id", "type": "value", "value": CUSTOMER}],
        },
        {"id": CUSTOMER},
        {"deleteCustomer": {"errors": NO_ERRORS}},
        query="mutation ($id: ID!) { deleteCustomer(input: {id: $id}) { errors { field messages } } }",
        id="pairs",
    ),
    Case(
        "rawRequest",
        {"query": "{ authenticatedUser { id } }", "variables": '{"unused": 1}'},
        {"unused": 1},
        {"authenticatedUser": {"id": "VXNlcjox"}},
        query="{ authenticatedUser { id } }",
        id="json-text",
    ),
    Case(
        "testFlow",
        {"flowId": FLOW, "payload": '{"sku": "A-1"}', "contentType": "application/json"},
        {"flowId": FLOW, "payload": '{"sku": "A-1"}', "contentType": "application/json"},
        {
            "testIntegrationFlow": {
                "testIntegrationFlowResult": {
                    "statusCode": 200,
                    "headers": "{}",
                    "body": "",
                    "flow": {"id": FLOW, "name": "Sync"},
                    "execution": {"id": EXECUTION, "status": "SUCCESS"},
                },
                "errors": NO_ERRORS,
            }
        },
    ),
    Case(
        "updateInstance",
        {"instanceId": INSTANCE, "name": "Acme Inventory (EU)"},
        {"instanceId": INSTANCE, "name": "Acme Inventory (EU)"},
        {
            "updateInstance": {
                "instance": {"id": INSTANCE, "name": "Acme Inventory (EU)"},
                "errors": NO_ERRORS,
            }
        },
    ),
    Case(
        "updateIntegration",
        {"integrationId": INTEGRATION, "description": "New text", "name": ""},
        {"integrationId": INTEGRATION, "description": "New text"},
        {
            "updateIntegration": {
                "integration": {"id": INTEGRATION, "description": "New text"},
                "errors": NO_ERRORS,
            }
        },
    ),
    # Added by the connector.
    Case(
        "updateInstanceVersion",
        {"instanceId": INSTANCE, "versionId": INTEGRATION},
        {"instanceId": INSTANCE, "versionId": INTEGRATION},
        {
            "updateInstance": {
                "instance": {"id": INSTANCE, "needsDeploy": True},
                "errors": NO_ERRORS,
            }
        },
    ),
    Case(
        "updateInstanceConfigVariables",
        {"instanceId": INSTANCE, "configVariables": '[{"key": "Endpoint", "value": "https://a"}]'},
        {"instanceId": INSTANCE, "configVariables": [{"key": "Endpoint", "value": "https://a"}]},
        {
            "updateInstanceConfigVariables": {
                "instance": {"id": INSTANCE, "needsDeploy": True},
                "errors": NO_ERRORS,
            }
        },
    ),
    Case(
        "bulkUpdateInstancesToLatestVersion",
        {"integrationId": INTEGRATION},
        {"integrationId": INTEGRATION},
        {
            "bulkUpdateInstancesToLatestIntegrationVersion": {
                "integration": {"id": INTEGRATION, "versionNumber": 4},
                "errors": NO_ERRORS,
            }
        },
    ),
    Case(
        "listExecutions",
        {
            "status": "error",
            "instance": INSTANCE,
            "startedAfter": "2026-11-20T10:00:00Z",
            "hasError": "true",
            "isReplay": False,
            "ids": f"{EXECUTION}, {EXECUTION}2",
        },
        {
            "executionStatus": "ERROR",
            "instance": INSTANCE,
            "startedAfter": "2026-11-20T10:00:00Z",
            "errorIsnull": False,
            "originalsOnly": True,
            "idIn": [EXECUTION, f"{EXECUTION}2"],
        },
        {"executionResults": {"nodes": [], "pageInfo": PAGE, "totalCount": 0}},
    ),
    Case(
        "replayExecution",
        {"executionId": EXECUTION},
        {"executionId": EXECUTION},
        {
            "replayExecution": {
                "instanceExecutionResult": {"id": EXECUTION, "replayForExecution": None},
                "errors": NO_ERRORS,
            }
        },
    ),
    Case(
        "listLogs",
        {"execution": EXECUTION, "since": "2026-11-20T10:00:00+01:00", "first": 50},
        {"execution": EXECUTION, "since": "2026-11-20T10:00:00+01:00", "first": 50},
        {"logs": {"nodes": [], "pageInfo": PAGE, "totalCount": 0}},
    ),
]


def _case_id(case: Case) -> str:
    return f"{case.key}-{case.id}" if case.id else case.key


def test_every_action_has_a_wire_case(component: Component) -> None:
    covered = {component.action(case.key).key for case in CASES}
    assert covered == {action.key for action in component.actions}


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_action_sends_exact_operation_and_wraps_answer(
    case: Case, component: Component, server: RecordingServer, connection: Connection
) -> None:
    server.reply_data(case.answer)
    action = component.action(case.key)

    envelope = component.invoke(case.key, case.inputs, connection=connection)

    expected_vars = dict(case.variables)
    if case.defaults:
        defaults = {s.key: s.default for s in action.value_inputs if s.has_default and not s.hook}
        expected_vars = {**defaults, **expected_vars}
    expected_query = case.query or (ROOT / "queries" / f"{action.key}.graphql").read_text()
    assert len(server.api_calls) == 1
    sent = server.api_calls[0]
    assert sent.body == {"query": expected_query, "variables": expected_vars}
    assert sent.headers["Authorization"].startswith("Bearer at-")
    assert sent.headers["Content-Type"] == "application/json"
    assert envelope == {"data": {"status": 200, "data": case.answer}}


def test_list_instances_defaults_are_the_documented_ones(
    component: Component, server: RecordingServer, connection: Connection
) -> None:
    server.reply_data({"instances": {"nodes": [], "pageInfo": PAGE, "totalCount": 0}})
    component.invoke("listInstances", {}, connection=connection)
    assert server.api_calls[0].body["variables"] == {"enabled": True, "needsDeploy": False}


def test_list_integrations_defaults_are_the_documented_ones(
    component: Component, server: RecordingServer, connection: Connection
) -> None:
    server.reply_data({"integrations": {"nodes": [], "pageInfo": PAGE, "totalCount": 0}})
    component.invoke("listIntegrations", {}, connection=connection)
    assert server.api_calls[0].body["variables"] == {
        "allVersions": False,
        "hasInstances": False,
        "hasUnpublishedChanges": True,
        "marketplace": False,
        "versionIsAvailable": True,
    }


def test_workflow_reference_resolves_into_graphql_data(
    component: Component, server: RecordingServer, connection: Connection
) -> None:
    errors = [{"field": "__all__", "messages": ["Instance is not fully configured."]}]
    server.reply_data({"deployInstance": {"instance": None, "errors": errors}})
    results = component.invoke("deployInstance", {"instanceId": INSTANCE}, connection=connection)
    # As Prismatic's published integrations read it: deployInstance.results.data.data.deployInstance.errors
    assert results["data"]["data"]["deployInstance"]["errors"] == errors
