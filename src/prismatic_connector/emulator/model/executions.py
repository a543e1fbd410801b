"""Flow runs: tests of integration flows and instance flow configs, webhook invocations,
and the executions, step results and logs they leave behind.

The emulator does not run component code: a run walks the flow's steps in order,
records a result for each (the trigger's is its payload, see ``triggers``), and logs
the start and end of the instance as the real runner does. A replay is one more run of
the same flow config with the original's request, holding the original's ID in
``replayForExecution``.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from ...errors import ControlError
from ...names import camel
from .. import ids
from ..query import Listing
from ..transaction import Record, Tx, Where
from . import instances, scripts, triggers
from .base import Invalid, related, require

ORDER = {"STARTED_AT": "startedAt", "ENDED_AT": "endedAt"}
RUNS = Listing(
    order_fields=ORDER,
    handled=("invokeType_In",),
    newest_first=True,
    custom={
        "status": scripts.status_condition,
        "error_Isnull": scripts.unset("error"),
        "replayForExecution_Isnull": scripts.unset("replayForExecution"),
    },
)
STEPS = Listing(order_fields=ORDER)
LOGS = Listing(
    order_fields={
        "TIMESTAMP": "timestamp",
        "SEVERITY": "severity",
        "MESSAGE": "message",
        "INSTANCE": "instanceName",
        "INTEGRATION": "integrationName",
        "FLOW": "flowName",
    },
    handled=("severity",),
    scope=scripts.released,
    exact_order=("timestamp",),
)


def execution(run_id: str, context: dict[str, Any], **fields: Any) -> Record:
    return {
        "id": run_id,
        "instance": context["instance"],
        "flow": context["flow"],
        "flowConfig": context["flowConfig"],
        "integration": context["integration"],
        "instanceType": "INTEGRATION",
        "error": None,
        "status": "SUCCESS",
        "resultType": "COMPLETED",
        "isTestExecution": bool(context["isTestExecution"]),
        "isLre": False,
        "allocatedMemoryMb": 1024,
        "spendMbSecs": 1,
        "retryCount": 0,
        "maxRetryCount": 0,
        "retryNextAt": None,
        "retryUniqueRequestId": None,
        "replayForExecution": None,
        "requestPayloadUrl": "",
        "responsePayloadUrl": "",
        "requestPayloadMetadataUrl": None,
        "responsePayloadMetadataUrl": None,
        "allowUpdate": False,
        "allowRemove": False,
        **fields,
    }


def step_result(run_id: str, step: dict[str, Any], n: int, **fields: Any) -> Record:
    name = str(step.get("name") or f"Step {n + 1}")
    action = step.get("action") or {}
    component_key = (action.get("component") or {}).get("key")
    return {
        "id": ids.new_id("InstanceStepResult"),
        "executionResult": run_id,
        "stepName": camel(name),
        "displayStepName": name,
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
        **fields,
    }


def log(context: dict[str, Any], moment: str, message: str, step: str | None) -> Record:
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


def running(run: Record) -> bool:
    """A run is still going until its ``readyAt`` (when runs take time, or are scripted)."""
    return scripts.status_of(run, ids.seconds()) in ("QUEUED", "PENDING")


def run_test(
    tx: Tx, config: Record, data: dict[str, Any], invoke_type: str = "INTEGRATION_FLOW_TEST"
) -> dict[str, Any]:
    request = triggers.Request(
        body=data.get("payload") or "",
        content_type=data.get("contentType"),
        headers=json.loads(data["headers"]) if data.get("headers") else {},
    )
    return run_flow(tx, config, request, invoke_type=invoke_type, is_test=True)


def invoke_webhook(
    tx: Tx, config_id: str, request: triggers.Request, *, synchronous: bool = False
) -> tuple[str, Any] | None:
    """Run the flow behind a webhook URL: (execution ID, answer); None when no live instance
    has that URL. A synchronous call is answered with the flow's result (its last step's)."""
    config = tx.get("InstanceFlowConfig", config_id)
    instance = tx.get("Instance", config["instance"]) if config else None
    if config is None or instance is None or not instances.live(instance):
        return None
    result = run_flow(tx, config, request, invoke_type="WEBHOOK")
    run_id = str(result["execution"]["id"])
    if synchronous:
        last = tx.select(
            "InstanceStepResult",
            Where().equal("executionResult", run_id),
            order=("r.seq DESC",),
            limit=1,
        )
        output = last[0]["output"] if last else {}
        return run_id, output.get("data", output.get("payload"))
    return run_id, json.loads(result["body"])


def run_flow(
    tx: Tx,
    config: Record,
    request: triggers.Request,
    *,
    invoke_type: str,
    is_test: bool | None = None,
    replay_of: str | None = None,
) -> dict[str, Any]:
    """Record one run of a flow config's flow; answers as the webhook would."""
    records = _records(tx, config)
    instance, flow = records["instance"], records["flow"]
    run_id = ids.new_id("InstanceExecutionResult")
    clock = _Ticks()
    started = clock.tick()
    context = _log_context(records, run_id, is_test)
    name = instance.get("name")
    logs = [log(context, clock.tick(), f"Starting Instance Execution for '{name}'", None)]
    trigger = triggers.payload(tx, request, {"id": run_id, "startedAt": started}, records)
    steps = []
    for n, step in enumerate(flow["steps"]):
        made = step_result(run_id, step, n, startedAt=clock.tick())
        running_step = f"Running step '{made['displayStepName']}'"
        logs.append(log(context, clock.tick(), running_step, made["stepName"]))
        made["endedAt"] = clock.tick()
        made["output"] = {"data": trigger, "trigger": True} if n == 0 else {"data": None}
        steps.append(made)
    # Prismatic's CLI tails the logs until this line.
    logs.append(log(context, clock.tick(), f"Ending Instance Execution for '{name}'", None))
    ended = clock.tick()
    run = execution(
        run_id,
        context,
        startedAt=started,
        endedAt=ended,
        invokeType=invoke_type,
        stepCount=len(steps),
        requestPayload=request.body,
        requestContentType=request.content_type or "",
        requestHeaders=trigger["headers"],
        replayForExecution=replay_of,
    )
    script = scripts.take(tx, config, flow)
    later = script is not None and scripts.apply(script, run, steps, logs, context)
    running_s = float(tx.meta("execution_s") or 0)
    if script is None and running_s > 0:
        run["readyAt"] = ids.seconds() + running_s
    tx.insert("InstanceExecutionResult", run)
    tx.insert_many("InstanceStepResult", steps)
    tx.insert_many("Log", logs)
    if not later:
        scripts.ended(tx, run, logs)
    return {
        "statusCode": 200,
        "headers": json.dumps({"Content-Type": "application/json"}),
        "body": json.dumps({"executionId": run_id}),
        "execution": run,
    }


def _records(tx: Tx, config: Record) -> dict[str, Record]:
    """What a run of ``config`` involves: its instance, flow, integration and customer."""
    instance = tx.get("Instance", config["instance"]) or {}
    flow = tx.get("IntegrationFlow", config["flow"]) or {"steps": [], "name": config["flowName"]}
    return {
        "config": config,
        "instance": instance,
        "flow": flow,
        "integration": related(tx, instance.get("integration")) or {},
        "customer": related(tx, instance.get("customer")) or {},
    }


def _log_context(records: dict[str, Record], run_id: str, is_test: bool | None) -> dict[str, Any]:
    """What every log of the run names (and the execution record takes)."""
    instance, flow = records["instance"], records["flow"]
    integration, customer = records["integration"], records["customer"]
    return {
        "instance": instance.get("id"),
        "instanceName": instance.get("name"),
        "flowConfig": records["config"]["id"],
        "flow": flow.get("id"),
        "flowName": flow.get("name"),
        "integration": integration.get("id"),
        "integrationName": integration.get("name"),
        "customer": customer.get("id"),
        "customerName": customer.get("name"),
        "executionResult": run_id,
        "isTestExecution": instance.get("isSystem") if is_test is None else is_test,
    }


class _Ticks:
    """Distinct, increasing timestamps within one run, a millisecond apart."""

    def __init__(self) -> None:
        self._at = ids.moment()

    def tick(self) -> str:
        self._at += timedelta(milliseconds=1)
        return self._at.isoformat()


def run_target(tx: Tx, target: str, payload: Any, times: int) -> list[str]:
    """Start ``times`` runs of every deployed flow config ``target`` names (else of its
    test instance's), as webhook calls would; their execution IDs."""
    deployed: list[Record] = []
    tests: list[Record] = []
    for config in scripts.targets(tx, target):
        instance = tx.get("Instance", config["instance"])
        if instance is not None and instances.live(instance):
            (tests if instance["isSystem"] else deployed).append(config)
    # A flow's test instance runs only when no customer's instance does.
    configs = deployed or tests
    if not configs:
        raise ControlError("target", f"no deployed instance runs {target!r}", status=409)
    body = payload if isinstance(payload, str) else json.dumps(payload)
    request = triggers.Request(body=body or "", content_type="application/json", headers={})
    made = []
    for _ in range(times):
        for config in configs:
            run = run_flow(tx, config, request, invoke_type="WEBHOOK")
            made.append(str(run["execution"]["id"]))
    return made


def replay(tx: Tx, run_id: Any) -> Record:
    """A new run of ``run_id``'s flow config with its request, linked to it as its replay.

    Refused while the run is still going (it has no outcome to replay yet) and when its
    instance no longer runs (deleted, disabled or never deployed), as a webhook would be."""
    original = require(tx, "InstanceExecutionResult", run_id)
    if running(original):
        raise Invalid.on("id", "This execution is still running; replay it once it has ended.")
    config = tx.get("InstanceFlowConfig", original.get("flowConfig"))
    instance = tx.get("Instance", config["instance"]) if config else None
    if config is None or instance is None or not instances.live(instance):
        raise Invalid.on("id", "The instance that ran this execution is not deployed and enabled.")
    request = triggers.Request(
        body=original.get("requestPayload") or "",
        content_type=original.get("requestContentType") or None,
        headers=original.get("requestHeaders") or {},
    )
    made = run_flow(
        tx,
        config,
        request,
        invoke_type=str(original.get("invokeType") or "WEBHOOK"),
        is_test=bool(original.get("isTestExecution")),
        # A replay of a replay counts as one more of the first run's, so its ``replays`` hold
        # every attempt.
        replay_of=str(original.get("replayForExecution") or original["id"]),
    )
    return dict(made["execution"])
