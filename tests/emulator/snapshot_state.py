"""An emulator holding at least one record of every type the layout names, and a full
read of its state: through the API (every list the schema has, every plain field of
what it lists) and straight from the store's tables."""

from __future__ import annotations

import sqlite3
from typing import Any

from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLScalarType, get_named_type

from prismatic_connector.emulator import Emulator
from prismatic_connector.emulator.engine import registry
from prismatic_connector.emulator.seed import ACME_INVENTORY

LOG_TRIGGER = "QWxlcnRUcmlnZ2VyOmxvZ19zZXZlcml0eV9tYXRjaGVk"  # Log Severity Level Matched


def q(emu: Emulator, query: str, **variables: Any) -> Any:
    return emu.execute(query, variables)


def make_every_type(emu: Emulator) -> None:
    """The demo seed's records, and one of each kind it does not make."""
    instance = q(emu, "{ instances(isSystem: false) { nodes { id } } }")["instances"]["nodes"][0]
    config = q(
        emu,
        "query ($id: ID!) { instance(id: $id) { flowConfigs { nodes { id } } } }",
        id=instance["id"],
    )["instance"]["flowConfigs"]["nodes"][0]["id"]
    webhook = q(
        emu,
        'mutation { createAlertWebhook(input: {name: "pager", url: "http://127.0.0.1:9/x",'
        ' payloadTemplate: "{}"}) { alertWebhook { id } } }',
    )["createAlertWebhook"]["alertWebhook"]["id"]
    q(
        emu,
        'mutation ($w: [ID]) { createAlertGroup(input: {name: "ops", webhooks: $w})'
        " { alertGroup { id } } }",
        w=[webhook],
    )
    monitor = {
        "name": "every log",
        "instance": instance["id"],
        "triggers": [LOG_TRIGGER],
        "logSeverityLevelCondition": 1,
    }
    q(
        emu,
        "mutation ($input: CreateAlertMonitorInput!) { createAlertMonitor(input: $input)"
        " { errors { field messages } } }",
        input=monitor,
    )
    # A run: its result, its steps, its logs, and the monitor's event.
    q(
        emu,
        "mutation ($id: ID!) { testInstanceFlowConfig(input: {id: $id}) { errors { field } } }",
        id=config,
    )
    q(emu, "mutation { createOrganizationSigningKey(input: {}) { result { privateKey } } }")
    hooli = q(emu, '{ customers(name: "Hooli") { nodes { id } } }')["customers"]["nodes"][0]["id"]
    q(
        emu,
        "mutation ($c: ID!) { createOnPremiseResourceJWT(input: {customerId: $c})"
        " { errors { field } } }",
        c=hooli,
    )
    q(
        emu,
        "mutation ($d: String!) { importWorkflow(input: {definition: $d}) { errors { field } } }",
        d=ACME_INVENTORY,
    )
    integration = q(emu, '{ integrations(name: "Acme Inventory") { nodes { id } } }')
    integration_id = integration["integrations"]["nodes"][0]["id"]
    q(
        emu,
        'mutation { publishComponent(input: {definition: {key: "kept",'
        ' display: {label: "Kept", description: "a component"}}}) { errors { field } } }',
    )
    q(
        emu,
        "mutation ($id: ID!) { convertLowCodeIntegration(input: {id: $id})"
        " { convertLowCodeIntegrationFormResult { url } } }",
        id=integration_id,
    )
    emu.script_flow("Sync Inventory", status="ERROR", error="quota", times=3)


# Fields whose every read differs (a fresh signed URL), whatever the state.
UNSTABLE = {"uploadUrl", "objectUrl"}


def _selection(type_: Any) -> str:
    """Every plain field of ``type_`` taking no required argument, and the ``id`` of each
    record it points at (the emulator resolving it)."""
    picked = []
    for name, field in sorted(type_.fields.items()):
        if name in UNSTABLE or any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
            continue
        named = get_named_type(field.type)
        if isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
            picked.append(name)
        elif (type_.name, name) not in registry.fields:
            continue
        elif "id" in getattr(named, "fields", {}):
            picked.append(f"{name} {{ id }}")
        elif "nodes" in getattr(named, "fields", {}):
            node = get_named_type(named.fields["nodes"].type)
            if "id" in getattr(node, "fields", {}):
                picked.append(f"{name} {{ nodes {{ id }} }}")
    return " ".join(picked)


def read_all(emu: Emulator) -> dict[str, Any]:
    """Every root list of the API without required arguments, every plain field of each
    record listed: what a client can see of the state."""
    schema = emu.engine.schema
    root = schema.query_type
    assert root is not None
    found: dict[str, Any] = {}
    for kind, name in sorted(registry.fields):
        field = root.fields[name] if kind == "RootQuery" else None
        if field is None or any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
            continue
        named = get_named_type(field.type)
        if "nodes" in getattr(named, "fields", {}):
            node = get_named_type(named.fields["nodes"].type)
            count = "totalCount" if "totalCount" in named.fields else ""
            query = f"{{ {name} {{ {count} nodes {{ {_selection(node)} }} }} }}"
        elif isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
            query = f"{{ {name} }}"
        else:
            query = f"{{ {name} {{ {_selection(named)} }} }}"
        found[name] = emu.execute(query)[name]
    found["scripts"] = emu.scripts()
    found["applied"] = emu.applied()
    found["clock"] = emu.clock()
    return found


def rows(emu: Emulator) -> dict[str, Any]:
    """The store's tables, row for row (the full-text indexes follow from the records)."""
    db = sqlite3.connect(emu.db_path)
    try:
        by_type: dict[str, list[Any]] = {}
        for type_, id_, data, seq in db.execute("SELECT type, id, data, seq FROM records"):
            by_type.setdefault(type_, []).append((seq, id_, data))
        return {
            "records": {t: sorted(found) for t, found in by_type.items()},
            "meta": sorted(db.execute("SELECT key, value FROM meta")),
            "refresh_tokens": sorted(db.execute("SELECT * FROM refresh_tokens")),
            "applied": sorted(db.execute("SELECT * FROM applied")),
            "sequence": sorted(db.execute("SELECT * FROM sqlite_sequence")),
        }
    finally:
        db.close()
