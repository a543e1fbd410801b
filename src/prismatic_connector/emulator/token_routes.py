"""The token routes: ``POST /auth/refresh`` and ``/auth/revoke`` (JSON, as the connector
sends them) and ``POST /oauth/token`` (a form, as Prismatic's CLI sends it).

Each answers ``(status, JSON body)``. A tenant other than the organization's is
refused as Prismatic refuses it: 403 ``access_denied``. A body the route cannot
read (not JSON, or not a form, in UTF-8; invalid Unicode; a value of the wrong
type) gets 400 ``invalid_request``, never an error of the emulator's own.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from .app import Emulator

Answer = tuple[int, dict[str, Any]]
UNKNOWN = {"error": "invalid_grant", "error_description": "Unknown or revoked refresh token"}
FOREIGN_TENANT = {
    "error": "access_denied",
    "error_description": "You do not have access to the specified tenant.",
}
SCOPE = "openid profile email offline_access"
# What each route reads from its body; the values must be text.
FIELDS = ("refresh_token", "tenant_id", "grant_type")


def refresh(emulator: Emulator, raw: bytes) -> Answer:
    """``/auth/refresh``: an access token for ``{refresh_token, tenant_id?}``."""
    request, problem = _json_object(raw)
    if problem:
        return _invalid(problem)
    tenant = request.get("tenant_id") or None
    if _foreign(emulator, tenant):
        return 403, FOREIGN_TENANT
    answer = emulator.tokens.exchange(request.get("refresh_token") or "", tenant)
    return (401, UNKNOWN) if answer is None else (200, answer)


def revoke(emulator: Emulator, raw: bytes) -> Answer:
    """``/auth/revoke``: revoke every refresh token of the user of ``{refresh_token}``."""
    request, problem = _json_object(raw)
    if problem:
        return _invalid(problem)
    if emulator.tokens.revoke(request.get("refresh_token") or ""):
        return 200, {}
    return 401, UNKNOWN


def oauth_token(emulator: Emulator, raw: bytes) -> Answer:
    """``/oauth/token`` with ``grant_type=refresh_token``, as Prismatic's CLI sends it."""
    form, problem = _form(raw)
    if problem:
        return _invalid(problem)
    if form.get("grant_type") != "refresh_token":
        return 400, {"error": "unsupported_grant_type"}
    tenant = form.get("tenant_id") or None
    if _foreign(emulator, tenant):
        return 403, FOREIGN_TENANT
    answer = emulator.tokens.exchange(form.get("refresh_token") or "", tenant)
    if answer is None:
        return 403, {"error": "invalid_grant", "error_description": "Unknown or revoked"}
    return 200, {**answer, "scope": SCOPE}


def _foreign(emulator: Emulator, tenant: str | None) -> bool:
    return tenant is not None and tenant != emulator.tenant_id


def _invalid(problem: str) -> Answer:
    return 400, {"error": "invalid_request", "error_description": problem}


def _json_object(raw: bytes) -> tuple[dict[str, Any], str]:
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


def _form(raw: bytes) -> tuple[dict[str, Any], str]:
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
