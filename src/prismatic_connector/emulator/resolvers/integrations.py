"""Integrations: the draft and its published versions, flows, definitions, and their lifecycle.

The draft is the integration's canonical record. Publishing snapshots the draft
into a new version record (``versionNumber`` + 1) in the same version sequence;
the draft keeps the latest published number and loses its unpublished changes.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from .. import definitions, ids
from ..engine import Info, registry
from ..paging import Record
from ..store import Store
from .common import (
    blank_name,
    clean_labels,
    ctx,
    invalid,
    listing,
    lookup,
    mutation,
    payload,
    ref,
    related,
    require,
    stamp,
    store,
)

INTEGRATION_ORDER = {
    "CATEGORY": "category",
    "CREATED_AT": "createdAt",
    "CUSTOMER": "customer",
    "DESCRIPTION": "description",
    "NAME": "name",
    "PUBLISHED_AT": "versionCreatedAt",
    "UPDATED_AT": "updatedAt",
    "VERSION_NUMBER": "versionNumber",
}
LIST_HANDLED = (
    "allVersions",
    "hasInstances",
    "marketplace",
    "hasOutdatedComponents",
    "filterQuery",
    "activated",
    "includeActiveIntegrations",
    "strictMatchFilterQuery",
)

for _field in ("customer", "parent", "versionCreatedBy"):
    ref("Integration", _field)
ref("IntegrationFlow", "integration")


# ---------------------------------------------------------------- queries


lookup("integration", "Integration")
lookup("marketplaceIntegration", "Integration")


@registry.query("integrations")
def integrations(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    s = store(info)
    records = s.all("Integration")
    if not args.get("allVersions"):
        records = [r for r in records if r["isDraft"]]
    if args.get("hasInstances"):
        used = {i["integration"] for i in s.all("Instance") if not i["isSystem"]}
        records = [r for r in records if used & _sequence_ids(s, r)]
    if args.get("marketplace"):
        records = [
            r
            for r in records
            if r.get("marketplaceConfiguration") != "NOT_AVAILABLE_IN_MARKETPLACE"
        ]
    # Published versions sort ahead of their draft when the sort keys tie.
    records.sort(key=lambda r: r["isDraft"])
    return listing(
        records,
        args,
        s,
        order_fields=INTEGRATION_ORDER,
        handled=LIST_HANDLED,
        computed={"versionIsLatest": lambda r: _is_latest(s, r)},
    )


@registry.query("marketplaceIntegrations")
def marketplace_integrations(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    s = store(info)
    records = [
        r
        for r in s.all("Integration")
        if not r["isDraft"]
        and r["versionIsAvailable"]
        and r.get("marketplaceConfiguration") != "NOT_AVAILABLE_IN_MARKETPLACE"
        and _is_latest(s, r)
    ]
    return listing(records, args, s, order_fields=INTEGRATION_ORDER, handled=LIST_HANDLED)


def _sequence(s: Store, record: Record) -> list[Record]:
    return s.find("Integration", versionSequenceId=record["versionSequenceId"])


def _sequence_ids(s: Store, record: Record) -> set[str]:
    return {r["id"] for r in _sequence(s, record)}


def draft_of(s: Store, record: Record) -> Record:
    return record if record["isDraft"] else (s.get("Integration", record["draft"]) or record)


def _published(s: Store, record: Record) -> list[Record]:
    return sorted(
        (r for r in _sequence(s, record) if not r["isDraft"]), key=lambda r: r["versionNumber"]
    )


def _is_latest(s: Store, record: Record) -> bool:
    if record["isDraft"]:
        return True
    published = _published(s, record)
    return bool(published) and published[-1]["id"] == record["id"]


def latest_available(s: Store, record: Record) -> Record | None:
    """The version an instance of this integration gets when given its canonical ID."""
    available = [r for r in _published(s, record) if r["versionIsAvailable"]]
    return available[-1] if available else None


# ---------------------------------------------------------------- fields


@registry.field("Integration", "versionIsLatest")
def version_is_latest(record: Record, info: Info) -> bool:
    return _is_latest(store(info), record)


@registry.field("Integration", "systemInstance")
def system_instance(record: Record, info: Info) -> Record:
    s = store(info)
    return require(info, "Instance", draft_of(s, record).get("systemInstance"))


@registry.field("Integration", "flows")
def integration_flows(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    flows = sorted(
        store(info).find("IntegrationFlow", integration=record["id"]), key=lambda f: f["sortOrder"]
    )
    return listing(flows, args, store(info))


@registry.field("Integration", "actions")
def integration_actions(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    actions = [
        step_action(flow, step)
        for flow in store(info).find("IntegrationFlow", integration=record["id"])
        for step in flow["steps"]
    ]
    return listing(actions, args, store(info))


@registry.field("Integration", "definition")
def definition(record: Record, info: Info, **_: Any) -> str:
    return definitions.dump(record["definition"])


@registry.field("Integration", "configPages")
def config_pages(record: Record, info: Info) -> str:
    return json.dumps(record["definition"].get("configPages") or [])


@registry.field("Integration", "requiredConfigVariables")
def required_config_variables(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    return listing(required_vars(record), args, store(info))


@registry.field("Integration", "testConfigVariables")
def test_config_variables(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    from .instances import config_variables

    s = store(info)
    system = s.get("Instance", draft_of(s, record).get("systemInstance"))
    items = config_variables(s, system) if system else []
    if args.get("status"):
        items = [i for i in items if i["status"] == str(args["status"]).upper()]
    return listing(items, {k: v for k, v in args.items() if k != "status"}, s)


@registry.field("Integration", "instances")
def integration_instances(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    from .instances import instance_listing

    s = store(info)
    scope = _sequence_ids(s, record) if record["isDraft"] else {record["id"]}
    return instance_listing(s, [i for i in s.all("Instance") if i["integration"] in scope], args)


@registry.field("Integration", "versions")
def versions(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    s = store(info)
    items = [
        {
            "id": ids.encode("Version", r["id"]),
            "versionNumber": r["versionNumber"],
            "publishedBy": related(s, r.get("versionCreatedBy")),
            "publishedAt": r["versionCreatedAt"],
            "comment": r.get("versionComment"),
            "isAvailable": r["versionIsAvailable"],
        }
        for r in reversed(_published(s, record))
    ]
    order = args.pop("orderBy", None)
    if order:
        key = {"VERSION_NUMBER": "versionNumber", "PUBLISHED_AT": "publishedAt"}.get(
            order["field"], "versionNumber"
        )
        items.sort(key=lambda v: v[key] or "", reverse=order["direction"] == "DESC")
    return listing(items, args, s)


@registry.field("Integration", "versionSequence")
def version_sequence(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    s = store(info)
    return listing(list(reversed(_published(s, record))), args, s, order_fields=INTEGRATION_ORDER)


@registry.field("Integration", "versionAt")
def version_at(record: Record, info: Info, **args: Any) -> Record | None:
    s = store(info)
    published = _published(s, record)
    if args.get("versionNumber") is not None:
        return next((r for r in published if r["versionNumber"] == args["versionNumber"]), None)
    if args.get("latestAvailable"):
        return latest_available(s, record)
    if args.get("id"):
        return next((r for r in published if r["id"] == args["id"]), None)
    return published[-1] if published else None


@registry.field("IntegrationFlow", "trigger")
def flow_trigger(flow: Record, info: Info) -> Record:
    return step_action(flow, flow["steps"][0])


@registry.field("IntegrationFlow", "testUrl")
def flow_test_url(flow: Record, info: Info) -> str:
    config = test_flow_config(store(info), flow)
    return f"{ctx(info).base_url}/trigger/{config['id'] if config else flow['id']}"


def test_flow_config(s: Store, flow: Record) -> Record | None:
    """The flow's config on its integration's test instance, where flow tests run."""
    integration = s.get("Integration", flow["integration"])
    if integration is None:
        return None
    system = draft_of(s, integration).get("systemInstance")
    configs = s.find("InstanceFlowConfig", instance=system, flowName=flow["name"])
    return configs[0] if configs else None


@registry.field("IntegrationFlow", "testExecutionResults")
def flow_test_executions(flow: Record, info: Info, **args: Any) -> dict[str, Any]:
    from .executions import EXECUTION_ORDER

    runs = [
        e
        for e in store(info).find("InstanceExecutionResult", flow=flow["id"])
        if e["isTestExecution"]
    ]
    return listing(list(reversed(runs)), args, store(info), order_fields=EXECUTION_ORDER)


def step_action(flow: Record, step: dict[str, Any]) -> dict[str, Any]:
    """A flow step as an IntegrationAction, its component action looked up by key."""
    action = step.get("action") or {}
    component_key = (action.get("component") or {}).get("key")
    key = f"{flow['id']}:{step.get('name')}"
    return {
        "id": ids.encode("IntegrationAction", key),
        "name": step.get("name"),
        "stableKey": step.get("stableKey"),
        "description": step.get("description") or "",
        "integration": flow["integration"],
        "action": {
            "componentKey": component_key,
            "key": action.get("key"),
            "isTrigger": bool(step.get("isTrigger")),
        },
        "errorHandlerType": (
            (step.get("errorConfig") or {}).get("errorHandlerType") or "fail"
        ).upper(),
    }


@registry.field("IntegrationAction", "action")
def integration_action_action(record: Record, info: Info) -> Record:
    from .components import find_action

    wanted = record["action"]
    return find_action(
        store(info), wanted["componentKey"], wanted["key"], is_trigger=wanted["isTrigger"]
    )


ref("IntegrationAction", "integration")


def required_vars(record: Record) -> list[dict[str, Any]]:
    out = []
    for n, var in enumerate(record["definition"].get("requiredConfigVars") or []):
        connection = var.get("connection") or {}
        out.append(
            {
                "id": ids.encode(
                    "RequiredConfigVariable", f"{record['versionSequenceId']}:{var['key']}"
                ),
                "key": var["key"],
                "stableKey": var.get("stableKey"),
                "description": var.get("description") or "",
                "dataType": str(var.get("dataType") or "string").upper(),
                "collectionType": str(var["collectionType"]).upper()
                if var.get("collectionType")
                else None,
                "defaultValue": _default_value(var),
                "orgOnly": bool(var.get("orgOnly")),
                "sortOrder": n,
                "pickList": json.dumps(var["pickList"]) if var.get("pickList") else None,
                "connectionInputs": list((var.get("inputs") or {}).items())
                if connection or var.get("inputs")
                else [],
                "integration": record["id"],
            }
        )
    return out


def _default_value(var: dict[str, Any]) -> str | None:
    if str(var.get("dataType", "")).lower() == "connection":
        return None
    value = var.get("defaultValue")
    if value is None:
        return "[]" if var.get("collectionType") else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


# ---------------------------------------------------------------- lifecycle


def _component_version(s: Store) -> Any:
    def version(key: str) -> int | None:
        return max((int(c["versionNumber"]) for c in s.find("Component", key=key)), default=None)

    return version


def _new_draft(info: Info, definition: dict[str, Any], data: dict[str, Any]) -> Record:
    s = store(info)
    record = stamp(
        {
            "id": ids.new_id("Integration"),
            "versionSequenceId": str(uuid.uuid4()),
            "isDraft": True,
            "draft": None,
            **_described_by(definition),
            "avatarUrl": None,
            "customer": data.get("customer"),
            "parent": data.get("parent"),
            "versionNumber": 0,
            "versionIsAvailable": True,
            "versionComment": None,
            "versionCreatedAt": None,
            "versionCreatedBy": None,
            "versionAttributes": None,
            "hasUnpublishedChanges": True,
            "isCodeNative": False,
            "endpointType": str(definition.get("endpointType") or "flow_specific").upper(),
            "marketplaceConfiguration": "NOT_AVAILABLE_IN_MARKETPLACE",
            "allowMultipleMarketplaceInstances": False,
            "useAsTemplate": False,
            "starred": False,
            "allowPublish": True,
            "allowFork": True,
            "allowUpdate": True,
            "allowRemove": True,
            "attachments": [],
            "systemInstance": None,
        },
        created=True,
    )
    s.insert("Integration", record)
    _write_flows(s, record)
    from .instances import create_system_instance

    record["systemInstance"] = create_system_instance(s, record)["id"]
    return s.put("Integration", record)


def _write_flows(s: Store, record: Record) -> None:
    """Replace the record's flows with its definition's; a flow that keeps its name keeps its ID."""
    old = {f["name"]: f for f in s.find("IntegrationFlow", integration=record["id"])}
    for n, spec in enumerate(record["definition"]["flows"]):
        previous = old.pop(spec["name"], None)
        retry = spec.get("retryConfig") or {}
        flow = {
            "id": previous["id"] if previous else ids.new_id("IntegrationFlow"),
            "integration": record["id"],
            "name": spec["name"],
            "stableKey": spec.get("stableKey"),
            "stableId": spec.get("stableId"),
            "description": spec.get("description") or "",
            "sortOrder": n,
            "isSynchronous": bool(spec.get("isSynchronous")),
            "isAgentFlow": bool(spec.get("isAgentFlow")),
            "endpointSecurityType": str(spec.get("endpointSecurityType")).upper(),
            "retryMaxAttempts": int(retry.get("maxAttempts") or 0),
            "retryDelayMinutes": int(retry.get("delayMinutes") or 0),
            "retryUsesExponentialBackoff": bool(retry.get("usesExponentialBackoff")),
            "schemas": json.dumps(spec["schemas"]) if spec.get("schemas") else None,
            "steps": spec["steps"],
            "testPayload": previous.get("testPayload") if previous else None,
            "testContentType": previous.get("testContentType") if previous else None,
            "testHeaders": previous.get("testHeaders") if previous else None,
            "organizationApiKeys": previous.get("organizationApiKeys", []) if previous else [],
            "lastExecutedAt": previous.get("lastExecutedAt") if previous else None,
            "allowUpdate": True,
            "allowRemove": True,
        }
        if previous:
            s.put("IntegrationFlow", flow)
        else:
            s.insert("IntegrationFlow", flow)
    for gone in old.values():
        s.delete("IntegrationFlow", gone["id"])


def _described_by(definition: dict[str, Any]) -> dict[str, Any]:
    """What an integration record takes from its definition."""
    return {
        "definition": definition,
        "name": definition["name"],
        "description": definition.get("description") or "",
        "category": definition.get("category"),
        "labels": clean_labels(definition.get("labels")),
        "documentation": definition.get("documentation"),
    }


def _apply_definition(s: Store, record: Record, definition: dict[str, Any]) -> Record:
    record.update(_described_by(definition), hasUnpublishedChanges=True)
    s.put("Integration", stamp(record))
    _write_flows(s, record)
    from .instances import sync_system_instance

    sync_system_instance(s, record)
    return record


def _parse(info: Info, text: str) -> dict[str, Any]:
    return definitions.parse(text, _component_version(store(info)))


@mutation("createIntegration")
def create_integration(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    if blank := blank_name("integration", data, required=True):
        return blank
    name = data["name"].strip()
    if data.get("customer"):
        require(info, "Customer", data["customer"])
    if data.get("definition"):
        try:
            definition = _parse(info, data["definition"])
        except definitions.DefinitionError as exc:
            return invalid("integration", "definition", *exc.messages)
        definition["name"] = name
    else:
        definition = definitions.minimal(name, data.get("description") or "")
    if data.get("description") is not None:
        definition["description"] = data["description"]
    if data.get("labels") is not None:
        definition["labels"] = clean_labels(data["labels"])
    return payload("integration", _new_draft(info, definition, data))


@mutation("importIntegration")
def import_integration(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    try:
        definition = _parse(info, data.get("definition") or "")
    except definitions.DefinitionError as exc:
        return invalid("integration", "definition", *exc.messages)
    s = store(info)
    if data.get("integrationId"):
        draft = draft_of(s, require(info, "Integration", data["integrationId"]))
        return payload("integration", _apply_definition(s, draft, definition))
    if data.get("customer"):
        require(info, "Customer", data["customer"])
    return payload("integration", _new_draft(info, definition, data))


@mutation("updateIntegration")
def update_integration(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    s = store(info)
    record = require(info, "Integration", data.get("id"))
    if data.get("definition"):
        try:
            definition = _parse(info, data["definition"])
        except definitions.DefinitionError as exc:
            return invalid("integration", "definition", *exc.messages)
        record = _apply_definition(s, draft_of(s, record), definition)
    if blank := blank_name("integration", data, required=False):
        return blank
    changed = False
    for key in ("name", "description", "category", "documentation"):
        if data.get(key) is not None and data[key] != record.get(key):
            record[key] = data[key]
            record["definition"][key] = data[key]
            changed = True
    if data.get("labels") is not None:
        record["labels"] = record["definition"]["labels"] = clean_labels(data["labels"])
    for key in ("avatarUrl", "starred", "useAsTemplate", "allowMultipleMarketplaceInstances"):
        if data.get(key) is not None:
            record[key] = data[key]
    if data.get("customer") is not None:
        record["customer"] = require(info, "Customer", data["customer"])["id"]
    for flow_input in data.get("flows") or []:
        flow = require(info, "IntegrationFlow", flow_input["id"])
        for key in ("testPayload", "testContentType", "testHeaders", "organizationApiKeys"):
            if flow_input.get(key) is not None:
                flow[key] = flow_input[key]
        s.put("IntegrationFlow", flow)
    if changed and record["isDraft"]:
        record["hasUnpublishedChanges"] = True
    return payload("integration", s.put("Integration", stamp(record)))


@mutation("publishIntegration")
def publish_integration(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    s = store(info)
    draft = draft_of(s, require(info, "Integration", data.get("id")))
    if not draft["definition"]["flows"]:
        return invalid(
            "integration", "__all__", "An integration needs at least one flow to be published."
        )
    number = draft["versionNumber"] + 1
    moment = ids.now()
    version = {
        **draft,
        "id": ids.new_id("Integration"),
        "isDraft": False,
        "draft": draft["id"],
        "versionNumber": number,
        "versionIsAvailable": True,
        "versionComment": data.get("comment"),
        "versionCreatedAt": moment,
        "versionCreatedBy": ctx(info).user_id,
        "versionAttributes": data.get("attributes"),
        "hasUnpublishedChanges": False,
        "systemInstance": None,
        "createdAt": moment,
        "updatedAt": moment,
    }
    s.insert("Integration", version)
    _write_flows(s, version)
    draft.update(
        versionNumber=number,
        hasUnpublishedChanges=False,
        versionComment=data.get("comment"),
        versionCreatedAt=moment,
        versionCreatedBy=ctx(info).user_id,
    )
    s.put("Integration", draft)
    return payload("integration", version)


@mutation("forkIntegration")
def fork_integration(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    parent = require(info, "Integration", data.get("parent"))
    if blank := blank_name("integration", data, required=True):
        return blank
    name = data["name"].strip()
    definition = json.loads(json.dumps(parent["definition"]))
    definition["name"] = name
    if data.get("description") is not None:
        definition["description"] = data["description"]
    return payload(
        "integration",
        _new_draft(info, definition, {"parent": parent["id"], "customer": parent.get("customer")}),
    )


@mutation("deleteIntegration")
def delete_integration(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    from .instances import remove_instance

    s = store(info)
    record = require(info, "Integration", data.get("id"))
    draft = draft_of(s, record)
    sequence = _sequence(s, draft)
    members = {r["id"] for r in sequence}
    for instance in s.all("Instance"):
        if instance["integration"] in members:
            remove_instance(s, instance)
    for member in sequence:
        for flow in s.find("IntegrationFlow", integration=member["id"]):
            s.delete("IntegrationFlow", flow["id"])
        s.delete("Integration", member["id"])
    return payload("integration", draft)


@mutation("updateIntegrationVersionAvailability")
def update_availability(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    record = require(info, "Integration", data.get("id"))
    if record["isDraft"]:
        return invalid(
            "integration", "id", "Only a published version can be made available or unavailable."
        )
    record["versionIsAvailable"] = bool(data["available"])
    return payload("integration", store(info).put("Integration", stamp(record)))


@mutation("updateIntegrationMarketplaceConfiguration")
def update_marketplace(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    record = require(info, "Integration", data.get("id"))
    config = data.get("marketplaceConfiguration")
    if config is not None:
        allowed = (
            "AVAILABLE_AND_DEPLOYABLE",
            "AVAILABLE_NOT_DEPLOYABLE",
            "NOT_AVAILABLE_IN_MARKETPLACE",
        )
        if config not in allowed:
            return invalid(
                "integration", "marketplaceConfiguration", f"Choose one of {', '.join(allowed)}."
            )
        record["marketplaceConfiguration"] = config
    for key in ("overview", "allowMultipleMarketplaceInstances"):
        if data.get(key) is not None:
            record[key] = data[key]
    return payload("integration", store(info).put("Integration", stamp(record)))


@mutation("validateIntegrationSchema")
def validate_integration_schema(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    try:
        _parse(info, data.get("definition") or "")
    except definitions.DefinitionError as exc:
        return {
            "result": {"isValid": False},
            "errors": [{"field": "definition", "messages": exc.messages}],
        }
    return {"result": {"isValid": True}, "errors": []}


@mutation("updateWorkflowTestConfiguration")
def update_workflow_test_configuration(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    require(info, "Integration", data.get("id"))
    return {"errors": []}
