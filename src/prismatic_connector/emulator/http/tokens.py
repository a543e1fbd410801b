"""The token routes: ``POST /auth/refresh`` and ``/auth/revoke`` (JSON, as the connector
sends them) and ``POST /oauth/token`` (a form, as Prismatic's CLI sends it).

Both exchange routes are one exchange; a ``Dialect`` says how each reads its body
and words its answer. A tenant other than the organization's is refused as
Prismatic refuses it: 403 ``access_denied``. A body the route cannot read (not
JSON, or not a form, in UTF-8; invalid Unicode; a value of the wrong type) gets
400 ``invalid_request``, never an error of the emulator's own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from ..documents import NOTHING
from ..faults import PASS
from ..rules import Seen
from ..tokens import ForeignTenant
from .messages import DROP, Answer, Front, Request, json_answer, stopped

Fields = tuple[dict[str, Any], str]
UNKNOWN = {"error": "invalid_grant", "error_description": "Unknown or revoked refresh token"}
FOREIGN_TENANT = {
    "error": "access_denied",
    "error_description": "You do not have access to the specified tenant.",
}
SCOPE = "openid profile email offline_access"
# What each route reads from its body; the values must be text.
FIELDS = ("refresh_token", "tenant_id", "grant_type")


@dataclass(frozen=True)
class Dialect:
    """How one exchange route reads its body and words its answers.

    ``grant``: the ``grant_type`` the body must name, if it must name one.
    ``unknown``: the status and body for a refresh token that is unknown or revoked.
    ``granted``: what is added to the token answer.
    """

    read: Callable[[bytes], Fields]
    grant: str | None
    unknown: tuple[int, Mapping[str, Any]]
    granted: Mapping[str, Any]


def _exchange(front: Front, raw: bytes, dialect: Dialect) -> Answer:
    """An access token for ``{refresh_token, tenant_id?}``, as ``dialect`` reads and words it."""
    request, problem = dialect.read(raw)
    if problem:
        return _invalid(problem)
    if dialect.grant is not None and request.get("grant_type") != dialect.grant:
        return json_answer(400, {"error": "unsupported_grant_type"})
    try:
        answer = front.emulator.exchange(
            request.get("refresh_token") or "", request.get("tenant_id") or None
        )
    except ForeignTenant:
        return json_answer(403, FOREIGN_TENANT)
    if answer is None:
        return json_answer(*dialect.unknown)
    return json_answer(200, {**answer, **dialect.granted})


def refresh(front: Front, request: Request) -> Answer:
    """``/auth/refresh``, where the start-up faults reach too when ``on_refresh`` says so."""
    return _ruled(front, request, _json_object, lambda: _exchange(front, request.body, REFRESH))


def oauth_token(front: Front, request: Request) -> Answer:
    """``/oauth/token`` with ``grant_type=refresh_token``, as Prismatic's CLI sends it."""
    return _ruled(front, request, _form, lambda: _exchange(front, request.body, OAUTH))


def revoke(front: Front, request: Request) -> Answer:
    """``/auth/revoke``: revoke every refresh token of the user of ``{refresh_token}``."""
    return _ruled(front, request, _json_object, lambda: _revoke(front, request.body))


def _revoke(front: Front, raw: bytes) -> Answer:
    fields, problem = _json_object(raw)
    if problem:
        return _invalid(problem)
    if front.emulator.revoke(fields.get("refresh_token") or ""):
        return json_answer(200, {})
    return json_answer(401, UNKNOWN)


def _ruled(
    front: Front, request: Request, read: Callable[[bytes], Fields], run: Callable[[], Answer]
) -> Answer:
    """``run``, behind the fault rules for this route, and journaled (its fields masked)."""
    started = front.emulator.journal_log.start()
    fields, _ = read(request.body)
    verdict = front.emulator.fault_rules.strike(Seen(request.path, NOTHING, None, fields)) or PASS
    answer = stopped(verdict) or run()
    if verdict.kind == "drop_after_apply" and answer.status == 200:
        answer = DROP
    front.emulator.journal_log.record(
        request.path,
        started,
        variables=fields,
        status=0 if answer.drop else answer.status,
        fault=verdict.rule,
    )
    return answer


def _invalid(problem: str) -> Answer:
    return json_answer(400, {"error": "invalid_request", "error_description": problem})


def _json_object(raw: bytes) -> Fields:
    """The body's JSON object (an empty body reads as ``{}``), or what is wrong with it."""
    try:
        value = json.loads(raw or b"{}")
    except RecursionError:
        return {}, "the JSON is nested too deeply"
    except ValueError as exc:
        return {}, f"the body is not JSON in UTF-8 ({exc})"
    if not isinstance(value, dict):
        return {}, "expected a JSON object"
    return value, _fields_problem(value)


def _form(raw: bytes) -> Fields:
    """The body's form fields (the first value of each), or what is wrong with it."""
    try:
        fields = parse_qs(raw.decode("utf-8"), errors="strict")
    except UnicodeError:
        return {}, "the body is not a form in UTF-8"
    form = {name: values[0] for name, values in fields.items()}
    return form, _fields_problem(form)


def _fields_problem(request: dict[str, Any]) -> str:
    for name in FIELDS:
        value = request.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            return f"{name} must be text"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # json reads an escaped lone surrogate (\ud800) into a str
            return f"{name} holds invalid Unicode (a lone surrogate)"
    return ""


REFRESH = Dialect(read=_json_object, grant=None, unknown=(401, UNKNOWN), granted={})
OAUTH = Dialect(
    read=_form,
    grant="refresh_token",
    unknown=(403, {"error": "invalid_grant", "error_description": "Unknown or revoked"}),
    granted={"scope": SCOPE},
)
