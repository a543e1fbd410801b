"""``fault_add``'s arguments, each checked: a ``ControlError`` (400) names a bad one."""

from __future__ import annotations

import math
import re
from typing import Any

from ..errors import ControlError

API = "/api"
TOKEN_ROUTES = ("/auth/refresh", "/oauth/token", "/auth/revoke")
PATHS = (API, *TOKEN_ROUTES)
NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
ACTIONS = ("status", "drop", "payload_errors", "graphql_error")
ARGUMENTS = (
    "operation",
    "kind",
    "path",
    "variables",
    "status",
    "drop",
    "payload_errors",
    "graphql_error",
    "latency_ms",
    "probability",
    "times",
    "seed",
)
DEFAULTS: dict[str, Any] = dict.fromkeys(ARGUMENTS) | {
    "latency_ms": 0,
    "probability": 1.0,
}
KINDS = ("query", "mutation")
DROPS = ("before", "after")
MAX_LATENCY_MS = 600_000.0


def check(given: dict[str, Any]) -> dict[str, Any]:
    """Every argument, with its default where not given; refused if any is wrong."""
    for name in given:
        if name not in DEFAULTS:
            raise ControlError(
                name, f"not a fault rule field (expected one of {', '.join(ARGUMENTS)})"
            )
    a = DEFAULTS | given
    if a["operation"] is not None and not (
        isinstance(a["operation"], str) and NAME.fullmatch(a["operation"])
    ):
        raise ControlError("operation", f"expected a GraphQL field name, got {a['operation']!r}")
    _one_of(a, "kind", KINDS)
    _one_of(a, "path", PATHS)
    _one_of(a, "drop", DROPS)
    if a["variables"] is not None and not isinstance(a["variables"], dict):
        raise ControlError("variables", "expected a JSON object of variables to match")
    status = a["status"]
    if status is not None and not (_whole(status) and (status == 429 or 500 <= status <= 599)):
        raise ControlError("status", f"expected 429 or a status from 500 to 599, got {status!r}")
    if a["graphql_error"] is not None and not (
        isinstance(a["graphql_error"], str) and a["graphql_error"].strip()
    ):
        raise ControlError("graphql_error", "expected the error's message, as text")
    if a["payload_errors"] is not None:
        a["payload_errors"] = _payload_errors(a["payload_errors"])
    a["latency_ms"] = _number(a["latency_ms"], "latency_ms", 0.0, MAX_LATENCY_MS)
    a["probability"] = _number(a["probability"], "probability", 0.0, 1.0)
    if a["times"] is not None and not (_whole(a["times"]) and a["times"] >= 1):
        raise ControlError("times", f"expected a whole number of at least 1, got {a['times']!r}")
    if a["seed"] is not None and not _whole(a["seed"]):
        raise ControlError("seed", f"expected a whole number, got {a['seed']!r}")
    actions = [name for name in ACTIONS if a[name] is not None]
    if len(actions) > 1:
        raise ControlError(
            actions[1], f"a rule does one thing: {' and '.join(actions)} were both given"
        )
    if not actions and not a["latency_ms"]:
        raise ControlError(
            "status",
            "expected what the rule does: status, drop, payload_errors, graphql_error"
            " or latency_ms",
        )
    if a["path"] in TOKEN_ROUTES:
        for name in ("operation", "kind", "payload_errors", "graphql_error"):
            if a[name] is not None:
                raise ControlError(name, f"{a['path']} is a token route, not a GraphQL request")
    return a


def _one_of(a: dict[str, Any], name: str, allowed: tuple[str, ...]) -> None:
    if a[name] is not None and a[name] not in allowed:
        raise ControlError(name, f"expected one of {', '.join(allowed)}, got {a[name]!r}")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any, name: str, low: float, high: float) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not low <= value <= high:
        raise ControlError(name, f"expected a number from {low:g} to {high:g}, got {value!r}")
    return float(value)


def _payload_errors(value: Any) -> list[dict[str, Any]]:
    problem = "expected a list of {field, messages}, messages a list of text"
    if not isinstance(value, list) or not value:
        raise ControlError("payload_errors", problem)
    out = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {"field", "messages"}:
            raise ControlError("payload_errors", problem)
        field, messages = item.get("field"), item.get("messages")
        if field is not None and not isinstance(field, str):
            raise ControlError("payload_errors", f"{problem}; field must be text or null")
        if not isinstance(messages, list) or not all(isinstance(m, str) for m in messages):
            raise ControlError("payload_errors", problem)
        out.append({"field": field, "messages": list(messages)})
    return out
