"""Instances: creation from a published version, config variables, deploy, enable/disable, delete.

As the real API documents: ``updateInstance`` with ``configVariables`` sets every
variable, returning those left out to their defaults; ``updateInstanceConfigVariables``
changes only the ones it is given. Config changes mark the instance as needing a
deploy unless ``preserveDeployState`` says otherwise.
"""

from __future__ import annotations

import json
from typing import Any

from .. import ids
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
    require,
    stamp,
    store,
)
from .integrations import draft_of, latest_available, required_vars

INSTANCE_ORDER = {
    "CREATED_AT": "createdAt",
    "CUSTOMER": "customer.name",
    "DESCRIPTION": "description",
    "ENABLED": "enabled",
    "INSTANCE_TYPE": "instanceType",
    "INTEGRATION": "integration.name",
    "CATEGORY": "integration.category",
    "LAST_EXECUTED_AT": "lastExecutedAt",
    "NAME": "name",
    "UPDATED_AT": "updatedAt",
    "VERSION": "deployedVersion",
}
SYSTEM_CUSTOMER = "Integration Designer Test Customer"

ref("Instance", "customer")
ref("InstanceFlowConfig", "instance")
ref("InstanceFlowConfig", "flow")
ref("InstanceConfigVariable", "instance")
ref("RequiredConfigVariable", "integration")


# ---------------------------------------------------------------- queries and fields


lookup("instance", "Instance")


@registry.query("instances")
def instances(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    return instance_listing(store(info), store(info).all("Instance"), args)


@registry.field("Customer", "instances")
def customer_instances(customer: Record, info: Info, **args: Any) -> dict[str, Any]:
    return instance_listing(
        store(info), store(info).find("Instance", customer=customer["id"]), args
    )


def instance_listing(s: Store, records: list[Record], args: dict[str, Any]) -> dict[str, Any]:
    wanted = args.get("integration")
    if wanted:
        target = s.get("Integration", wanted)
        # The canonical (draft) ID stands for every version of the integration.
        scope = {wanted}
        if target is not None and target["isDraft"]:
            scope |= {
                r["id"]
                for r in s.find("Integration", versionSequenceId=target["versionSequenceId"])
            }
        records = [r for r in records if r["integration"] in scope]
    return listing(
        records, args, s, order_fields=INSTANCE_ORDER, handled=("compatibility", "integration")
    )


@registry.field("Instance", "integration")
def instance_integration(record: Record, info: Info, **_: Any) -> Record:
    return require(info, "Integration", record["integration"])


@registry.field("Instance", "configState")
def instance_config_state(record: Record, info: Info) -> str:
    return config_state(store(info), record)


@registry.field("Instance", "flowConfigs")
def instance_flow_configs(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    configs = store(info).find("InstanceFlowConfig", instance=record["id"])
    if args.get("flow_Name") is not None:
        configs = [c for c in configs if c["flowName"] == args["flow_Name"]]
    return listing(configs, args, store(info), handled=("flow_Name",))


@registry.field("InstanceFlowConfig", "webhookUrl")
def webhook_url(record: Record, info: Info) -> str:
    return f"{ctx(info).base_url}/trigger/{record['id']}"


@registry.field("Instance", "configVariables")
def instance_config_variables(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    items = config_variables(store(info), record)
    if args.get("status"):
        items = [i for i in items if i["status"] == str(args["status"]).upper()]
    return listing(items, args, store(info), handled=("status", "status_In", "instance"))


@registry.field("Instance", "executionResults")
def instance_executions(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    from .executions import EXECUTION_ORDER

    runs = list(reversed(store(info).find("InstanceExecutionResult", instance=record["id"])))
    return listing(runs, args, store(info), order_fields=EXECUTION_ORDER)


def _expressions(owner: str, pairs: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": ids.encode("Expression", f"{owner}:{name}"),
            "name": name,
            "type": str((spec or {}).get("type") or "value").upper(),
            "value": (spec or {}).get("value") or "",
            "meta": None,
        }
        for name, spec in pairs
    ]


@registry.field("InstanceConfigVariable", "inputs")
def config_variable_inputs(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    return listing(record["inputs"], args, store(info))


@registry.field("RequiredConfigVariable", "inputs")
def required_variable_inputs(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    pairs = [(name, spec) for name, spec in record.get("connectionInputs") or []]
    return listing(_expressions(record["id"], pairs), {}, store(info))


def config_variables(s: Store, record: Record) -> list[dict[str, Any]]:
    """The instance's config variables, one per required variable of its integration."""
    integration = s.get("Integration", record["integration"])
    if integration is None:
        return []
    values = record.get("configVariables") or {}
    out = []
    for required in required_vars(integration):
        given = values.get(required["key"], {})
        connection = required["dataType"] == "CONNECTION"
        if connection:
            pairs = [(name, spec) for name, spec in required["connectionInputs"]]
            if given.get("values"):
                pairs = [(item["name"], item) for item in json.loads(given["values"])]
            inputs = _expressions(f"{record['id']}:{required['key']}", pairs)
            complete = all(i["value"] for i in inputs)
            value = None
        else:
            inputs = []
            value = given.get("value", required["defaultValue"])
            complete = True
        out.append(
            {
                "id": ids.encode("InstanceConfigVariable", f"{record['id']}:{required['key']}"),
                "instance": record["id"],
                "requiredConfigVariable": required,
                "value": value,
                "inputs": inputs,
                "status": "ACTIVE" if complete else "PENDING",
                "scheduleType": None,
                "timeZone": None,
                "meta": None,
                "refreshAt": None,
                "authorizeUrl": None,
            }
        )
    return out


def config_state(s: Store, record: Record) -> str:
    pending = [v for v in config_variables(s, record) if v["status"] != "ACTIVE"]
    return "NEEDS_INSTANCE_CONFIGURATION" if pending else "FULLY_CONFIGURED"


# ---------------------------------------------------------------- shared with integrations


def _system_customer(s: Store) -> Record:
    found = s.find("Customer", isSystem=True)
    if found:
        return found[0]
    return s.insert(
        "Customer",
        stamp(
            {
                "id": ids.new_id("Customer"),
                "name": SYSTEM_CUSTOMER,
                "description": "",
                "externalId": None,
                "labels": [],
                "avatarUrl": None,
                "allowEmbeddedDesigner": False,
                "isSystem": True,
                "starred": False,
                "attachments": [],
                "allowUpdate": False,
                "allowRemove": False,
            },
            created=True,
        ),
    )


def new_instance(
    s: Store,
    *,
    name: str,
    customer: str,
    integration: Record,
    system: bool = False,
    description: str = "",
    labels: list[str] | None = None,
) -> Record:
    record = stamp(
        {
            "id": ids.new_id("Instance"),
            "name": name,
            "description": description,
            "labels": labels or [],
            "customer": customer,
            "integration": integration["id"],
            "enabled": True,
            "needsDeploy": True,
            "deployedVersion": 0,
            "lastDeployedAt": None,
            "lastExecutedAt": None,
            "isSystem": system,
            "configVariables": {},
            "inFailedState": False,
            "designedBy": "ORG",
            "instanceType": "INTEGRATION",
            "systemSuspended": False,
            "logsDisabled": False,
            "stepResultsDisabled": False,
            "starred": False,
            "allowDeploy": True,
            "allowUpdate": True,
            "allowRemove": True,
            "allowUpdateConfigVariables": True,
            "isCustomerDeployable": False,
            "isCustomerUpgradeable": False,
        },
        created=True,
    )
    s.insert("Instance", record)
    _write_flow_configs(s, record, integration)
    return record


def _write_flow_configs(s: Store, record: Record, integration: Record) -> None:
    old = {c["flowName"]: c for c in s.find("InstanceFlowConfig", instance=record["id"])}
    for flow in sorted(
        s.find("IntegrationFlow", integration=integration["id"]), key=lambda f: f["sortOrder"]
    ):
        previous = old.pop(flow["name"], None)
        config = {
            "id": previous["id"] if previous else ids.new_id("InstanceFlowConfig"),
            "instance": record["id"],
            "flow": flow["id"],
            "flowName": flow["name"],
            "apiKeys": previous["apiKeys"] if previous else [],
            "testPayload": None,
            "testContentType": None,
            "testHeaders": None,
            "inFailedState": False,
            "lastExecutedAt": previous.get("lastExecutedAt") if previous else None,
            "allowUpdate": True,
            "allowRemove": True,
        }
        (s.put if previous else s.insert)("InstanceFlowConfig", config)
    for gone in old.values():
        s.delete("InstanceFlowConfig", gone["id"])


def create_system_instance(s: Store, draft: Record) -> Record:
    return new_instance(
        s,
        name=f"{draft['name']} (test instance)",
        customer=_system_customer(s)["id"],
        integration=draft,
        system=True,
    )


def sync_system_instance(s: Store, draft: Record) -> None:
    system = s.get("Instance", draft.get("systemInstance"))
    if system is not None:
        _write_flow_configs(s, system, draft)


def remove_instance(s: Store, record: Record) -> None:
    for config in s.find("InstanceFlowConfig", instance=record["id"]):
        s.delete("InstanceFlowConfig", config["id"])
    s.delete("Instance", record["id"])


# ---------------------------------------------------------------- mutations


def _config_values(
    integration: Record,
    current: dict[str, Any],
    given: list[dict[str, Any]] | None,
    *,
    replace: bool,
) -> tuple[dict[str, Any], str | None]:
    """The config variable values after applying ``given``, or a problem message."""
    known = {v["key"] for v in required_vars(integration)}
    values: dict[str, Any] = {} if replace else dict(current)
    for item in given or []:
        if item["key"] not in known:
            return values, f"{item['key']!r} is not a config variable of this integration."
        entry = {}
        if item.get("values") is not None:
            try:
                parsed = json.loads(item["values"])
            except ValueError:
                parsed = None
            if not isinstance(parsed, list) or not all(
                isinstance(p, dict) and "name" in p for p in parsed
            ):
                return (
                    values,
                    f"values of {item['key']!r} must be a JSON list of {{name, type, value}}.",
                )
            entry["values"] = item["values"]
        if item.get("value") is not None:
            entry["value"] = item["value"]
        values[item["key"]] = entry
    return values, None


def _resolve_version(info: Info, integration_id: Any) -> Record | dict[str, Any]:
    """The published version to run; a payload error when there is none."""
    s = store(info)
    target = require(info, "Integration", integration_id)
    if target["isDraft"]:
        version = latest_available(s, target)
        if version is None:
            return invalid(
                "instance", "integration", "This integration has no available published version."
            )
        return version
    if not target["versionIsAvailable"]:
        return invalid(
            "instance", "integration", "This version of the integration is not available."
        )
    return target


@mutation("createInstance")
def create_instance(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    s = store(info)
    if blank := blank_name("instance", data, required=True):
        return blank
    name = data["name"].strip()
    customer = require(info, "Customer", data.get("customer"))
    version = _resolve_version(info, data.get("integration"))
    if "errors" in version:
        return version
    values, problem = _config_values(version, {}, data.get("configVariables"), replace=True)
    if problem:
        return invalid("instance", "configVariables", problem)
    record = new_instance(
        s,
        name=name,
        customer=customer["id"],
        integration=version,
        description=data.get("description") or "",
        labels=clean_labels(data.get("labels")),
    )
    record["configVariables"] = values
    _apply_flow_configs(s, record, data.get("flowConfigs"))
    return payload("instance", s.put("Instance", record))


def _apply_flow_configs(s: Store, record: Record, given: list[dict[str, Any]] | None) -> None:
    for item in given or []:
        for config in s.find("InstanceFlowConfig", instance=record["id"], flow=item["flowId"]):
            for key in ("apiKeys", "testPayload", "testContentType", "testHeaders"):
                if item.get(key) is not None:
                    config[key] = item[key]
            s.put("InstanceFlowConfig", config)


@mutation("updateInstance")
def update_instance(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    s = store(info)
    record = require(info, "Instance", data.get("id"))
    if blank := blank_name("instance", data, required=False):
        return blank
    for key in ("name", "description", "enabled", "starred", "logsDisabled", "stepResultsDisabled"):
        if data.get(key) is not None:
            record[key] = data[key]
    if data.get("labels") is not None:
        record["labels"] = clean_labels(data["labels"])
    needs_deploy = False
    if data.get("integration") is not None:
        version = _resolve_version(info, data["integration"])
        if "errors" in version:
            return version
        if (
            draft_of(s, version)["id"]
            != draft_of(s, require(info, "Integration", record["integration"]))["id"]
        ):
            return invalid(
                "instance",
                "integration",
                "An instance can only move to a version of its integration.",
            )
        record["integration"] = version["id"]
        _write_flow_configs(s, record, version)
        needs_deploy = True
    if data.get("configVariables") is not None:
        integration = require(info, "Integration", record["integration"])
        values, problem = _config_values(integration, {}, data["configVariables"], replace=True)
        if problem:
            return invalid("instance", "configVariables", problem)
        record["configVariables"] = values
        needs_deploy = True
    if data.get("flowConfigs") is not None:
        _apply_flow_configs(s, record, data["flowConfigs"])
        needs_deploy = True
    if needs_deploy and not data.get("preserveDeployState"):
        record["needsDeploy"] = True
    return payload("instance", s.put("Instance", stamp(record)))


@mutation("updateInstanceConfigVariables")
def update_instance_config_variables(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    s = store(info)
    record = require(info, "Instance", data.get("id"))
    integration = require(info, "Integration", record["integration"])
    current = record.get("configVariables") or {}
    values, problem = _config_values(
        integration, current, data.get("configVariables"), replace=False
    )
    if problem:
        return invalid("instance", "configVariables", problem)
    record["configVariables"] = values
    record["needsDeploy"] = True
    return payload("instance", s.put("Instance", stamp(record)))


@mutation("deployInstance")
def deploy_instance(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    s = store(info)
    record = require(info, "Instance", data.get("id"))
    pending = [
        v["requiredConfigVariable"]["key"]
        for v in config_variables(s, record)
        if v["status"] != "ACTIVE"
    ]
    if pending:
        return invalid(
            "instance",
            "__all__",
            f"Instance is not fully configured: set {', '.join(pending)} before deploying.",
        )
    version = require(info, "Integration", record["integration"])
    record.update(
        deployedVersion=version["versionNumber"], lastDeployedAt=ids.now(), needsDeploy=False
    )
    return payload("instance", s.put("Instance", stamp(record)))


@mutation("deleteInstance")
def delete_instance(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    record = require(info, "Instance", data.get("id"))
    if record["isSystem"]:
        return invalid("instance", "id", "A test instance is deleted with its integration.")
    remove_instance(store(info), record)
    return payload("instance", record)
