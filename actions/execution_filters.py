"""listExecutions and listLogs: filters the API spells otherwise, and times with a zone.

The API filters on ``error_Isnull`` and ``replayForExecution_Isnull``, the inverse of
what a user asks (has an error? is a replay?), takes the status as an enum and the IDs
as a list; a time without a zone would be read in the server's zone, so it is refused.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from prismatic_connector.component.hooks import InputError, Request

STATUSES = ("SUCCESS", "ERROR", "PENDING", "QUEUED")
TIMES = ("startedAfter", "startedBefore", "since")
MAX_IDS = 1000


def prepare(request: Request) -> Request:
    inputs, action = request.inputs, request.action
    for name in TIMES:
        if inputs.get(name) is not None:
            check_time(action, name, inputs[name])
    variables = dict(request.variables)
    if inputs.get("status") is not None:
        variables["executionStatus"] = _status(action, inputs["status"])
    if inputs.get("hasError") is not None:
        variables["errorIsnull"] = not inputs["hasError"]
    if inputs.get("isReplay") is not None:
        variables["originalsOnly"] = not inputs["isReplay"]
    if inputs.get("ids") is not None:
        variables["idIn"] = _ids(action, inputs["ids"])
    return request.with_(variables=variables)


def check_time(action: str, name: str, text: str) -> None:
    expected = "expected an ISO 8601 time with a zone, such as 2026-01-05T09:00:00Z"
    try:
        moment = datetime.fromisoformat(re.sub(r"[zZ]$", "+00:00", text.strip()))
    except ValueError:
        raise InputError(action, name, f"{expected}, got {text[:60]!r}") from None
    if moment.tzinfo is None:
        raise InputError(action, name, f"has no zone; {expected}")


def _status(action: str, text: str) -> str:
    status = text.strip().upper()
    if status not in STATUSES:
        raise InputError(action, "status", f"expected one of {', '.join(STATUSES)}")
    return status


def _ids(action: str, text: str) -> list[str]:
    found: Any
    if text.lstrip().startswith("["):
        try:
            found = json.loads(text)
        except ValueError:
            found = None
        if not isinstance(found, list) or not all(isinstance(i, str) and i for i in found):
            raise InputError(action, "ids", "expected a JSON list of execution IDs")
    else:
        found = [part for part in re.split(r"[\s,]+", text) if part]
    if not found or len(found) > MAX_IDS:
        raise InputError(action, "ids", f"expected from 1 to {MAX_IDS} execution IDs")
    return list(found)
