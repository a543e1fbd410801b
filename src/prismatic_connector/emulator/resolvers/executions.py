"""Flow runs: tests of integration flows and instance flow configs, webhook invocations,
and the executions, step results and logs they leave behind.

The emulator does not run component code: a run walks the flow's steps in order,
records a result for each (the trigger's is the request it received), and logs
the start and end of the instance as the real runner does.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from graphql import GraphQLError

from ...names import camel
from .. import ids
from ..engine import Info, registry
from ..paging import Record
from ..store import Store
from .common import NOT_FOUND, ctx, listing, lookup, mutation, ref, related, require, store
from .integrations import test_flow_config

EXECUTION_ORDER = {"STARTED_AT": "startedAt", "ENDED_AT": "endedAt"}
STEP_ORDER = EXECUTION_ORDER
LOG_ORDER = {
    "TIMESTAMP": "timestamp",
    "SEVERITY": "severity",
    "MESSAGE": "message",
    "INSTANCE": "instanceName",
    "INTEGRATION": "integrationName",
    "FLOW": "flowName",
}

for _field in ("instance", "flow", "flowConfig", "integration"):
    ref("InstanceExecutionResult", _field)
    ref("Log", _field)
ref("Log", "executionResult")
ref("Log", "customer")
ref("InstanceStepResult", "executionResult")


lookup("executionResult", "InstanceExecutionResult")
lookup("stepResult", "InstanceStepResult")


def _running(run: Record) -> bool:
    """A run is still going until its ``readyAt`` (set when runs take time, see Emulator)."""
    ready = run.get("readyAt")
    return ready is not None and time.time() < float(ready)


@registry.field("InstanceExecutionResult", "status")
def execution_status(run: Record, info: Info) -> str:
    return "PENDING" if _running(run) else str(run["status"])


@registry.field("InstanceExecutionResult", "endedAt")
def execution_ended_at(run: Record, info: Info) -> Any:
    return None if _running(run) else run.get("endedAt")


@registry.query("executionResults")
def execution_results(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    runs = list(reversed(store(info).all("InstanceExecutionResult")))
    return listing(
        runs, args, store(info), order_fields=EXECUTION_ORDER, handled=("invokeType_In",)
    )


@registry.query("logs")
def logs(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    entries = [log for run in store(info).all("InstanceExecutionResult") for log in run["logs"]]
    return listing(entries, args, store(info), order_fields=LOG_ORDER, handled=("severity",))


@registry.query("executionSections")
def execution_sections(_: Any, info: Info, **_args: Any) -> dict[str, Any]:
    return {"nodes": []}


@registry.field("InstanceExecutionResult", "stepResults")
def execution_step_results(run: Record, info: Info, **args: Any) -> dict[str, Any]:
    steps = store(info).find("InstanceStepResult", executionResult=run["id"])
    return listing(steps, args, store(info), order_fields=STEP_ORDER)


@registry.field("InstanceExecutionResult", "logs")
def execution_logs(run: Record, info: Info, **args: Any) -> dict[str, Any]:
    return listing(
        list(run["logs"]), args, store(info), order_fields=LOG_ORDER, handled=("severity",)
    )


@registry.field("InstanceStepResult", "resultsUrl")
def results_url(step: Record, info: Info) -> str:
    return f"{ctx(info).base_url}/media/step-results/{step['id']}"


@mutation("testIntegrationFlow")
def test_integration_flow(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    flow = require(info, "IntegrationFlow", data.get("id"))
    config = test_flow_config(store(info), flow)
    if config is None:
        raise GraphQLError(NOT_FOUND)
    result = _test_run(store(info), config, data)
    return {"testIntegrationFlowResult": {**result, "flow": flow}, "errors": []}


@mutation("testInstanceFlowConfig")
def test_instance_flow_config(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    config = require(info, "InstanceFlowConfig", data.get("id"))
    result = _test_run(store(info), config, data)
    return {"testInstanceFlowConfigResult": {**result, "flowConfig": config}, "errors": []}


def _test_run(s: Store, config: Record, data: dict[str, Any]) -> dict[str, Any]:
    return run_flow(
        s,
        config,
        body=data.get("payload") or "",
        content_type=data.get("contentType"),
        headers=data.get("headers"),
        invoke_type="INTEGRATION_FLOW_TEST",
        is_test=True,
    )


def run_flow(
    s: Store,
    config: Record,
    *,
    body: str,
    content_type: str | None,
    headers: str | None,
    invoke_type: str,
    is_test: bool | None = None,
) -> dict[str, Any]:
    """Record one run of a flow config's flow; answers as the webhook would."""
    instance = s.get("Instance", config["instance"]) or {}
    flow = s.get("IntegrationFlow", config["flow"]) or {"steps": [], "name": config["flowName"]}
    integration = related(s, instance.get("integration")) or {}
    customer = related(s, instance.get("customer")) or {}
    run_id = ids.new_id("InstanceExecutionResult")
    clock = _Clock()
    started = clock.tick()
    context = {
        "instance": instance.get("id"),
        "instanceName": instance.get("name"),
        "flowConfig": config["id"],
        "flow": flow.get("id"),
        "flowName": flow.get("name"),
        "integration": integration.get("id"),
        "integrationName": integration.get("name"),
        "customer": customer.get("id"),
        "customerName": customer.get("name"),
        "executionResult": run_id,
        "isTestExecution": instance.get("isSystem") if is_test is None else is_test,
    }
    entries = [_log(context, clock.tick(), f"Starting Instance '{instance.get('name')}'", None)]
    request = {
        "data": _decode(body, content_type),
        "contentType": content_type or "",
        "headers": json.loads(headers) if headers else {},
    }
    steps = []
    for n, step in enumerate(flow["steps"]):
        name = str(step.get("name") or f"Step {n + 1}")
        action = step.get("action") or {}
        component_key = (action.get("component") or {}).get("key")
        step_started = clock.tick()
        output = {"payload": request} if n == 0 else {"data": None}
        entries.append(_log(context, clock.tick(), f"Running step '{name}'", camel(name)))
        steps.append(
            {
                "id": ids.new_id("InstanceStepResult"),
                "executionResult": run_id,
                "stepName": camel(name),
                "displayStepName": name,
                "startedAt": step_started,
                "endedAt": clock.tick(),
                "loopStepName": None,
                "loopStepIndex": None,
                "isLoopStep": False,
                "loopPath": None,
                "isRootResult": True,
                "branchName": None,
                "hasError": False,
                "fromPreprocessFlow": False,
                "componentActionKey": f"{component_key}.{action.get('key')}",
                "resultsMetadataUrl": None,
                "loopInputsUrl": None,
                "loopInputsMetadataUrl": None,
                "allowUpdate": False,
                "allowRemove": False,
                "output": output,
            }
        )
    entries.append(_log(context, clock.tick(), f"Ending Instance '{instance.get('name')}'", None))
    ended = clock.tick()
    run = {
        "id": run_id,
        "instance": instance.get("id"),
        "flow": flow.get("id"),
        "flowConfig": config["id"],
        "integration": integration.get("id"),
        "instanceType": "INTEGRATION",
        "startedAt": started,
        "endedAt": ended,
        "error": None,
        "status": "SUCCESS",
        "resultType": "COMPLETED",
        "invokeType": invoke_type,
        "isTestExecution": bool(context["isTestExecution"]),
        "isLre": False,
        "allocatedMemoryMb": 1024,
        "spendMbSecs": 1,
        "stepCount": len(steps),
        "retryCount": 0,
        "maxRetryCount": 0,
        "retryNextAt": None,
        "retryUniqueRequestId": None,
        "requestPayloadUrl": "",
        "responsePayloadUrl": "",
        "requestPayloadMetadataUrl": None,
        "responsePayloadMetadataUrl": None,
        "allowUpdate": False,
        "allowRemove": False,
        "logs": entries,
    }
    running_s = float(s.meta("execution_s") or 0)
    if running_s > 0:
        run["readyAt"] = time.time() + running_s
    s.insert("InstanceExecutionResult", run)
    for step in steps:
        s.insert("InstanceStepResult", step)
    for record, type_name in (
        (config, "InstanceFlowConfig"),
        (instance, "Instance"),
        (flow, "IntegrationFlow"),
    ):
        if record.get("id"):
            record["lastExecutedAt"] = ended
            s.put(type_name, record)
    answer = json.dumps({"executionId": run_id})
    return {
        "statusCode": 200,
        "headers": json.dumps({"Content-Type": "application/json"}),
        "body": answer,
        "execution": run,
    }


def _decode(body: str, content_type: str | None) -> Any:
    if content_type and "json" in content_type:
        try:
            return json.loads(body) if body else None
        except ValueError:
            return body
    return body


def _log(context: dict[str, Any], moment: str, message: str, step: str | None) -> dict[str, Any]:
    return {
        "id": ids.new_id("Log"),
        "timestamp": moment,
        "severity": "INFO",
        "message": message,
        "stepName": step,
        "loopStepName": None,
        "loopStepIndex": None,
        "sectionId": None,
        **context,
    }


class _Clock:
    """Distinct, increasing timestamps within one run, a millisecond apart."""

    def __init__(self) -> None:
        self._at = datetime.now(timezone.utc)

    def tick(self) -> str:
        self._at += timedelta(milliseconds=1)
        return self._at.isoformat()
