"""Flow runs: tests and their results, executions, step results and logs."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from .. import ids
from ..engine import Info, registry
from ..model import executions, instances, scripts
from ..model.base import NOT_FOUND, require
from ..query import page
from ..transaction import Record, Where
from .common import lookup, mutation, ref, tx

ref(
    "InstanceExecutionResult", "instance", "flow", "flowConfig", "integration", "replayForExecution"
)
ref("Log", "instance", "flow", "flowConfig", "integration", "executionResult", "customer")
ref("InstanceStepResult", "executionResult")
lookup("executionResult", "InstanceExecutionResult")
lookup("stepResult", "InstanceStepResult")


@registry.field("InstanceExecutionResult", "status")
def execution_status(run: Record, info: Info) -> str:
    if run.get("polls") is not None:
        info.context.polled.add(str(run["id"]))
    return scripts.status_of(run, ids.seconds())


@registry.field("InstanceExecutionResult", "endedAt")
def execution_ended_at(run: Record, info: Info) -> Any:
    return None if executions.running(run) else run.get("endedAt")


@registry.query("executionResults")
def execution_results(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    return page(tx(info), "InstanceExecutionResult", args, executions.RUNS)


@registry.query("logs")
def logs(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    return page(tx(info), "Log", args, executions.LOGS)


@registry.query("executionSections")
def execution_sections(_: Any, info: Info, **_args: Any) -> dict[str, Any]:
    return {"nodes": []}


@registry.field("InstanceExecutionResult", "stepResults")
def execution_step_results(run: Record, info: Info, **args: Any) -> dict[str, Any]:
    scope = Where().equal("executionResult", run["id"])
    return page(tx(info), "InstanceStepResult", args, executions.STEPS, scope)


@registry.field("InstanceExecutionResult", "replays")
def execution_replays(run: Record, info: Info, **args: Any) -> dict[str, Any]:
    scope = Where().equal("replayForExecution", run["id"])
    return page(tx(info), "InstanceExecutionResult", args, executions.RUNS, scope)


@registry.field("InstanceExecutionResult", "logs")
def execution_logs(run: Record, info: Info, **args: Any) -> dict[str, Any]:
    scope = Where().equal("executionResult", run["id"])
    return page(tx(info), "Log", args, executions.LOGS, scope)


@registry.field("InstanceExecutionResult", "requestPayloadUrl")
def request_payload_url(run: Record, info: Info) -> str:
    if run.get("requestPayload") is None:
        return ""
    return f"{info.context.base_url}/media/payloads/{run['id']}"


@registry.field("InstanceStepResult", "resultsUrl")
def results_url(step: Record, info: Info) -> str:
    return f"{info.context.base_url}/media/step-results/{step['id']}"


@mutation("testIntegrationFlow")
def test_integration_flow(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    flow = require(tx(info), "IntegrationFlow", data.get("id"))
    config = instances.test_flow_config(tx(info), flow)
    if config is None:
        raise GraphQLError(NOT_FOUND)
    result = executions.run_test(tx(info), config, data)
    return {"testIntegrationFlowResult": {**result, "flow": flow}, "errors": []}


@mutation("testInstanceFlowConfig")
def test_instance_flow_config(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    config = require(tx(info), "InstanceFlowConfig", data.get("id"))
    result = executions.run_test(tx(info), config, data)
    return {"testInstanceFlowConfigResult": {**result, "flowConfig": config}, "errors": []}


@mutation("replayExecution", "instanceExecutionResult")
def replay_execution(info: Info, data: dict[str, Any]) -> Record:
    return executions.replay(tx(info), data.get("id"))
