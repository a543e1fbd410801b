"""Reading a GraphQL answer: its data, or the right exception.

Sending is the transport's job; this is apart so that a caller (or a test) can
look at the raw status and body before any judgement is made about them.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import CredentialError, GraphQLError, TransportError
from ..transport import Answer


def interpret(action: str, answer: Answer) -> dict[str, Any]:
    """The GraphQL ``data`` of a good answer; raise on anything else.

    Mutation payload errors are part of ``data`` and come back as they are. A
    GraphQL response with ``errors`` raises ``GraphQLError`` with the server's
    messages whether it came with 200 or a 4xx (servers answer a query that does
    not validate either way).
    """
    if answer.status == 401:
        raise CredentialError(
            f"action {action!r}: the API refused the access token even after a refresh "
            "(HTTP 401); check the refresh token and tenant",
            status=401,
        )
    body = _graphql_body(answer.body)
    graphql_status = 200 <= answer.status < 300 or 400 <= answer.status < 500
    if body is not None and graphql_status and body.get("errors"):
        raise _graphql_error(action, body, answer.status)
    if not 200 <= answer.status < 300:
        raise _transport_error(action, answer, f"HTTP {answer.status}: {answer.snippet}")
    if body is None:
        raise _transport_error(action, answer, _what_is_wrong(answer))
    data = body.get("data")
    if not isinstance(data, dict):
        raise _transport_error(action, answer, f"the answer has no data: {answer.snippet}")
    return data


def _graphql_body(raw: bytes) -> dict[str, Any] | None:
    """The body as a GraphQL response (an object with data or errors), else None."""
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(body, dict) or not ("data" in body or "errors" in body):
        return None
    return body


def _what_is_wrong(answer: Answer) -> str:
    try:
        json.loads(answer.body)
    except (ValueError, RecursionError):
        return f"the answer is not JSON (HTTP {answer.status}): {answer.snippet}"
    return f"the answer is not a GraphQL response: {answer.snippet}"


def _graphql_error(action: str, body: dict[str, Any], status: int) -> GraphQLError:
    errors = body["errors"]
    if not isinstance(errors, list):
        errors = [errors]
    errors = [e if isinstance(e, dict) else {"message": str(e)} for e in errors]
    data = body.get("data")
    return GraphQLError(action, errors, data if isinstance(data, dict) else None, status=status)


def _transport_error(action: str, answer: Answer, problem: str) -> TransportError:
    return TransportError(
        f"action {action!r}: {problem}",
        status=answer.status,
        snippet=answer.snippet,
        action=action,
    )
