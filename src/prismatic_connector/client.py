"""GraphQL over HTTP: ``send`` posts an operation, ``interpret`` reads the answer.

The two are apart so that a caller (or a test) can look at the raw status and
body before any judgement is made about them.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from .errors import CredentialError, GraphQLError, TransportError

log = logging.getLogger("prismatic_connector")
SNIPPET_CHARS = 200


@dataclass(frozen=True)
class RawAnswer:
    status: int
    content_type: str
    body: bytes


def send(
    session: requests.Session,
    base_url: str,
    query: str,
    variables: Mapping[str, Any],
    *,
    timeout: float,
    action: str,
) -> RawAnswer:
    url = f"{base_url}/api"
    started = time.perf_counter()
    try:
        response = session.post(
            url,
            json={"query": query, "variables": dict(variables)},
            headers={"Prismatic-Client": "prismatic-connector"},
            timeout=timeout,
        )
    except requests.RequestException as exc:
        raise TransportError(
            f"action {action!r}: could not reach {url}: {type(exc).__name__}"
        ) from None
    log.debug(
        "action %s: HTTP %s in %.1f ms (variables: %s)",
        action,
        response.status_code,
        (time.perf_counter() - started) * 1000,
        ", ".join(sorted(variables)) or "none",
    )
    return RawAnswer(
        response.status_code, response.headers.get("Content-Type", ""), response.content
    )


def interpret(action: str, answer: RawAnswer) -> dict[str, Any]:
    """The GraphQL ``data`` of a good answer; raise on anything else.

    Mutation payload errors are part of ``data`` and come back as they are.
    """
    snippet = answer.body[:SNIPPET_CHARS].decode("utf-8", "replace")
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
        )
    try:
        body = json.loads(answer.body)
    except ValueError:
        raise TransportError(
            f"action {action!r}: the answer is not JSON (HTTP {answer.status}): {snippet}",
            status=answer.status,
            snippet=snippet,
        ) from None
    if not isinstance(body, dict) or not ("data" in body or "errors" in body):
        raise TransportError(
            f"action {action!r}: the answer is not a GraphQL response: {snippet}",
            status=answer.status,
            snippet=snippet,
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
        )
    return data
