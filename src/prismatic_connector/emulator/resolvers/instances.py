"""Instances: lists and lookups, config variables, flow configs, and their lifecycle."""

from __future__ import annotations

from typing import Any

from ..engine import Info, registry
from ..model import executions, instances, upgrades
from ..model.base import require
from ..query import embedded, page
from ..transaction import Record, Where
from .common import embedded_list, lookup, mutation, ref, tx

ref("Instance", "customer")
ref("InstanceFlowConfig", "instance", "flow")
ref("InstanceConfigVariable", "instance")
ref("RequiredConfigVariable", "integration")
lookup("instance", "Instance")
embedded_list("InstanceConfigVariable", "inputs")


@registry.query("instances")
def list_instances(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    scope = instances.list_scope(tx(info), args)
    return page(tx(info), "Instance", args, instances.LISTING, scope)


@registry.field("Customer", "instances")
def customer_instances(customer: Record, info: Info, **args: Any) -> dict[str, Any]:
    scope = instances.list_scope(tx(info), args).equal("customer", customer["id"])
    return page(tx(info), "Instance", args, instances.LISTING, scope)


@registry.field("Instance", "integration")
def instance_integration(record: Record, info: Info, **_: Any) -> Record:
    return require(tx(info), "Integration", record["integration"])


@registry.field("Instance", "configState")
def instance_config_state(record: Record, info: Info) -> str:
    return instances.config_state(tx(info), record)


@registry.field("Instance", "flowConfigs")
def instance_flow_configs(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    scope = Where().equal("instance", record["id"])
    return page(tx(info), "InstanceFlowConfig", args, instances.FLOW_CONFIGS, scope)


@registry.field("InstanceFlowConfig", "webhookUrl")
def webhook_url(record: Record, info: Info) -> str:
    return f"{info.context.base_url}/trigger/{record['id']}"


@registry.field("Instance", "configVariables")
def instance_config_variables(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    items = instances.config_variables_with(tx(info), record, args.get("status"))
    return embedded(tx(info), items, args, instances.CONFIG_VARIABLES)


@registry.field("Instance", "executionResults")
def instance_executions(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    scope = Where().equal("instance", record["id"])
    return page(tx(info), "InstanceExecutionResult", args, executions.RUNS, scope)


@registry.field("RequiredConfigVariable", "inputs")
def required_variable_inputs(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    return embedded(tx(info), instances.required_inputs(record), {})


@mutation("createInstance", "instance")
def create_instance(info: Info, data: dict[str, Any]) -> Any:
    return instances.create(tx(info), data)


@mutation("updateInstance", "instance")
def update_instance(info: Info, data: dict[str, Any]) -> Any:
    return instances.update(tx(info), data)


@mutation("updateInstanceConfigVariables", "instance")
def update_instance_config_variables(info: Info, data: dict[str, Any]) -> Any:
    return instances.update_config_variables(tx(info), data)


@mutation("deployInstance", "instance")
def deploy_instance(info: Info, data: dict[str, Any]) -> Any:
    return instances.deploy(tx(info), data.get("id"))


@mutation("deleteInstance", "instance")
def delete_instance(info: Info, data: dict[str, Any]) -> Any:
    return instances.delete(tx(info), data.get("id"))


@mutation("bulkUpdateInstancesToLatestIntegrationVersion", "integration")
def bulk_update_instances(info: Info, data: dict[str, Any]) -> Any:
    return upgrades.to_latest(tx(info), data.get("id"))
