"""The control surface's routes, under ``/emulator/``: each needs the admin key.

Every route hands a JSON body (or the query) to the emulator's control method of
the same name and answers what it returns; a ``ControlError`` is answered with its
status and the field it names, ``{"errors": [{"message", "field"}]}``.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from ...errors import ControlError
from ..ruleargs import ARGUMENTS as RULE_FIELDS
from .messages import Answer, Front, Request, error, json_answer

ADMIN_HEADER = "X-Emulator-Admin-Key"
Handler = Callable[[Front, Request], Answer]


def admin(handler: Callable[[Front, Request], Any]) -> Handler:
    """The route, for whoever holds the admin key; what it returns answered as JSON."""

    def guarded(front: Front, request: Request) -> Answer:
        given = request.header(ADMIN_HEADER)
        if not hmac.compare_digest(given.encode(), front.emulator.admin_key.encode()):
            return error(403, f"{ADMIN_HEADER} is missing or wrong")
        try:
            return json_answer(200, handler(front, request))
        except ControlError as refused:
            body = {"errors": [{"message": str(refused), "field": refused.field}]}
            return json_answer(refused.status, body)

    guarded.__name__ = handler.__name__
    guarded.__doc__ = handler.__doc__
    return guarded


def body(request: Request) -> dict[str, Any]:
    """The request's JSON object (``{}`` for no body), else a ``ControlError`` (400)."""
    if not request.body.strip():
        return {}
    try:
        value = json.loads(request.body)
    except (ValueError, RecursionError) as exc:
        raise ControlError("body", f"expected a JSON object ({exc})") from None
    if not isinstance(value, dict):
        raise ControlError("body", "expected a JSON object")
    return value


def known(given: dict[str, Any], *names: str) -> dict[str, Any]:
    """``given``, refused (400, naming the field) if it holds a name not in ``names``."""
    for name in given:
        if name not in names:
            raise ControlError(name, f"not a field here (expected one of {', '.join(names)})")
    return given


# ------------------------------------------------------------------ the clock


@admin
def clock(front: Front, request: Request) -> Any:
    """``GET /emulator/clock``: the emulator's time."""
    return front.emulator.clock()


@admin
def clock_advance(front: Front, request: Request) -> Any:
    """``POST /emulator/clock`` ``{"seconds": s}``: move a manual clock on."""
    given = known(body(request), "seconds")
    if "seconds" not in given:
        raise ControlError("seconds", "expected the seconds to move the clock on")
    return front.emulator.clock_advance(given["seconds"])


# ---- fault rules


@admin
def faults(front: Front, request: Request) -> Any:
    """``GET /emulator/faults``: the rules, in the order they are tried."""
    return front.emulator.faults()


@admin
def fault_add(front: Front, request: Request) -> Any:
    """``POST /emulator/faults`` with ``fault_add``'s arguments: ``{"id": ...}``."""
    return {"id": front.emulator.fault_add(**known(body(request), *RULE_FIELDS))}


@admin
def fault_remove(front: Front, request: Request) -> Any:
    """``DELETE /emulator/faults/{id}``."""
    return front.emulator.fault_remove(request.params["id"])


@admin
def faults_clear(front: Front, request: Request) -> Any:
    """``DELETE /emulator/faults``: every rule gone."""
    return front.emulator.faults_clear()


# ---- the journal


@admin
def journal(front: Front, request: Request) -> Any:
    """``GET /emulator/journal?operation=&kind=&since=&applied=true|false``: a JSON list."""
    query = known(request.query(), "operation", "kind", "since", "applied")
    applied = query.get("applied")
    if applied is not None and applied not in ("true", "false"):
        raise ControlError("applied", f"expected true or false, got {applied!r}")
    return front.emulator.journal(
        query.get("operation"),
        query.get("kind"),
        query.get("since"),
        None if applied is None else applied == "true",
    )


@admin
def journal_clear(front: Front, request: Request) -> Any:
    """``DELETE /emulator/journal``."""
    return front.emulator.journal_clear()


ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/emulator/clock", clock),
    ("POST", "/emulator/clock", clock_advance),
    # ---- fault rules
    ("GET", "/emulator/faults", faults),
    ("POST", "/emulator/faults", fault_add),
    ("DELETE", "/emulator/faults", faults_clear),
    ("DELETE", "/emulator/faults/{id}", fault_remove),
    # ---- the journal
    ("GET", "/emulator/journal", journal),
    ("DELETE", "/emulator/journal", journal_clear),
]


# ------------------------------------------------------------------ scripted runs

SCRIPT_FIELDS = ("target", "status", "error", "duration_s", "polls", "logs", "result", "times")


@admin
def script_flow(front: Front, request: Request) -> Any:
    """``POST /emulator/scripts`` ``{"target", "status", ...}``: script a flow's next runs."""
    given = known(body(request), *SCRIPT_FIELDS)
    if "target" not in given:
        raise ControlError("target", "expected a flow's ID or name, or a flow config's ID")
    target = given.pop("target")
    return {"id": front.emulator.script_flow(target, **given)}


@admin
def scripts(front: Front, request: Request) -> Any:
    """``GET /emulator/scripts``: the scripts not yet used up, oldest first."""
    return {"scripts": front.emulator.scripts()}


@admin
def clear_scripts(front: Front, request: Request) -> Any:
    """``DELETE /emulator/scripts``: drop every script."""
    return {"cleared": front.emulator.clear_scripts()}


@admin
def run_flow(front: Front, request: Request) -> Any:
    """``POST /emulator/runs`` ``{"target", "payload", "times"}``: start runs, as a webhook
    call would; ``{"executions": [IDs]}``."""
    given = known(body(request), "target", "payload", "times")
    if "target" not in given:
        raise ControlError("target", "expected a flow's ID or name, or a flow config's ID")
    made = front.emulator.run_flow(given["target"], given.get("payload"), given.get("times", 1))
    return {"executions": made}


ROUTES += [
    ("POST", "/emulator/scripts", script_flow),
    ("GET", "/emulator/scripts", scripts),
    ("DELETE", "/emulator/scripts", clear_scripts),
    ("POST", "/emulator/runs", run_flow),
]


# ---- snapshots (``snapshots.py``): a name only, never a path, from here


@admin
def snapshots(front: Front, request: Request) -> Any:
    """``GET /emulator/snapshots``: ``{"snapshots": [...]}``, by name."""
    return {"snapshots": front.emulator.snapshots()}


@admin
def snapshot_save(front: Front, request: Request) -> Any:
    """``POST /emulator/snapshots`` ``{"name"}``: save the state as ``name``."""
    given = known(body(request), "name")
    if "name" not in given:
        raise ControlError("name", "expected the snapshot's name")
    return front.emulator.snapshot_save(given["name"])


@admin
def snapshot_load(front: Front, request: Request) -> Any:
    """``POST /emulator/snapshots/{name}/load``: put the saved state in place."""
    known(body(request))
    return front.emulator.snapshot_load(_name(request))


@admin
def snapshot_delete(front: Front, request: Request) -> Any:
    """``DELETE /emulator/snapshots/{name}``."""
    return front.emulator.snapshot_delete(_name(request))


def _name(request: Request) -> str:
    # Decoded, so that ``%2E%2E`` is refused as the ``..`` it stands for, by name.
    return unquote(request.params["name"])


ROUTES += [
    ("GET", "/emulator/snapshots", snapshots),
    ("POST", "/emulator/snapshots", snapshot_save),
    ("POST", "/emulator/snapshots/{name}/load", snapshot_load),
    ("DELETE", "/emulator/snapshots/{name}", snapshot_delete),
]
