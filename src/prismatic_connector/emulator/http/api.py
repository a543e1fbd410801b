"""``POST /api``: one GraphQL request, behind the faults and the access token.

The faults come first (a request they stop is neither authenticated nor run),
then the token, then the body: a request that is not a GraphQL request object
is a 400 of its own, and a document that does not parse or validate is a 400
with the GraphQL errors.
"""

from __future__ import annotations

import json
from typing import Any

from .. import faults
from .messages import DROP, Answer, Front, Request, error, json_answer, stopped

UNAUTHENTICATED = "Authentication credentials were not provided or are invalid."


def graphql(front: Front, request: Request) -> Answer:
    token = request.header("Authorization").removeprefix("Bearer ").strip()
    verdict = faults.decide(front.faults, token)
    instead = stopped(verdict)
    if instead is not None:
        return instead
    user_id = front.emulator.user_of(token) if token else None
    if user_id is None:
        return error(401, UNAUTHENTICATED)
    body, problem = _graphql_request(request.body)
    if problem:
        return error(400, f"Bad request: {problem}")
    outcome = front.emulator.answer(
        body["query"], body.get("variables"), body.get("operationName"), user_id=user_id
    )
    if verdict.kind == "drop_after_apply" and not outcome.refused:
        return DROP
    return json_answer(400 if outcome.refused else 200, outcome.body())


def _graphql_request(raw: bytes) -> tuple[dict[str, Any], str]:
    """A GraphQL request object from the body, or the reason it is not one."""
    try:
        request = json.loads(raw)
    except RecursionError:
        return {}, "the JSON is nested too deeply"
    except ValueError as exc:
        return {}, f"the body is not JSON in UTF-8 ({exc})"
    if not isinstance(request, dict) or not isinstance(request.get("query"), str):
        return {}, "expected a JSON object with a query"
    if not isinstance(request.get("variables") or {}, dict):
        return {}, "variables must be a JSON object"
    name = request.get("operationName")
    if name is not None and not isinstance(name, str):
        return {}, "operationName must be text"
    # json reads an escaped lone surrogate (\ud800) into a str no encoder accepts.
    if (b"\\ud" in raw or b"\\uD" in raw) and not _encodable(request):
        return {}, "the JSON holds invalid Unicode (a lone surrogate)"
    return request, ""


def _encodable(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError):
        return False
    return True
