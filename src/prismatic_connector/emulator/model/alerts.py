"""Alerting: triggers, groups of users and webhooks, monitors on instances, and events.

A monitor watches one instance (or one of its flow configs) for the triggers it
names. After every run of a monitored instance, ``on_run`` checks them: a log at or
above the monitor's severity level, a run at least as long as its duration, or a
failed run. A match records an event, marks the monitor triggered until it is
cleared, and calls its webhooks with their payload templates hydrated.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import Any

from .. import ids, outbound
from ..query import PLAIN, Listing, filters
from ..transaction import Record, Tx, Where
from .base import Invalid, check_name, require, stamp

# (key, name) of the triggers Prismatic offers; their IDs are stable.
TRIGGERS = (
    ("execution_failed", "Execution Failed"),
    ("execution_duration_matched", "Execution Duration Matched"),
    ("execution_overdue", "Execution Overdue"),
    ("log_severity_matched", "Log Severity Level Matched"),
    ("connection_error", "Connection Error"),
)
# (level, name): a monitor's logSeverityLevelCondition is one of these levels, and a
# log at that level or above matches it. METRIC records are not a severity.
SEVERITIES = ((1, "TRACE"), (2, "DEBUG"), (3, "INFO"), (4, "WARN"), (5, "ERROR"), (6, "FATAL"))
SEVERITY_LEVELS = (*SEVERITIES, (7, "METRIC"))
_LEVEL = {name: level for level, name in SEVERITIES}
EVENTS = Listing(order_fields={"CREATED_AT": "createdAt"}, newest_first=True)


def trigger(key: str, name: str) -> Record:
    return {
        "id": ids.encode("AlertTrigger", key),
        "key": key,
        "name": name,
        "allowUpdate": False,
        "allowRemove": False,
    }


ALL_TRIGGERS = tuple(trigger(key, name) for key, name in TRIGGERS)
_TRIGGER_KEYS = {record["id"]: record["key"] for record in ALL_TRIGGERS}


def _owned(record: Record) -> Record:
    record.update(allowUpdate=True, allowRemove=True)
    return stamp(record, created=True)


def _existing(tx: Tx, type_name: str, field: str, given: Any) -> list[str]:
    """The IDs a mutation names, each checked to be a record of ``type_name``."""
    found = []
    for id_ in given or []:
        if not isinstance(id_, str) or tx.get(type_name, id_) is None:
            raise Invalid.on(field, f"{type_name} {id_!r} does not exist.")
        found.append(id_)
    return found


def create_group(tx: Tx, data: dict[str, Any]) -> Record:
    check_name(data, required=True)
    record = {
        "id": ids.new_id("AlertGroup"),
        "name": data["name"].strip(),
        "users": _existing(tx, "User", "users", data.get("users")),
        "webhooks": _existing(tx, "AlertWebhook", "webhooks", data.get("webhooks")),
    }
    return tx.insert("AlertGroup", _owned(record))


def create_webhook(tx: Tx, data: dict[str, Any]) -> Record:
    check_name(data, required=True)
    url = (data.get("url") or "").strip()
    if not url.startswith(("http://", "https://")):
        raise Invalid.on("url", "Enter a valid URL.")
    template = data.get("payloadTemplate")
    if not template:
        raise Invalid.on("payloadTemplate", "This field may not be blank.")
    headers = data.get("headers") or None
    if headers is not None:
        _check_headers(headers)
    record = {
        "id": ids.new_id("AlertWebhook"),
        "name": data["name"].strip(),
        "url": url,
        "headers": headers,
        "payloadTemplate": template,
    }
    return tx.insert("AlertWebhook", _owned(record))


def _check_headers(headers: str) -> None:
    try:
        parsed = json.loads(headers)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise Invalid.on("headers", "Headers must be a JSON object of names to values.")


def create_monitor(tx: Tx, data: dict[str, Any]) -> Record:
    check_name(data, required=True)
    instance_id = data.get("instance")
    config_id = data.get("flowConfig")
    if config_id is not None:
        config = require(tx, "InstanceFlowConfig", config_id)
        instance_id = instance_id or config["instance"]
    if not instance_id:
        raise Invalid.on("instance", "A monitor needs an instance or a flow config.")
    instance = require(tx, "Instance", instance_id)
    triggers = []
    for id_ in data.get("triggers") or []:
        if id_ not in _TRIGGER_KEYS:
            raise Invalid.on("triggers", f"AlertTrigger {id_!r} does not exist.")
        triggers.append(id_)
    if not triggers:
        raise Invalid.on("triggers", "A monitor needs at least one trigger.")
    level = data.get("logSeverityLevelCondition")
    if level is not None and level not in dict(SEVERITIES):
        raise Invalid.on("logSeverityLevelCondition", f"{level} is not a log severity level.")
    record = {
        "id": ids.new_id("AlertMonitor"),
        "name": data["name"].strip(),
        "instance": instance["id"],
        "flowConfig": config_id,
        "triggers": triggers,
        "groups": _existing(tx, "AlertGroup", "groups", data.get("groups")),
        "users": _existing(tx, "User", "users", data.get("users")),
        "webhooks": _existing(tx, "AlertWebhook", "webhooks", data.get("webhooks")),
        "logSeverityLevelCondition": level,
        "durationSecondsCondition": data.get("durationSecondsCondition"),
        "executionOverdueMinutesCondition": data.get("executionOverdueMinutesCondition"),
        "triggered": False,
        "lastTriggeredAt": None,
        "systemSuspended": False,
    }
    return tx.insert("AlertMonitor", _owned(record))


def clear_monitor(tx: Tx, monitor_id: Any) -> Record:
    found = require(tx, "AlertMonitor", monitor_id)
    found["triggered"] = False
    return tx.put("AlertMonitor", stamp(found))


def delete(tx: Tx, type_name: str, record_id: Any) -> Record:
    """Delete a group, webhook or monitor, and take it out of whatever lists name it."""
    found = require(tx, type_name, record_id)
    field = {"AlertGroup": "groups", "AlertWebhook": "webhooks"}.get(type_name)
    if field:
        for holder_type in ("AlertMonitor", "AlertGroup"):
            for holder in tx.select(holder_type, holding(field, found["id"])):
                holder[field] = [id_ for id_ in holder[field] if id_ != found["id"]]
                tx.put(holder_type, holder)
    tx.delete(type_name, found["id"])
    return found


def holding(field: str, record_id: str) -> Where:
    """The records whose ``field`` (a list of IDs) names ``record_id``."""
    return filters({f"{field}_Contains": record_id}, PLAIN)


def on_run(tx: Tx, run: Record, logs: list[Record], config_id: str) -> None:
    """Check the monitors of the run's instance; record an event for each match and,
    once the run is committed, call the monitor's webhooks (its own and its groups')."""
    for monitor in tx.find("AlertMonitor", instance=run.get("instance")):
        if monitor.get("flowConfig") not in (None, config_id):
            continue
        matches = _matches(monitor, run, logs)
        if not matches:
            continue
        moment = ids.now()
        for trigger_name, details, step in matches:
            event = {"id": ids.new_id("AlertEvent"), "monitor": monitor["id"], "details": details}
            tx.insert("AlertEvent", _owned(event))
            values = _placeholders(tx, monitor, run, trigger_name, step)
            for webhook in _webhooks(tx, monitor):
                body = hydrate(webhook["payloadTemplate"], values)
                headers = json.loads(webhook.get("headers") or "{}")
                tx.after_commit(
                    functools.partial(outbound.post_later, webhook["url"], headers, body)
                )
        monitor.update(triggered=True, lastTriggeredAt=moment)
        tx.put("AlertMonitor", monitor)


def hydrate(template: str, values: dict[str, str]) -> str:
    """The template with Prismatic's ``$NAME``-style keywords replaced, longest first,
    so ``$INSTANCE_ID`` is not read as ``$INSTANCE`` followed by ``_ID``."""
    for key in sorted(values, key=len, reverse=True):
        template = template.replace(f"${key}", values[key])
    return template


def _placeholders(
    tx: Tx, monitor: Record, run: Record, trigger_name: str, step: str
) -> dict[str, str]:
    instance = tx.get("Instance", run.get("instance") or "") or {}
    customer = tx.get("Customer", instance.get("customer") or "") or {}
    flow = tx.get("IntegrationFlow", run.get("flow") or "") or {}
    public_url = tx.meta("public_url") or ""
    return {
        "SUBJECT": "Prismatic.io Alert",
        "NAME": monitor["name"],
        "INSTANCE": instance.get("name") or "",
        "INSTANCE_ID": instance.get("id") or "",
        "EXECUTION_ID": run["id"],
        "CUSTOMER": customer.get("name") or "",
        "CUSTOMER_EXTERNAL_ID": customer.get("externalId") or "",
        "FLOW": flow.get("name") or "",
        "TRIGGER": trigger_name,
        "STEP": step,
        "URL": f"{public_url}/alert-monitors/{monitor['id']}",
    }


def _webhooks(tx: Tx, monitor: Record) -> list[Record]:
    held = list(monitor.get("webhooks") or [])
    for group_id in monitor.get("groups") or []:
        group = tx.get("AlertGroup", group_id) or {}
        held += [id_ for id_ in group.get("webhooks") or [] if id_ not in held]
    return [found for found in (tx.get("AlertWebhook", id_) for id_ in held) if found]


def _matches(monitor: Record, run: Record, logs: list[Record]) -> list[tuple[str, str, str]]:
    """(trigger name, event details, step name) of each trigger the run meets."""
    keys = {_TRIGGER_KEYS[id_] for id_ in monitor["triggers"]}
    names = dict(TRIGGERS)
    found = []
    where = f"execution {run['id']} of instance {run.get('instance')}"
    if "execution_failed" in keys and run.get("error"):
        name = names["execution_failed"]
        found.append((name, f"{name}: {where}: {run['error']}", ""))
    level = monitor.get("logSeverityLevelCondition")
    if "log_severity_matched" in keys and level is not None:
        hits = [log for log in logs if _LEVEL.get(log.get("severity", ""), 0) >= level]
        if hits:
            name = names["log_severity_matched"]
            details = f"{name}: {len(hits)} log(s) at {dict(SEVERITIES)[level]} or above in {where}"
            found.append((name, details, str(hits[0].get("stepName") or "")))
    duration = monitor.get("durationSecondsCondition")
    if "execution_duration_matched" in keys and duration is not None:
        taken = _seconds(run.get("startedAt"), run.get("endedAt"))
        if taken >= duration:
            name = names["execution_duration_matched"]
            found.append((name, f"{name}: {where} took {taken:.3f} s", ""))
    return found


def _seconds(started: Any, ended: Any) -> float:
    try:
        return (datetime.fromisoformat(ended) - datetime.fromisoformat(started)).total_seconds()
    except (TypeError, ValueError):
        return 0.0
