"""The Prismatic Refresh Token connection: trade the refresh token for an access token.

``POST <base>/auth/refresh`` with ``{"refresh_token", "tenant_id"?}`` answers
``{"access_token", "expires_in", ...}``. The refresh token itself stays valid and
is reused for the next exchange.
"""

from __future__ import annotations

import base64
import json
import time

import requests

from prismatic_connector.auth import AccessToken, Connection
from prismatic_connector.errors import CredentialError, TransportError
from prismatic_connector.redaction import Secret, scrub

# Prismatic documents access tokens as valid for 7 days.
DEFAULT_LIFETIME_S = 7 * 24 * 3600


def exchange(session: requests.Session, connection: Connection) -> AccessToken:
    body = {"refresh_token": connection.refresh_token.reveal()}
    if connection.tenant_id:
        body["tenant_id"] = connection.tenant_id
    url = f"{connection.base_url}/auth/refresh"
    try:
        response = session.post(url, json=body, timeout=connection.timeout)
    except requests.RequestException as exc:
        raise TransportError(f"could not reach {url}: {type(exc).__name__}") from None
    snippet = scrub(response.text[:200], [connection.refresh_token])
    if response.status_code in (400, 401, 403):
        raise CredentialError(
            f"the refresh token was refused (HTTP {response.status_code}): it is invalid, "
            "expired or revoked. Get a new one with `prism me:token --type refresh`.",
            status=response.status_code,
        )
    if not response.ok:
        raise TransportError(
            f"token exchange failed with HTTP {response.status_code}: {snippet}",
            status=response.status_code,
            snippet=snippet,
        )
    try:
        access = response.json()["access_token"]
        if not isinstance(access, str) or not access:
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise TransportError(
            f"token exchange answered without an access_token: {snippet}",
            status=response.status_code,
            snippet=snippet,
        ) from None
    return AccessToken(Secret(access), _expiry(response, access))


def _expiry(response: requests.Response, access: str) -> float:
    """From ``expires_in``, else the JWT's ``exp``, else the documented 7 days."""
    now = time.time()
    try:
        expires_in = response.json().get("expires_in")
        if isinstance(expires_in, (int, float)) and expires_in > 0:
            return now + float(expires_in)
    except ValueError:
        pass
    try:
        payload = access.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        if isinstance(claims.get("exp"), (int, float)):
            return float(claims["exp"])
    except (IndexError, ValueError, AttributeError):
        pass
    return now + DEFAULT_LIFETIME_S
