"""Scripted runs: what a test says the next runs of a flow do, and how a run reads over time.

A script names its target (a flow's ID in one version, a flow's name in every version
and instance, or an instance's flow config ID) and what its runs do: end in SUCCESS or
ERROR, after ``duration_s`` of the emulator's clock or after ``polls`` reads of their
status, logging lines as the clock reaches them. Scripts are taken first in, first
out; one without ``times`` stands for every run from then on.

A run's status is derived from what is stored and the clock, the same way where it is
read (``status_of``) and where a list filters on it (``status_condition``): QUEUED until
the clock moves past its start (or its first poll), PENDING until ``readyAt``, then its
outcome. What a run does when it ends (alerts, the instance's failure state) is done by
``settle`` once the clock has passed its end: on the next request or clock move, and on
a wall clock within a fifth of a second though nothing asks (``settler.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from ...errors import ControlError
from .. import ids
from ..transaction import Record, Tx, Where, field_sql
from . import alerts

# Epoch seconds no clock reaches: a run waiting on its polls has no end time yet.
FOREVER = 1e15
OUTCOMES = ("SUCCESS", "ERROR")
SEVERITIES = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "METRIC")
MAX_S = 10 * 365 * 86_400.0


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat()


# ------------------------------------------------------------------ scripts


def targets(tx: Tx, target: Any) -> list[Record]:
    """The flow configs ``target`` names, else a ``ControlError`` naming ``target``."""
    if not isinstance(target, str) or not target.strip():
        raise ControlError("target", "expected a flow's ID or name, or a flow config's ID")
    config = tx.get("InstanceFlowConfig", target)
    if config is not None:
        return [config]
    flow = tx.get("IntegrationFlow", target) if ids.type_of(target) else None
    flows = [flow] if flow is not None else tx.find("IntegrationFlow", name=target)
    if not flows:
        raise ControlError("target", f"no flow or instance flow config is {target!r}")
    return [c for f in flows for c in tx.find("InstanceFlowConfig", flow=f["id"])]


def check(given: dict[str, Any]) -> dict[str, Any]:
    """``script_flow``'s arguments, each checked (a ``ControlError`` names the first wrong)."""
    status = given.get("status", "SUCCESS")
    if status not in OUTCOMES:
        raise ControlError("status", f"expected SUCCESS or ERROR, got {status!r}")
    error = given.get("error")
    if error is not None and not isinstance(error, str):
        raise ControlError("error", "expected the error's text")
    if status == "ERROR" and not error:
        error = "Scripted failure"
    if status == "SUCCESS" and error:
        raise ControlError("error", "a SUCCESS run has no error (give status ERROR)")
    duration = _number(given.get("duration_s", 0), "duration_s")
    polls = given.get("polls")
    if polls is not None and (_whole(polls, "polls") < 1 or duration):
        raise ControlError("polls", "expected a count of 1 or more, without duration_s")
    times = given.get("times")
    if times is not None and _whole(times, "times") < 1:
        raise ControlError("times", "expected a count of 1 or more (or none: every run)")
    logs = [_log_line(line, n) for n, line in enumerate(given.get("logs") or ())]
    return {
        "status": status,
        "error": error,
        "duration_s": duration,
        "polls": polls,
        "logs": logs,
        "result": given.get("result"),
        "times": times,
    }


def _number(value: Any, field: str) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not 0 <= value <= MAX_S:
        raise ControlError(field, f"expected seconds from 0 to {MAX_S:g}, got {value!r}")
    return float(value)


def _whole(value: Any, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ControlError(field, f"expected a whole number, got {value!r}")
    return value


def _log_line(line: Any, n: int) -> dict[str, Any]:
    field = f"logs[{n}]"
    if isinstance(line, (list, tuple)) and len(line) == 3:
        line = {"offset_s": line[0], "severity": line[1], "message": line[2]}
    if not isinstance(line, dict) or set(line) - {"offset_s", "severity", "message", "late_by_s"}:
        raise ControlError(field, "expected [offset_s, severity, message] or an object of them")
    severity = str(line.get("severity", "INFO")).upper()
    if severity not in SEVERITIES:
        raise ControlError(field, f"severity is one of {', '.join(SEVERITIES)}")
    if not isinstance(line.get("message"), str):
        raise ControlError(field, "expected the line's message")
    return {
        "offset_s": _number(line.get("offset_s", 0), field),
        "severity": severity,
        "message": line["message"],
        "late_by_s": _number(line.get("late_by_s", 0), field),
    }


def add(tx: Tx, target: str, given: dict[str, Any]) -> str:
    targets(tx, target)
    script = {"id": ids.new_id("RunScript"), "target": target, **check(given)}
    tx.insert("RunScript", script)
    return str(script["id"])


def listed(tx: Tx) -> list[Record]:
    return tx.select("RunScript")


def clear(tx: Tx) -> int:
    found = tx.ids("RunScript")
    for id_ in found:
        tx.delete("RunScript", id_)
    return len(found)


def take(tx: Tx, config: Record, flow: Record) -> Record | None:
    """The oldest script for a run of ``config``, used once."""
    names = [n for n in (config.get("id"), flow.get("id"), flow.get("name")) if n]
    found = tx.select("RunScript", Where().equal("target", names), limit=1)
    if not found:
        return None
    script = found[0]
    if script["times"] is not None:
        script["times"] -= 1
        if script["times"] <= 0:
            tx.delete("RunScript", script["id"])
        else:
            tx.put("RunScript", script)
    return script


# ------------------------------------------------------------------ a scripted run


def apply(
    script: Record, run: Record, steps: list[Record], logs: list[Record], context: Record
) -> bool:
    """Make the run what ``script`` says; True when it ends later (``settle`` then)."""
    start = ids.seconds()
    run["status"], run["error"] = script["status"], script["error"]
    if script["status"] == "ERROR" and steps:
        steps[-1]["hasError"] = True
        steps[-1]["output"] = {"data": None, "error": script["error"]}
    if script["result"] is not None and steps:
        steps[-1]["output"] = {"data": script["result"]}
    ending = logs.pop()
    for line in script["logs"]:
        made = {
            **ending,
            "id": ids.new_id("Log"),
            "timestamp": iso(start + line["offset_s"]),
            "severity": line["severity"],
            "message": line["message"],
        }
        made["visibleAt"] = start + line["offset_s"] + line["late_by_s"]
        logs.append(made)
    if script["status"] == "ERROR":
        logs.append({**ending, "id": ids.new_id("Log"), "severity": "ERROR"})
        logs[-1]["message"] = script["error"]
    logs.append(ending)
    if script["polls"] is not None:
        run.update(polls=script["polls"], pollsSeen=0, queuedUntil=FOREVER, readyAt=FOREVER)
    elif script["duration_s"] > 0:
        end = start + script["duration_s"]
        run.update(queuedUntil=start, readyAt=end, endedAt=iso(end))
        for log in logs[-2 if script["status"] == "ERROR" else -1 :]:
            log["timestamp"] = iso(end)
    else:
        return False
    run["settleAt"] = run["readyAt"]
    for log in logs[-2 if script["status"] == "ERROR" else -1 :]:
        log["visibleAt"] = run["readyAt"]
    return True


def status_of(run: Record, now: float) -> str:
    """What a run's status reads at ``now``."""
    ready = run.get("readyAt")
    if ready is None or now >= float(ready):
        return str(run["status"])
    queued = run.get("queuedUntil")
    return "QUEUED" if queued is not None and now <= float(queued) else "PENDING"


def status_condition(value: Any) -> Where:
    """``status: value`` as SQL: the runs whose status reads ``value`` now (by index)."""
    now = ids.seconds()
    ready, queued = field_sql("readyAt"), field_sql("queuedUntil")
    if value == "QUEUED":
        return Where().add(f"{ready} > ? AND {queued} >= ?", now, now)
    if value == "PENDING":
        return Where().add(f"{ready} > ? AND coalesce({queued}, -1) < ?", now, now)
    return Where().add(f"{field_sql('status')} = ? AND coalesce({ready}, 0) <= ?", str(value), now)


def unset(name: str) -> Callable[[Any], Where]:
    """``<name>_Isnull`` as the field's index answers it, for a field holding text or null:
    every text is at least '' (a range the planner walks, where IS NOT NULL it would not)."""

    def condition(value: Any) -> Where:
        return Where().add(
            f"{field_sql(name)} {'IS NULL' if value else '>= ?'}", *([] if value else [""])
        )

    return condition


error_unset = unset("error")


def released() -> Where:
    """The logs visible now: a scripted line shows once the clock reaches its time.

    The few lines still hidden are found through the index on ``visibleAt``, so a listing
    never decodes every line to ask each whether it is out yet.
    """
    hidden = (
        "SELECT h.seq FROM records h WHERE h.type = 'Log' AND "
        f"{field_sql('visibleAt', 'h.data')} > ?"
    )
    return Where().add(f"r.seq NOT IN ({hidden})", ids.seconds())


# ------------------------------------------------------------------ over time


def polled(tx: Tx, run_ids: Iterable[str]) -> None:
    """Count one read of each run's status; a run read as often as scripted then ends."""
    now = ids.seconds()
    for run_id in run_ids:
        run = tx.get("InstanceExecutionResult", run_id)
        if run is None or run.get("polls") is None or run["readyAt"] < FOREVER:
            continue
        run["pollsSeen"] += 1
        run["queuedUntil"] = -1.0
        if run["pollsSeen"] >= run["polls"]:
            run.update(readyAt=now, settleAt=now, endedAt=iso(now))
            for log in tx.find("Log", executionResult=run_id):
                if float(log.get("visibleAt") or 0) >= FOREVER:
                    log.update(visibleAt=now, timestamp=iso(now))
                    tx.put("Log", log)
        tx.put("InstanceExecutionResult", run)
    settle(tx)


def due(tx: Tx) -> bool:
    at = Where().add(f"{field_sql('settleAt')} <= ?", ids.seconds())
    return bool(tx.select("InstanceExecutionResult", at, limit=1))


def settle(tx: Tx) -> None:
    """What each run that has ended since does: its alerts, the instance's failure state."""
    at = Where().add(f"{field_sql('settleAt')} <= ?", ids.seconds())
    for run in tx.select("InstanceExecutionResult", at):
        del run["settleAt"]
        tx.put("InstanceExecutionResult", run)
        ended(tx, run, tx.find("Log", executionResult=run["id"]))


def ended(tx: Tx, run: Record, logs: list[Record]) -> None:
    """A run's end: monitors checked, and its flow config and instance marked."""
    alerts.on_run(tx, run, logs, run["flowConfig"])
    for type_name, id_ in (
        ("InstanceFlowConfig", run.get("flowConfig")),
        ("Instance", run.get("instance")),
        ("IntegrationFlow", run.get("flow")),
    ):
        record = tx.get(type_name, id_)
        if record is None:
            continue
        record["lastExecutedAt"] = run.get("endedAt")
        if type_name != "IntegrationFlow" and not run.get("isTestExecution"):
            record["inFailedState"] = run["status"] == "ERROR"
        tx.put(type_name, record)
