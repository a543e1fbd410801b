"""Integrations: lists and lookups, versions, flows, definitions, and their lifecycle."""

from __future__ import annotations

import json
from typing import Any

from graphql import GraphQLError

from .. import definitions
from ..engine import Info, registry
from ..model import (
    authoring,
    components,
    conversion,
    executions,
    instances,
    integrations,
    uploads,
)
from ..model.base import related, require
from ..query import Listing, embedded, page
from ..transaction import Record, Where
from .common import lookup, mutation, ref, tx

ref("Integration", "customer", "parent", "versionCreatedBy")
ref("IntegrationFlow", "integration")
ref("IntegrationAction", "integration")
lookup("integration", "Integration")
lookup("marketplaceIntegration", "Integration")
VERSION_ORDER = Listing(
    order_fields={"VERSION_NUMBER": "versionNumber", "PUBLISHED_AT": "publishedAt"}
)


@registry.query("integrations")
def list_integrations(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    scope = integrations.list_scope(args)
    return page(tx(info), "Integration", args, integrations.LISTING, scope)


@registry.query("marketplaceIntegrations")
def marketplace_integrations(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    scope = integrations.marketplace_scope()
    return page(tx(info), "Integration", args, integrations.LISTING, scope)


@registry.field("Integration", "systemInstance")
def system_instance(record: Record, info: Info) -> Record:
    draft = integrations.draft_of(tx(info), record)
    return require(tx(info), "Instance", draft.get("systemInstance"))


@registry.field("Integration", "flows")
def integration_flows(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    scope = Where().equal("integration", record["id"])
    return page(tx(info), "IntegrationFlow", args, integrations.FLOWS, scope)


@registry.field("Integration", "actions")
def integration_actions(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    actions = [
        integrations.step_action(flow, step)
        for flow in integrations.flows(tx(info), record)
        for step in flow["steps"]
    ]
    return embedded(tx(info), actions, args)


@registry.field("Integration", "definition")
def definition(record: Record, info: Info, version: int | None = None, **args: Any) -> str:
    """``version``: the definition format to export in (prism asks for 7)."""
    exported = definitions.exported(record["definition"], args.get("useLatestComponentVersions"))
    if version is not None:
        if version not in definitions.SUPPORTED_VERSIONS:
            raise GraphQLError(f"Definition version {version} is not supported.")
        exported = {**exported, "definitionVersion": version}
    return definitions.dump(exported)


@registry.field("Integration", "configPages")
def config_pages(record: Record, info: Info) -> str:
    return json.dumps(record["definition"].get("configPages") or [])


@registry.field("Integration", "requiredConfigVariables")
def required_config_variables(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    return embedded(tx(info), integrations.required_vars(record), args)


@registry.field("Integration", "testConfigVariables")
def test_config_variables(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    test = instances.test_instance(tx(info), record)
    items = instances.config_variables_with(tx(info), test, args.get("status"))
    return embedded(tx(info), items, args, instances.CONFIG_VARIABLES)


@registry.field("Integration", "instances")
def integration_instances(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    versions = integrations.sequence_ids(tx(info), record) if record["isDraft"] else [record["id"]]
    scope = instances.list_scope(tx(info), args).equal("integration", versions)
    return page(tx(info), "Instance", args, instances.LISTING, scope)


@registry.field("Integration", "versions")
def versions(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    return embedded(tx(info), integrations.versions(tx(info), record), args, VERSION_ORDER)


@registry.field("Integration", "versionSequence")
def version_sequence(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    scope = Where().equal("versionSequenceId", record["versionSequenceId"]).equal("isDraft", False)
    return page(tx(info), "Integration", args, integrations.VERSIONS, scope)


@registry.field("Integration", "versionAt")
def version_at(record: Record, info: Info, **args: Any) -> Record | None:
    return integrations.version_at(tx(info), record, args)


@registry.field("IntegrationFlow", "trigger")
def flow_trigger(flow: Record, info: Info) -> Record:
    return integrations.step_action(flow, flow["steps"][0])


@registry.field("IntegrationFlow", "testUrl")
def flow_test_url(flow: Record, info: Info) -> str:
    config = instances.test_flow_config(tx(info), flow)
    return f"{info.context.base_url}/trigger/{config['id'] if config else flow['id']}"


@registry.field("IntegrationFlow", "testExecutionResults")
def flow_test_executions(flow: Record, info: Info, **args: Any) -> dict[str, Any]:
    scope = Where().equal("flow", flow["id"]).equal("isTestExecution", True)
    return page(tx(info), "InstanceExecutionResult", args, executions.RUNS, scope)


@registry.field("IntegrationAction", "action")
def integration_action_action(record: Record, info: Info) -> Record:
    wanted = record["action"]
    return components.find_action(
        tx(info), wanted["componentKey"], wanted["key"], is_trigger=wanted["isTrigger"]
    )


@mutation("createIntegration", "integration")
def create_integration(info: Info, data: dict[str, Any]) -> Any:
    return authoring.create(tx(info), data)


@mutation("importIntegration", "integration")
def import_integration(info: Info, data: dict[str, Any]) -> Any:
    return authoring.import_(tx(info), data)


@mutation("updateIntegration", "integration")
def update_integration(info: Info, data: dict[str, Any]) -> Any:
    return authoring.update(tx(info), data)


@mutation("publishIntegration", "integration")
def publish_integration(info: Info, data: dict[str, Any]) -> Any:
    return authoring.publish(tx(info), data, by=info.context.user_id)


@mutation("forkIntegration", "integration")
def fork_integration(info: Info, data: dict[str, Any]) -> Any:
    return authoring.fork(tx(info), data)


@mutation("deleteIntegration", "integration")
def delete_integration(info: Info, data: dict[str, Any]) -> Any:
    return authoring.delete(tx(info), data.get("id"))


@mutation("updateIntegrationVersionAvailability", "integration")
def update_availability(info: Info, data: dict[str, Any]) -> Any:
    return authoring.set_availability(tx(info), data)


@mutation("updateIntegrationMarketplaceConfiguration", "integration")
def update_marketplace(info: Info, data: dict[str, Any]) -> Any:
    return authoring.set_marketplace(tx(info), data)


@mutation("validateIntegrationSchema")
def validate_integration_schema(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    problems = authoring.validate(tx(info), data.get("definition") or "")
    errors = [{"field": "definition", "messages": problems}] if problems else []
    return {"result": {"isValid": not problems}, "errors": errors}


@mutation("updateWorkflowTestConfiguration")
def update_workflow_test_configuration(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    require(tx(info), "Integration", data.get("id"))
    return {"errors": []}


@registry.query("uploadMedia")
def upload_media(_: Any, info: Info, objectId: str, fileName: str, mediaType: str) -> Any:  # noqa: N803 - the API's names
    found = related(tx(info), objectId)
    if found is None:
        return {"uploadUrl": None, "objectUrl": None, "error": "Record not found"}
    upload, served = uploads.media_urls(tx(info), objectId, mediaType, now=info.context.now())
    base = info.context.base_url
    return {"uploadUrl": base + upload, "objectUrl": base + served, "error": None}


@mutation("convertLowCodeIntegration", "convertLowCodeIntegrationFormResult")
def convert_low_code_integration(info: Info, data: dict[str, Any]) -> Any:
    return conversion.convert(tx(info), data, info.context.base_url)
