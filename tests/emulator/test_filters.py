"""Filters through references served by the indexes of both ends: the answers are those
of the plain filters, record for record.

The plain filters are the same functions without the transaction (``filters(args,
listing)``): they follow every record's references, as the emulator did before.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from prismatic_connector.emulator import Emulator
from prismatic_connector.emulator.query import PLAIN, filters
from prismatic_connector.emulator.transaction import Tx

ROOT = Path(__file__).resolve().parents[2]
LIST = (ROOT / "queries/listInstances.graphql").read_text(encoding="utf-8")


def _ids(tx: Tx, kind: str, args: dict[str, Any], *, indexed: bool) -> list[str]:
    condition = filters(args, PLAIN, "r.data", tx, kind) if indexed else filters(args, PLAIN)
    return [record["id"] for record in tx.select(kind, condition)]


@pytest.fixture(scope="module")
def runs() -> Iterator[Emulator]:
    with Emulator(seed="demo", scale={"instances": 40, "executions": 24}) as emu:
        flow = emu.execute(
            "{ instances(isSystem: false, first: 1) { nodes { flowConfigs { nodes { id } } } } }"
        )
        config = flow["instances"]["nodes"][0]["flowConfigs"]["nodes"][0]["id"]
        emu.execute(
            "mutation ($id: ID!) { testInstanceFlowConfig(input: {id: $id}) { errors { field } } }",
            {"id": config},
        )
        customer = emu.execute('{ customers(externalId: "abc-123") { nodes { id } } }')
        role = emu.execute("{ customerRoles { id } }")["customerRoles"][0]["id"]
        emu.execute(
            "mutation ($c: ID!, $r: ID!) { createCustomerUser(input: {customer: $c, role: $r,"
            ' email: "pat@ftl.example", name: "Pat"}) { errors { field messages } } }',
            {"c": customer["customers"]["nodes"][0]["id"], "r": role},
        )
        yield emu


def _relation_cases(tx: Tx) -> list[tuple[str, dict[str, Any]]]:
    instance = tx.select("Instance", limit=1, offset=3)[0]
    system = tx.first("Instance", isSystem=True) or {}
    version = tx.get("Integration", instance["integration"]) or {}
    flow = tx.select("IntegrationFlow", limit=1)[0]
    sequence = version["versionSequenceId"]
    cases: list[tuple[str, dict[str, Any]]] = [
        ("Instance", {"customer_ExternalId": "acme-123"}),
        ("Instance", {"customer_ExternalId": "no-such-id"}),
        ("Instance", {"customer_ExternalId_In": ["acme-123", "abc-123", "x"]}),
        ("Instance", {"customer_ExternalId_In": []}),
        ("Instance", {"customer_ExternalId_Isnull": True}),
        ("Instance", {"customer_ExternalId_Isnull": False}),
        ("Instance", {"customer_Name_Icontains": "CORP"}),
        ("Instance", {"customer_Labels_Icontains": "gold"}),
        ("Instance", {"integration_VersionSequenceId": sequence}),
        (
            "Instance",
            {"customer_ExternalId": "acme-123", "integration_VersionSequenceId": sequence},
        ),
        ("InstanceFlowConfig", {"flow_Name": flow["name"]}),
        ("InstanceFlowConfig", {"instance_Customer_ExternalId": "abc-123"}),
        ("InstanceFlowConfig", {"instance_Customer_Name_Istartswith": "ftl"}),
    ]
    for kind in ("InstanceExecutionResult", "Log"):
        cases += [
            (kind, {"instance_Customer": instance["customer"]}),
            (kind, {"instance_Integration": instance["integration"]}),
            (kind, {"instance_IsSystem": True}),
            (kind, {"instance_IsSystem": False}),
            (kind, {"instance_Isnull": True}),
            (kind, {"flowConfig_Flow": flow["id"]}),
            (kind, {"instance_Integration_VersionSequenceId": sequence}),
            (kind, {"instance_Customer_ExternalId": "abc-123"}),
        ]
    cases += [
        ("InstanceExecutionResult", {"integration_VersionSequenceId": sequence}),
        ("Log", {"executionResult_IsTestExecution": True}),
        ("Log", {"executionResult_IsTestExecution": False}),
        ("Log", {"executionResult_Instance_Name_Icontains": "#0000"}),
        ("InstanceStepResult", {"executionResult_Instance": system.get("id")}),
        # The organization's users hold no customer: unset, as following it finds nothing.
        ("User", {"customer_ExternalId_Isnull": True}),
        ("User", {"customer_ExternalId_Isnull": False}),
        ("User", {"customer_Name_Icontains": "ftl"}),
    ]
    return cases


def test_filters_through_references_answer_as_following_them_does(runs: Emulator) -> None:
    found_some = 0
    with runs.store.read() as tx:
        for kind, args in _relation_cases(tx):
            indexed = _ids(tx, kind, args, indexed=True)
            assert indexed == _ids(tx, kind, args, indexed=False), (kind, args)
            found_some += bool(indexed)
    assert found_some >= 20


def test_the_documented_external_id_input_lists_that_customers_instances(runs: Emulator) -> None:
    customer = runs.execute('{ customers(externalId: "acme-123") { nodes { id } } }')
    by_id = runs.execute(LIST, {"customer": customer["customers"]["nodes"][0]["id"], "first": 100})
    by_external = runs.execute(LIST, {"customerExternalId": "acme-123", "first": 100})
    assert by_external == by_id
    assert by_external["instances"]["totalCount"] >= 5
    nobody = runs.execute(LIST, {"customerExternalId": "no-such-id"})["instances"]
    assert nobody["totalCount"] == 0
