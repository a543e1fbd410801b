"""Instances: made from a published version, configured, deployed, enabled, deleted.

As the real API documents: ``updateInstance`` with ``configVariables`` sets every
variable, returning those left out to their defaults; ``updateInstanceConfigVariables``
changes only the ones it is given. Config changes mark the instance as needing a
deploy unless ``preserveDeployState`` says otherwise. Each integration's draft has
a test instance, held by the system customer, where its flow tests run.
"""

from __future__ import annotations

import json
from typing import Any

from .. import ids
from ..query import Listing
from ..transaction import Record, Tx, Where
from . import customers, integrations
from .base import Invalid, check_name, clean_labels, require, stamp

LISTING = Listing(
    order_fields={
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
    },
    handled=("compatibility", "integration"),
)
FLOW_CONFIGS = Listing()
CONFIG_VARIABLES = Listing(handled=("status", "status_In", "instance"))


def instance(
    *,
    name: str,
    customer: str,
    integration: str,
    system: bool = False,
    description: str = "",
    labels: list[str] | None = None,
) -> Record:
    return stamp(
        {
            "id": ids.new_id("Instance"),
            "name": name,
            "description": description,
            "labels": clean_labels(labels),
            "customer": customer,
            "integration": integration,
            "enabled": True,
            "globalDebug": False,
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


def flow_config(instance_id: str, flow: Record, previous: Record | None = None) -> Record:
    kept = previous or {}
    return {
        "id": kept.get("id") or ids.new_id("InstanceFlowConfig"),
        "instance": instance_id,
        "flow": flow["id"],
        "flowName": flow["name"],
        "apiKeys": kept.get("apiKeys", []),
        "testPayload": None,
        "testContentType": None,
        "testHeaders": None,
        "inFailedState": False,
        "lastExecutedAt": kept.get("lastExecutedAt"),
        "allowUpdate": True,
        "allowRemove": True,
    }


def list_scope(tx: Tx, args: dict[str, Any]) -> Where:
    """The ``integration`` argument: a canonical (draft) ID stands for every version."""
    scope = Where()
    wanted = args.get("integration")
    if wanted:
        target = tx.get("Integration", wanted)
        if target is not None and target["isDraft"]:
            scope.equal("integration", [wanted, *integrations.sequence_ids(tx, target)])
        else:
            scope.equal("integration", wanted)
    return scope


# ---------------------------------------------------------------- config variables


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


def required_inputs(required: Record) -> list[dict[str, Any]]:
    return _expressions(required["id"], list(required.get("connectionInputs") or []))


def config_variables(tx: Tx, record: Record) -> list[dict[str, Any]]:
    """The instance's config variables, one per required variable of its integration."""
    integration = tx.get("Integration", record["integration"])
    if integration is None:
        return []
    values = record.get("configVariables") or {}
    out = []
    for required in integrations.required_vars(integration):
        given = values.get(required["key"], {})
        if required["dataType"] == "CONNECTION":
            pairs = [(name, spec) for name, spec in required["connectionInputs"]]
            if given.get("values"):
                pairs = [(item["name"], item) for item in json.loads(given["values"])]
            inputs = _expressions(f"{record['id']}:{required['key']}", pairs)
            complete = all(i["value"] for i in inputs)
            value = None
        else:
            inputs, complete = [], True
            value = given.get("value", required["defaultValue"])
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


def config_variables_with(tx: Tx, record: Record | None, status: Any) -> list[dict[str, Any]]:
    items = config_variables(tx, record) if record else []
    if status:
        items = [i for i in items if i["status"] == str(status).upper()]
    return items


def config_state(tx: Tx, record: Record) -> str:
    pending = [v for v in config_variables(tx, record) if v["status"] != "ACTIVE"]
    return "NEEDS_INSTANCE_CONFIGURATION" if pending else "FULLY_CONFIGURED"


def _config_values(
    integration: Record,
    current: dict[str, Any],
    given: list[dict[str, Any]] | None,
    *,
    replace: bool,
) -> dict[str, Any]:
    """The config variable values after applying ``given``."""
    known = {v["key"] for v in integrations.required_vars(integration)}
    values: dict[str, Any] = {} if replace else dict(current)
    for item in given or []:
        if item["key"] not in known:
            problem = f"{item['key']!r} is not a config variable of this integration."
            raise Invalid.on("configVariables", problem)
        entry = {}
        if item.get("values") is not None:
            try:
                parsed = json.loads(item["values"])
            except ValueError:
                parsed = None
            if not isinstance(parsed, list) or not all(
                isinstance(p, dict) and "name" in p for p in parsed
            ):
                problem = f"values of {item['key']!r} must be a JSON list of {{name, type, value}}."
                raise Invalid.on("configVariables", problem)
            entry["values"] = item["values"]
        if item.get("value") is not None:
            entry["value"] = item["value"]
        values[item["key"]] = entry
    return values


# ---------------------------------------------------------------- flow configs and test instances


def flow_configs(tx: Tx, record: Record) -> list[Record]:
    return tx.find("InstanceFlowConfig", instance=record["id"])


def write_flow_configs(tx: Tx, record: Record, integration: Record) -> None:
    """One flow config per flow of ``integration``; a flow that keeps its name keeps its config."""
    old = {c["flowName"]: c for c in flow_configs(tx, record)}
    for flow in integrations.flows(tx, integration):
        previous = old.pop(flow["name"], None)
        (tx.put if previous else tx.insert)(
            "InstanceFlowConfig", flow_config(record["id"], flow, previous)
        )
    for gone in old.values():
        tx.delete("InstanceFlowConfig", gone["id"])


def add_test_instance(tx: Tx, draft: Record) -> Record:
    """Give a new draft its test instance."""
    test = tx.insert(
        "Instance",
        instance(
            name=f"{draft['name']} (test instance)",
            customer=customers.system_customer(tx)["id"],
            integration=draft["id"],
            system=True,
        ),
    )
    write_flow_configs(tx, test, draft)
    draft["systemInstance"] = test["id"]
    return tx.put("Integration", draft)


def sync_test_instance(tx: Tx, draft: Record) -> None:
    test = tx.get("Instance", draft.get("systemInstance"))
    if test is not None:
        write_flow_configs(tx, test, draft)


def test_instance(tx: Tx, integration: Record) -> Record | None:
    return tx.get("Instance", integrations.draft_of(tx, integration).get("systemInstance"))


def test_flow_config(tx: Tx, flow: Record) -> Record | None:
    """The flow's config on its integration's test instance, where flow tests run."""
    integration = tx.get("Integration", flow["integration"])
    test = test_instance(tx, integration) if integration else None
    if test is None:
        return None
    return tx.first("InstanceFlowConfig", instance=test["id"], flowName=flow["name"])


# ---------------------------------------------------------------- lifecycle


def _version_to_run(tx: Tx, integration_id: Any) -> Record:
    """The published version an instance runs, given a version or a canonical ID."""
    target = require(tx, "Integration", integration_id)
    if target["isDraft"]:
        found = integrations.latest_available(tx, target)
        if found is None:
            raise Invalid.on("integration", "This integration has no available published version.")
        return found
    if not target["versionIsAvailable"]:
        raise Invalid.on("integration", "This version of the integration is not available.")
    return target


def create(tx: Tx, data: dict[str, Any]) -> Record:
    check_name(data, required=True)
    customer = require(tx, "Customer", data.get("customer"))
    version = _version_to_run(tx, data.get("integration"))
    record = instance(
        name=data["name"].strip(),
        customer=customer["id"],
        integration=version["id"],
        description=data.get("description") or "",
        labels=data.get("labels"),
    )
    record["configVariables"] = _config_values(
        version, {}, data.get("configVariables"), replace=True
    )
    tx.insert("Instance", record)
    write_flow_configs(tx, record, version)
    _apply_flow_configs(tx, record, data.get("flowConfigs"))
    return record


def _apply_flow_configs(tx: Tx, record: Record, given: list[dict[str, Any]] | None) -> None:
    for item in given or []:
        for config in tx.find("InstanceFlowConfig", instance=record["id"], flow=item["flowId"]):
            for key in ("apiKeys", "testPayload", "testContentType", "testHeaders"):
                if item.get(key) is not None:
                    config[key] = item[key]
            tx.put("InstanceFlowConfig", config)


def update(tx: Tx, data: dict[str, Any]) -> Record:
    record = require(tx, "Instance", data.get("id"))
    check_name(data, required=False)
    settable = ("name", "description", "enabled", "starred", "globalDebug")
    for key in (*settable, "logsDisabled", "stepResultsDisabled"):
        if data.get(key) is not None:
            record[key] = data[key]
    if data.get("labels") is not None:
        record["labels"] = clean_labels(data["labels"])
    needs_deploy = False
    if data.get("integration") is not None:
        version = _version_to_run(tx, data["integration"])
        current = require(tx, "Integration", record["integration"])
        if integrations.draft_of(tx, version)["id"] != integrations.draft_of(tx, current)["id"]:
            raise Invalid.on(
                "integration", "An instance can only move to a version of its integration."
            )
        record["integration"] = version["id"]
        write_flow_configs(tx, record, version)
        needs_deploy = True
    if data.get("configVariables") is not None:
        integration = require(tx, "Integration", record["integration"])
        record["configVariables"] = _config_values(
            integration, {}, data["configVariables"], replace=True
        )
        needs_deploy = True
    if data.get("flowConfigs") is not None:
        _apply_flow_configs(tx, record, data["flowConfigs"])
        needs_deploy = True
    if needs_deploy and not data.get("preserveDeployState"):
        record["needsDeploy"] = True
    return tx.put("Instance", stamp(record))


def update_config_variables(tx: Tx, data: dict[str, Any]) -> Record:
    record = require(tx, "Instance", data.get("id"))
    integration = require(tx, "Integration", record["integration"])
    record["configVariables"] = _config_values(
        integration, record.get("configVariables") or {}, data.get("configVariables"), replace=False
    )
    record["needsDeploy"] = True
    return tx.put("Instance", stamp(record))


def deploy(tx: Tx, instance_id: Any) -> Record:
    record = require(tx, "Instance", instance_id)
    pending = [
        v["requiredConfigVariable"]["key"]
        for v in config_variables(tx, record)
        if v["status"] != "ACTIVE"
    ]
    if pending:
        raise Invalid.on(
            "__all__",
            f"Instance is not fully configured: set {', '.join(pending)} before deploying.",
        )
    version = require(tx, "Integration", record["integration"])
    record.update(
        deployedVersion=version["versionNumber"], lastDeployedAt=ids.now(), needsDeploy=False
    )
    return tx.put("Instance", stamp(record))


def delete(tx: Tx, instance_id: Any) -> Record:
    record = require(tx, "Instance", instance_id)
    if record["isSystem"]:
        raise Invalid.on("id", "A test instance is deleted with its integration.")
    tx.delete("Instance", record["id"])
    return record


def live(record: Record) -> bool:
    """Whether the instance answers its webhooks: a test instance, or enabled and deployed."""
    return bool(record["isSystem"] or (record["enabled"] and record["lastDeployedAt"]))
