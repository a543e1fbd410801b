"""The Prismatic Refresh Token connection: trade the refresh token for an access token.

``POST <base>/auth/refresh`` with ``{"refresh_token", "tenant_id"?}`` answers
``{"access_token", "expires_in", ...}``. The refresh token itself stays valid and
is reused for the next exchange. ``POST <base>/auth/revoke`` with
``{"refresh_token"}`` revokes it, with every other refresh token of its user.
A tenant the user is not in is refused with ``{"error": "access_denied"}``, as
Prismatic's CLI reads it: the message then names the tenant, not the token.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from prismatic_connector.component.hooks import (
    AccessToken,
    Answer,
    Connection,
    CredentialError,
    ExchangeHttp,
    Secret,
    TransportError,
)

# Prismatic documents access tokens as valid for 7 days.
DEFAULT_LIFETIME_S = 7 * 24 * 3600
REFUSED = (400, 401, 403)
GET_ONE = "Get a new one with `prism me:token --type refresh`."
CHECK_TENANT = (
    "Check PRISMATIC_TENANT_ID or --tenant-id (a connection's Tenant ID);"
    " `prism me` shows a tenant's ID."
)


def exchange(http: ExchangeHttp, connection: Connection) -> AccessToken:
    if not connection.refresh_token:
        raise CredentialError(
            "no refresh token: set the connection's Refresh Token (apiKey) or "
            f"PRISM_REFRESH_TOKEN. {GET_ONE}",
            missing=True,
        )
    body = {"refresh_token": connection.refresh_token.reveal()}
    if connection.tenant_id:
        body["tenant_id"] = connection.tenant_id
    answer = http.post_json("/auth/refresh", body)
    if connection.tenant_id and _tenant_refused(answer):
        raise CredentialError(
            f"the tenant {connection.tenant_id!r} was refused (HTTP {answer.status}): the"
            f" refresh token's user has no access to it. {CHECK_TENANT}",
            status=answer.status,
        )
    answer = _accepted(answer, "token exchange", f"it is invalid, expired or revoked. {GET_ONE}")
    payload = _json(answer.body)
    access = payload.get("access_token")
    if not isinstance(access, str) or not access or not _sendable(access):
        raise TransportError(
            "token exchange answered without a usable access_token",
            status=answer.status,
        )
    return AccessToken(Secret(access), _lifetime(payload, access))


def revoke(http: ExchangeHttp, connection: Connection) -> None:
    if not connection.refresh_token:
        raise CredentialError(
            f"no refresh token to revoke: set PRISM_REFRESH_TOKEN. {GET_ONE}", missing=True
        )
    _accepted(
        http.post_json("/auth/revoke", {"refresh_token": connection.refresh_token.reveal()}),
        "revoking",
        "it is already revoked, expired or invalid",
    )


def _accepted(answer: Answer, what: str, refused_means: str) -> Answer:
    """The answer if it is a 2xx; a refusal is the user's to fix, anything else the server's."""
    if answer.status in REFUSED:
        raise CredentialError(
            f"the refresh token was refused (HTTP {answer.status}): {refused_means}",
            status=answer.status,
        )
    if not 200 <= answer.status < 300:
        raise TransportError(
            f"{what} failed with HTTP {answer.status}: {answer.snippet}",
            status=answer.status,
            snippet=answer.snippet,
        )
    return answer


def _tenant_refused(answer: Answer) -> bool:
    """Prismatic refuses a tenant the user does not belong to with ``access_denied``."""
    return answer.status in REFUSED and _json(answer.body).get("error") == "access_denied"


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _sendable(token: str) -> bool:
    """A token that fits an HTTP header as it is: printable ASCII, no spaces."""
    return token.isascii() and token.isprintable() and " " not in token and len(token) < 16384


def _lifetime(payload: dict[str, Any], access: str) -> float:
    """From ``expires_in``, else the JWT's ``exp``, else the documented 7 days."""
    expires_in = payload.get("expires_in")
    is_number = isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool)
    if is_number and 0 < expires_in < 10 * DEFAULT_LIFETIME_S:
        return float(expires_in)
    try:
        part = access.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        exp = claims.get("exp")
        if isinstance(exp, (int, float)) and not isinstance(exp, bool):
            return max(0.0, min(float(exp) - time.time(), 10.0 * DEFAULT_LIFETIME_S))
    except (IndexError, ValueError, AttributeError, TypeError, OverflowError, RecursionError):
        pass
    return float(DEFAULT_LIFETIME_S)
