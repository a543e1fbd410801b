"""The connection's settings and the bearer auth that keeps its access token fresh.

How a refresh token becomes an access token is the connection's own hook
(``connections/<hook>.py``, function ``exchange``). This module holds what any
token-based connection needs: the settings with the secret kept out of sight,
a cached access token reused until shortly before it expires, and one
re-authentication when the API answers 401 to a token it used to accept.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from .errors import CredentialError
from .redaction import Secret

DEFAULT_URL = "https://app.prismatic.io"
# Refresh this long before the token's stated expiry, so a call never starts
# with a token that dies in flight.
EXPIRY_MARGIN_S = 60.0

log = logging.getLogger("prismatic_connector")


@dataclass(frozen=True)
class AccessToken:
    value: Secret
    expires_at: float

    def fresh(self, now: float) -> bool:
        return now < self.expires_at - EXPIRY_MARGIN_S


class Connection:
    """Where and as whom to call Prismatic.

    ``refresh_token`` falls back to ``PRISM_REFRESH_TOKEN`` and ``base_url`` to
    ``PRISMATIC_URL``, then to https://app.prismatic.io: the names Prismatic's
    own CLI uses. One Connection keeps one HTTP session and one access token, so
    reuse it across calls.
    """

    def __init__(
        self,
        refresh_token: str | Secret | None = None,
        *,
        tenant_id: str | None = None,
        base_url: str | None = None,
        timeout: float = 60.0,
        session: requests.Session | None = None,
    ) -> None:
        token = (
            refresh_token if refresh_token is not None else os.environ.get("PRISM_REFRESH_TOKEN")
        )
        self.refresh_token = token if isinstance(token, Secret) else Secret(token or "")
        self.tenant_id = tenant_id or os.environ.get("PRISMATIC_TENANT_ID") or None
        self.base_url = (base_url or os.environ.get("PRISMATIC_URL") or DEFAULT_URL).rstrip("/")
        self.timeout = timeout
        self._session = session
        self._auth: TokenAuth | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> Connection:
        """From a runner's connection values: ``apiKey``, ``tenantId``, and ``baseUrl``."""
        return cls(
            inputs.get("apiKey") or None,
            tenant_id=inputs.get("tenantId") or None,
            base_url=inputs.get("baseUrl") or None,
        )

    def __repr__(self) -> str:
        return (
            f"Connection(base_url={self.base_url!r}, tenant_id={self.tenant_id!r}, "
            f"refresh_token={self.refresh_token!r})"
        )

    def session(self, exchange: Exchange) -> requests.Session:
        """The HTTP session, authenticated through ``exchange``; made once."""
        with self._lock:
            if self._session is None:
                self._session = requests.Session()
            if self._auth is None:
                self._auth = TokenAuth(self, exchange)
                self._session.auth = self._auth
            return self._session

    def close(self) -> None:
        if self._auth is not None:
            self._auth.close()
        if self._session is not None:
            self._session.close()


Exchange = Callable[[requests.Session, Connection], AccessToken]


class TokenAuth(requests.auth.AuthBase):
    """Bearer auth from a cached access token, with one re-auth after a 401."""

    def __init__(self, connection: Connection, exchange: Exchange) -> None:
        self._connection = connection
        self._exchange = exchange
        self._token: AccessToken | None = None
        self._lock = threading.Lock()
        # The token exchange goes through its own session, so it never carries
        # this auth (and never recurses into it).
        self._exchange_session = requests.Session()

    def __repr__(self) -> str:
        return f"TokenAuth(base_url={self._connection.base_url!r})"

    def close(self) -> None:
        self._exchange_session.close()

    def token(self, *, stale: Secret | None = None) -> Secret:
        """A fresh access token; ``stale`` is one the API just refused."""
        with self._lock:
            now = time.time()
            current = self._token
            if current is not None and current.fresh(now) and current.value != stale:
                return current.value
            if not self._connection.refresh_token:
                raise CredentialError(
                    "no refresh token: set the connection's Refresh Token (apiKey) or "
                    "PRISM_REFRESH_TOKEN; get one with `prism me:token --type refresh`"
                )
            log.debug("exchanging the refresh token for an access token")
            self._token = self._exchange(self._exchange_session, self._connection)
            return self._token.value

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self.token()
        request.headers["Authorization"] = f"Bearer {token.reveal()}"
        request.register_hook("response", self._make_retry(token))
        return request

    def _make_retry(self, used: Secret) -> Callable[..., requests.Response]:
        def handle_401(response: requests.Response, **kwargs: Any) -> requests.Response:
            if response.status_code != 401:
                return response
            log.debug("the API refused the access token; refreshing once")
            response.content  # noqa: B018 - drain the body so the connection is reused
            response.close()
            retry = response.request.copy()
            retry.deregister_hook("response", handle_401)
            retry.headers["Authorization"] = f"Bearer {self.token(stale=used).reveal()}"
            connection = response.connection
            new = connection.send(retry, **kwargs)
            new.history.append(response)
            new.request = retry
            return new

        return handle_401
