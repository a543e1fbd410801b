"""``POST /api``: one GraphQL request, behind the fault rules and the access token.

The fault rules come first (a request they stop is neither authenticated nor
run; they match on the document and variables, read once here), then the token,
then the body: a request that is not a GraphQL request object is a 400 of its
own, and a document that does not parse or validate is a 400 with the GraphQL
errors. Every request, however it went, is journaled.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..documents import NOTHING, shape
from ..faults import PASS, Verdict
from ..ruleargs import API
from ..rules import Seen
from .messages import DROP, Answer, Front, Request, error, json_answer, stopped

if TYPE_CHECKING:
    from ..engine import Outcome

UNAUTHENTICATED = "Authentication credentials were not provided or are invalid."


def graphql(front: Front, request: Request) -> Answer:
    started = front.emulator.journal_log.start()
    token = request.header("Authorization").removeprefix("Bearer ").strip()
    body, problem = _graphql_request(request.body)
    query = body.get("query")
    seen = Seen(
        API,
        shape(query) if isinstance(query, str) else NOTHING,
        body.get("operationName"),
        body.get("variables") or {},
        token,
    )
    verdict = front.emulator.fault_rules.strike(seen) or PASS
    answer, outcome = _run(front, token, body, problem, seen, verdict)
    _record(front, seen, started, answer, outcome, verdict)
    return answer


def _run(
    front: Front, token: str, body: dict[str, Any], problem: str, seen: Seen, verdict: Verdict
) -> tuple[Answer, Outcome | None]:
    instead = stopped(verdict) or _instead(verdict, seen)
    if instead is not None:
        return instead, None
    user_id = front.emulator.user_of(token) if token else None
    if user_id is None:
        return error(401, UNAUTHENTICATED), None
    if problem:
        return error(400, f"Bad request: {problem}"), None
    outcome = front.emulator.answer(
        body["query"], body.get("variables"), body.get("operationName"), user_id=user_id
    )
    if verdict.kind == "drop_after_apply" and not outcome.refused:
        return DROP, outcome
    return json_answer(400 if outcome.refused else 200, outcome.body()), outcome


def _instead(verdict: Verdict, seen: Seen) -> Answer | None:
    """What a rule answers in place of running the request: payload or GraphQL errors."""
    if verdict.kind == "graphql_error":
        return json_answer(200, {"data": None, "errors": [{"message": verdict.message}]})
    if verdict.kind != "payload_errors":
        return None
    chosen = seen.shape.chosen(seen.operation_name)
    errors = list(verdict.payload_errors)
    if chosen is None or not chosen.roots:
        messages = [m for e in errors for m in e["messages"]] or ["payload error"]
        return json_answer(200, {"data": None, "errors": [{"message": m} for m in messages]})
    data = {root.key: {**dict.fromkeys(root.selects), "errors": errors} for root in chosen.roots}
    return json_answer(200, {"data": data})


def _record(
    front: Front,
    seen: Seen,
    started: tuple[float, float],
    answer: Answer,
    outcome: Outcome | None,
    verdict: Verdict,
) -> None:
    found = list(verdict.payload_errors) or _payload_errors(outcome)
    applied = (
        outcome is not None
        and seen.kind == "mutation"
        and not outcome.refused
        and not outcome.errors
        and not found
    )
    front.emulator.journal_log.record(
        API,
        started,
        shape=seen.shape,
        operation_name=seen.operation_name,
        variables=seen.variables,
        status=0 if answer.drop else answer.status,
        payload_errors=found,
        applied=applied,
        fault=verdict.rule,
    )


def _payload_errors(outcome: Outcome | None) -> list[Any]:
    """The errors a mutation's payloads answered (``{root: {errors: [...]}}``)."""
    if outcome is None or not outcome.data:
        return []
    return [
        error
        for value in outcome.data.values()
        if isinstance(value, dict) and isinstance(value.get("errors"), list)
        for error in value["errors"]
    ]


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
