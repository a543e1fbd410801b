"""The emulator's alerting, signing keys, on-prem resources, workflows, conversion and
list filters, through the API: what they keep, and what they refuse and why."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
import requests
from graphql import GraphQLError

from prismatic_connector.emulator import Emulator
from prismatic_connector.emulator.seed import ACME_INVENTORY

from .receiver import Receiver


def _q(emu: Emulator, query: str, **variables: Any) -> Any:
    return emu.execute(query, variables)


def _errors(payload: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(e["field"], e["messages"]) for e in payload["errors"]]


def _instance(emu: Emulator) -> str:
    found = _q(emu, "{ instances(isSystem: false) { nodes { id } } }")
    return str(found["instances"]["nodes"][0]["id"])


LOG_TRIGGER = "QWxlcnRUcmlnZ2VyOmxvZ19zZXZlcml0eV9tYXRjaGVk"  # Log Severity Level Matched


def _first_config(emu: Emulator, instance: str) -> str:
    query = "query ($id: ID!) { instance(id: $id) { flowConfigs { nodes { id } } } }"
    return str(_q(emu, query, id=instance)["instance"]["flowConfigs"]["nodes"][0]["id"])


def _run(emu: Emulator, config: str) -> Any:
    """A test run of a flow config, as prism's instances:flow-configs:test starts one."""
    run = "mutation ($id: ID!) { testInstanceFlowConfig(input: {id: $id}) { errors { field } } }"
    return _q(emu, run, id=config)


MONITOR = """mutation ($input: CreateAlertMonitorInput!) {
  createAlertMonitor(input: $input) { alertMonitor { id } errors { field messages } } }"""


def test_monitors_refuse_what_does_not_exist(prismatic_emulator: Emulator) -> None:
    instance = _instance(prismatic_emulator)
    cases = [
        ({"name": "m", "triggers": []}, "instance"),
        ({"name": "m", "instance": instance, "triggers": []}, "triggers"),
        ({"name": "m", "instance": instance, "triggers": ["QWxlcnRUcmlnZ2VyOng="]}, "triggers"),
        (
            {
                "name": "m",
                "instance": instance,
                "triggers": [LOG_TRIGGER],
                "logSeverityLevelCondition": 42,
            },
            "logSeverityLevelCondition",
        ),
        (
            {
                "name": "m",
                "instance": instance,
                "triggers": [LOG_TRIGGER],
                "groups": ["QWxlcnRHcm91cDp4"],
            },
            "groups",
        ),
    ]
    for given, field in cases:
        answer = _q(prismatic_emulator, MONITOR, input=given)["createAlertMonitor"]
        assert answer["alertMonitor"] is None
        assert [f for f, _ in _errors(answer)] == [field], given
    assert _q(prismatic_emulator, "{ alertMonitors { totalCount } }") == {
        "alertMonitors": {"totalCount": 0}
    }


def test_a_monitor_on_another_flow_config_is_not_tripped(prismatic_emulator: Emulator) -> None:
    configs = _q(
        prismatic_emulator,
        "{ instances(isSystem: false) { nodes { flowConfigs { nodes { id } } } } }",
    )["instances"]["nodes"][0]["flowConfigs"]["nodes"]
    watched, other = configs[0]["id"], configs[1]["id"]
    made = _q(
        prismatic_emulator,
        MONITOR,
        input={
            "name": "watch one flow",
            "flowConfig": watched,
            "triggers": [LOG_TRIGGER],
            "logSeverityLevelCondition": 4,
        },
    )["createAlertMonitor"]["alertMonitor"]["id"]
    _run(prismatic_emulator, other)
    _run(prismatic_emulator, watched)  # its logs are INFO, below WARN
    state = "query ($id: ID!) { alertMonitor(id: $id) { triggered instance { id } } }"
    assert _q(prismatic_emulator, state, id=made)["alertMonitor"] == {
        "triggered": False,
        "instance": {"id": _instance(prismatic_emulator)},
    }


def test_deleting_an_instance_takes_its_monitors_and_their_events(
    prismatic_emulator: Emulator,
) -> None:
    instance = _instance(prismatic_emulator)
    made = _q(
        prismatic_emulator,
        MONITOR,
        input={
            "name": "m",
            "instance": instance,
            "triggers": [LOG_TRIGGER],
            "logSeverityLevelCondition": 1,
        },
    )
    assert made["createAlertMonitor"]["errors"] == []
    config = _first_config(prismatic_emulator, instance)
    _run(prismatic_emulator, config)
    assert _q(prismatic_emulator, "{ alertEvents { totalCount } }")["alertEvents"] == {
        "totalCount": 1
    }
    _q(
        prismatic_emulator,
        "mutation ($id: ID!) { deleteInstance(input: {id: $id}) { errors { field } } }",
        id=instance,
    )
    left = _q(prismatic_emulator, "{ alertMonitors { totalCount } alertEvents { totalCount } }")
    assert left == {"alertMonitors": {"totalCount": 0}, "alertEvents": {"totalCount": 0}}


def test_webhooks_need_a_url_a_template_and_json_headers(prismatic_emulator: Emulator) -> None:
    create = """mutation ($input: CreateAlertWebhookInput!) {
      createAlertWebhook(input: $input) { alertWebhook { id } errors { field messages } } }"""
    base = {"name": "w", "url": "https://hooks.example/a", "payloadTemplate": "{}"}
    for change, field in (
        ({"url": "ftp://hooks.example"}, "url"),
        ({"payloadTemplate": ""}, "payloadTemplate"),
        ({"headers": "[1, 2]"}, "headers"),
        ({"headers": "not json"}, "headers"),
        ({"name": " "}, "name"),
    ):
        answer = _q(prismatic_emulator, create, input={**base, **change})["createAlertWebhook"]
        assert [f for f, _ in _errors(answer)] == [field], change


def test_signing_keys_refuse_what_is_not_a_public_key(prismatic_emulator: Emulator) -> None:
    import_key = """mutation ($key: String!) { importOrganizationSigningKey(input: {publicKey: $key})
      { organizationSigningKey { id } errors { field messages } } }"""
    for key in ("", "hello", "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----"):
        answer = _q(prismatic_emulator, import_key, key=key)["importOrganizationSigningKey"]
        assert _errors(answer) == [("publicKey", ["Enter an RSA public key in PEM format."])]
    generated = _q(
        prismatic_emulator,
        "mutation { createOrganizationSigningKey(input: {}) { result { privateKey } } }",
    )["createOrganizationSigningKey"]["result"]["privateKey"]
    kept = _q(
        prismatic_emulator, "{ organization { signingKeys { nodes { privateKeyPreview } } } }"
    )["organization"]["signingKeys"]["nodes"]
    # Only a preview of the private key is kept, never the key.
    [(preview,)] = [tuple(k.values()) for k in kept]
    assert len(preview) == 8
    assert preview in generated


def test_on_prem_jwts_need_a_resource_to_rotate(prismatic_emulator: Emulator) -> None:
    rotate = """mutation ($input: RotateOnPremiseResourceJWTInput!) {
      rotateOnPremiseResourceJWT(input: $input) { result { jwt } errors { field messages } } }"""
    with pytest.raises(GraphQLError, match="Record not found"):
        _q(prismatic_emulator, rotate, input={"resourceId": "T25QcmVtaXNlUmVzb3VyY2U6eA=="})
    create = """mutation ($input: CreateOnPremiseResourceJWTInput!) {
      createOnPremiseResourceJWT(input: $input) { result { jwt } errors { field messages } } }"""
    customer = _q(prismatic_emulator, '{ customers(name: "Hooli") { nodes { id } } }')
    hooli = customer["customers"]["nodes"][0]["id"]
    both = _q(prismatic_emulator, create, input={"customerId": hooli, "orgOnly": True})
    assert [f for f, _ in _errors(both["createOnPremiseResourceJWT"])] == ["orgOnly"]
    made = _q(prismatic_emulator, create, input={"customerId": hooli})
    assert made["createOnPremiseResourceJWT"]["errors"] == []
    listed = _q(
        prismatic_emulator,
        "query ($c: ID) { onPremiseResources(customer: $c) { nodes { customer { name } } } }",
        c=hooli,
    )
    assert listed["onPremiseResources"]["nodes"] == [{"customer": {"name": "Hooli"}}]


def test_workflows_are_checked_and_replaced_by_id(prismatic_emulator: Emulator) -> None:
    imported = """mutation ($d: String!, $id: ID) { importWorkflow(input: {definition: $d, id: $id})
      { workflow { id name } errors { field messages } } }"""
    bad = _q(prismatic_emulator, imported, d="name: [unclosed")["importWorkflow"]
    assert bad["workflow"] is None
    assert bad["errors"][0]["field"] == "definition"
    first = _q(prismatic_emulator, imported, d=ACME_INVENTORY)["importWorkflow"]["workflow"]
    renamed = ACME_INVENTORY.replace("name: Acme Inventory\n", "name: Acme Stock\n", 1)
    again = _q(prismatic_emulator, imported, d=renamed, id=first["id"])["importWorkflow"]
    assert again["workflow"] == {"id": first["id"], "name": "Acme Stock"}
    assert _q(prismatic_emulator, "{ workflows { totalCount } }") == {
        "workflows": {"totalCount": 1}
    }


def test_conversion_flags_private_components_without_a_registry(
    prismatic_emulator: Emulator,
) -> None:
    private = ACME_INVENTORY.replace("name: Acme Inventory\n", "name: Private Steps\n", 1).replace(
        "{key: runCode, component: {key: code, version: LATEST, isPublic: true}}",
        "{key: sync, component: {key: acme-erp, version: LATEST, isPublic: false}}",
    )
    convert = """mutation ($id: ID!, $prefix: String) {
      convertLowCodeIntegration(input: {id: $id, registryPrefix: $prefix}) {
        convertLowCodeIntegrationFormResult { url conversionErrors { path errorType } } } }"""
    made = _q(
        prismatic_emulator,
        "mutation ($d: String!) { importIntegration(input: {definition: $d})"
        " { integration { id } errors { messages } } }",
        d=private,
    )["importIntegration"]
    integration = made["integration"]["id"]
    flagged = _q(prismatic_emulator, convert, id=integration)["convertLowCodeIntegration"]
    result = flagged["convertLowCodeIntegrationFormResult"]
    assert {e["path"] for e in result["conversionErrors"]} == {
        "flows[0].steps[2]",
        "flows[1].steps[1]",
    }
    clean = _q(prismatic_emulator, convert, id=integration, prefix="@acme")
    assert (
        clean["convertLowCodeIntegration"]["convertLowCodeIntegrationFormResult"][
            "conversionErrors"
        ]
        == []
    )


def test_conversion_zip_is_a_spectral_project(prismatic_emulator: Emulator) -> None:
    found = _q(prismatic_emulator, '{ integrations(name: "Acme Inventory") { nodes { id } } }')
    url = _q(
        prismatic_emulator,
        "mutation ($id: ID!) { convertLowCodeIntegration(input: {id: $id})"
        " { convertLowCodeIntegrationFormResult { url } } }",
        id=found["integrations"]["nodes"][0]["id"],
    )["convertLowCodeIntegration"]["convertLowCodeIntegrationFormResult"]["url"]
    answer = requests.get(url, timeout=10)
    assert answer.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    package = json.loads(archive.read("package.json"))
    assert package["name"] == "acme-inventory"
    assert "@prismatic-io/spectral" in package["dependencies"]
    index = archive.read("src/index.ts").decode()
    assert 'name: "Acme Inventory"' in index
    flows = archive.read("src/flows.ts").decode()
    assert "export default [syncInventory, nightlyReconcile];" in flows
    assert "// Step" not in flows  # comments only when asked for


def test_filter_query_selects_and_refuses_clearly(prismatic_emulator: Emulator) -> None:
    listed = "query ($f: JSONString) { components(filterQuery: $f) { nodes { key } } }"

    def keys(expression: Any) -> list[str]:
        found = _q(prismatic_emulator, listed, f=json.dumps(expression))
        return sorted(c["key"] for c in found["components"]["nodes"])

    assert keys(["or", ["in", "key", "HTTP"], ["in", "label", "schedule"]]) == [
        "http",
        "schedule-triggers",
    ]
    assert keys(["and", ["in", "label", "e"], ["not", ["eq", "key", "code"]]]) == keys(
        ["and", ["in", "label", "e"], ["not", ["in", "key", "code"]]]
    )
    assert "code" not in keys(["not", ["eq", "key", "code"]])
    for bad, said in (
        ("{not json", "filterQuery is not valid JSON."),
        (json.dumps(["like", "key", "x"]), "filterQuery: 'like' with 2 operand(s)"),
        (json.dumps({"key": "x"}), "is not an expression"),
    ):
        with pytest.raises(GraphQLError, match=said.replace("(", r"\(").replace(")", r"\)")):
            _q(prismatic_emulator, listed, f=bad)


def test_marketplace_settings_apply_to_every_version(prismatic_emulator: Emulator) -> None:
    found = _q(prismatic_emulator, '{ integrations(name: "Acme Inventory") { nodes { id } } }')
    draft = found["integrations"]["nodes"][0]["id"]
    assert _q(prismatic_emulator, "{ marketplaceIntegrations { totalCount } }") == {
        "marketplaceIntegrations": {"totalCount": 0}
    }
    _q(
        prismatic_emulator,
        "mutation ($id: ID!) { updateIntegrationMarketplaceConfiguration(input: {id: $id,"
        ' marketplaceConfiguration: "AVAILABLE_AND_DEPLOYABLE", overview: "Stock, synced"})'
        " { errors { field } } }",
        id=draft,
    )
    listed = _q(prismatic_emulator, "{ marketplaceIntegrations { nodes { name overview } } }")
    assert listed["marketplaceIntegrations"]["nodes"] == [
        {"name": "Acme Inventory", "overview": "Stock, synced"}
    ]


def test_collection_defaults_are_json_strings_as_prismatic_exports_them(
    prismatic_emulator: Emulator,
) -> None:
    found = _q(prismatic_emulator, '{ integrations(name: "Acme Inventory") { nodes { id } } }')
    exported = _q(
        prismatic_emulator,
        "query ($id: ID!) { integration(id: $id) { definition(version: 7) } }",
        id=found["integrations"]["nodes"][0]["id"],
    )["integration"]["definition"]
    assert "collectionType: keyvaluelist\n  defaultValue: '[]'" in exported
    with pytest.raises(GraphQLError, match="Definition version 3 is not supported"):
        _q(
            prismatic_emulator,
            "query ($id: ID!) { integration(id: $id) { definition(version: 3) } }",
            id=found["integrations"]["nodes"][0]["id"],
        )


def test_more_activated_connections_are_made_as_the_readme_says(
    prismatic_emulator: Emulator,
) -> None:
    from prismatic_connector.emulator.model import scoped

    with prismatic_emulator.store.write() as tx:
        scoped.add(tx, stable_key="erp", description="The ERP, for everyone", connection=None)
    listed = _q(
        prismatic_emulator,
        '{ scopedConfigVariables(managedBy: "org") { nodes { stableKey customer { id } } } }',
    )
    assert listed["scopedConfigVariables"]["nodes"] == [
        {"stableKey": "prismatic-api", "customer": None},
        {"stableKey": "erp", "customer": None},
    ]


def test_a_tripped_monitor_calls_its_webhooks_with_the_template_hydrated(
    prismatic_emulator: Emulator,
) -> None:
    endpoint = Receiver()
    try:
        template = (
            '{"subject": "$SUBJECT", "monitor": "$NAME", "trigger": "$TRIGGER",'
            ' "instance": "$INSTANCE ($INSTANCE_ID)", "customer":'
            ' "$CUSTOMER ($CUSTOMER_EXTERNAL_ID)", "flow": "$FLOW", "run": "$EXECUTION_ID", "at": "$URL"}'
        )
        webhook = _q(
            prismatic_emulator,
            "mutation ($url: String!, $t: String!, $h: String) { createAlertWebhook(input:"
            ' {name: "pager", url: $url, payloadTemplate: $t, headers: $h})'
            " { alertWebhook { id } } }",
            url=endpoint.url,
            t=template,
            h='{"X-Token": "abc"}',
        )["createAlertWebhook"]["alertWebhook"]["id"]
        group = _q(
            prismatic_emulator,
            'mutation ($w: [ID]) { createAlertGroup(input: {name: "ops", webhooks: $w})'
            " { alertGroup { id } } }",
            w=[webhook],
        )["createAlertGroup"]["alertGroup"]["id"]
        instance = _instance(prismatic_emulator)
        monitor = _q(
            prismatic_emulator,
            MONITOR,
            input={
                "name": "Noisy",
                "instance": instance,
                "triggers": [LOG_TRIGGER],
                "logSeverityLevelCondition": 3,
                "groups": [group],
                "webhooks": [webhook],  # named twice: called once
            },
        )["createAlertMonitor"]["alertMonitor"]["id"]
        config = _q(
            prismatic_emulator,
            "query ($id: ID!) { instance(id: $id) { flowConfigs { nodes { id flow { name } } } } }",
            id=instance,
        )["instance"]["flowConfigs"]["nodes"][0]
        run = _q(
            prismatic_emulator,
            "mutation ($id: ID!) { testInstanceFlowConfig(input: {id: $id})"
            " { testInstanceFlowConfigResult { execution { id } } } }",
            id=config["id"],
        )["testInstanceFlowConfig"]["testInstanceFlowConfigResult"]["execution"]["id"]
        assert endpoint.arrived.wait(10)
        [(headers, body)] = endpoint.posted
        assert headers["X-Token"] == "abc"
        assert headers["Content-Type"] == "application/json"
        assert json.loads(body) == {
            "subject": "Prismatic.io Alert",
            "monitor": "Noisy",
            "trigger": "Log Severity Level Matched",
            "instance": f"Acme Inventory ({instance})",
            "customer": "FTL Rockets (abc-123)",
            "flow": config["flow"]["name"],
            "run": run,
            "at": f"{prismatic_emulator.url}/alert-monitors/{monitor}",
        }
    finally:
        endpoint.close()


def test_a_dead_webhook_endpoint_does_not_hold_up_the_run(prismatic_emulator: Emulator) -> None:
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{unused.getsockname()[1]}/gone"
    webhook = _q(
        prismatic_emulator,
        'mutation ($url: String!) { createAlertWebhook(input: {name: "gone", url: $url,'
        ' payloadTemplate: "{}"}) { alertWebhook { id } } }',
        url=dead,
    )["createAlertWebhook"]["alertWebhook"]["id"]
    instance = _instance(prismatic_emulator)
    _q(
        prismatic_emulator,
        MONITOR,
        input={
            "name": "m",
            "instance": instance,
            "triggers": [LOG_TRIGGER],
            "logSeverityLevelCondition": 1,
            "webhooks": [webhook],
        },
    )
    config = _first_config(prismatic_emulator, instance)
    assert _run(prismatic_emulator, config)["testInstanceFlowConfig"]["errors"] == []
    assert _q(prismatic_emulator, "{ alertEvents { totalCount } }")["alertEvents"] == {
        "totalCount": 1
    }


class _UndoneError(Exception):
    pass


def test_after_commit_actions_are_dropped_with_what_a_savepoint_undoes(
    prismatic_emulator: Emulator,
) -> None:
    ran: list[str] = []

    def undone_in_a_savepoint(tx: Any) -> None:
        with tx.savepoint():
            tx.after_commit(lambda: ran.append("undone"))
            raise _UndoneError

    def rolled_back() -> None:
        with prismatic_emulator.store.write() as tx:
            tx.after_commit(lambda: ran.append("rolled back"))
            raise _UndoneError

    with prismatic_emulator.store.write() as tx:
        tx.after_commit(lambda: ran.append("kept"))
        with pytest.raises(_UndoneError):
            undone_in_a_savepoint(tx)
        assert ran == []  # nothing runs before the commit
    assert ran == ["kept"]
    with pytest.raises(_UndoneError):
        rolled_back()
    assert ran == ["kept"]
