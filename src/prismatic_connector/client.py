"""Reading a GraphQL answer: its data, or the right exception.

Sending is the transport's job; this is apart so that a caller (or a test) can
look at the raw status and body before any judgement is made about them.
"""

from __future__ import annotations

import json
from typing import Any

from .attempt import Answer
from .errors import CredentialError, GraphQLError, TransportError


def interpret(action: str, answer: Answer) -> dict[str, Any]:
    """The GraphQL ``data`` of a good answer; raise on anything else.

    Mutation payload errors are part of ``data`` and come back as they are.
    """
    snippet = answer.snippet
    if answer.status == 401:
        raise CredentialError(
            f"action {action!r}: the API refused the access token even after a refresh "
            "(HTTP 401); check the refresh token and tenant",
            status=401,
        )
    if not 200 <= answer.status < 300:
        raise TransportError(
            f"action {action!r}: HTTP {answer.status}: {snippet}",
            status=answer.status,
            snippet=snippet,
            action=action,
        )
    body: Any = None
    try:
        body = json.loads(answer.body)
    except (ValueError, RecursionError):
        # Raised below, outside this block, so the exception carries no chain.
        body = _NOT_JSON
    if body is _NOT_JSON:
        raise TransportError(
            f"action {action!r}: the answer is not JSON (HTTP {answer.status}): {snippet}",
            status=answer.status,
            snippet=snippet,
            action=action,
        )
    if not isinstance(body, dict) or not ("data" in body or "errors" in body):
        raise TransportError(
            f"action {action!r}: the answer is not a GraphQL response: {snippet}",
            status=answer.status,
            snippet=snippet,
            action=action,
        )
    data = body.get("data")
    errors = body.get("errors")
    if errors:
        if not isinstance(errors, list):
            errors = [errors]
        errors = [e if isinstance(e, dict) else {"message": str(e)} for e in errors]
        raise GraphQLError(
            action, errors, data if isinstance(data, dict) else None, status=answer.status
        )
    if not isinstance(data, dict):
        raise TransportError(
            f"action {action!r}: the answer has no data: {snippet}",
            status=answer.status,
            snippet=snippet,
            action=action,
        )
    return data


_NOT_JSON = object()
