"""The connection: where and as whom to call Prismatic, and the one transport that does it.

How a refresh token becomes an access token is the connection's own hook
(``connections/<hook>.py``, function ``exchange``); the component binds it to the
connection's transport once, on first use.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from .errors import InputError
from .policy import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_RATE_LIMIT,
    SYSTEM_CLOCK,
    Clock,
    Retry,
    Timeout,
)
from .ratelimit import shared_limiter
from .redaction import Secret
from .tokens import AccessToken
from .transport import ExchangeHttp, Transport

__all__ = ["DEFAULT_URL", "AccessToken", "Connection", "ExchangeHook", "ExchangeHttp"]

DEFAULT_URL = "https://app.prismatic.io"


class Connection:
    """Where and as whom to call Prismatic, and how patiently.

    ``refresh_token`` falls back to ``PRISM_REFRESH_TOKEN``, ``base_url`` to
    ``PRISMATIC_URL`` and then https://app.prismatic.io, ``tenant_id`` to
    ``PRISMATIC_TENANT_ID``: the names Prismatic's own CLI uses.

    ``timeout``: seconds for one whole call, retries included (default 60), or a
    ``Timeout(total, connect, read)``. ``retries``: the most retries after the first
    attempt (default 4), or a ``Retry`` policy. ``rate_limit``: requests per second
    for this tenant and user, shared by the whole process (default 20, Prismatic's
    limit; None turns it off). ``max_response_bytes``: the largest answer read
    (default 16 MiB). ``session``: the ``requests.Session`` every request goes
    through. ``clock``: where time is read and waited on.

    One Connection keeps one session, one access token and one limiter: reuse it,
    from as many threads as you like, and close it (or use it as a context manager).
    """

    def __init__(
        self,
        refresh_token: str | Secret | None = None,
        *,
        base_url: str | None = None,
        tenant_id: str | None = None,
        timeout: Timeout | float | None = None,
        retries: Retry | int | None = None,
        rate_limit: float | None = DEFAULT_RATE_LIMIT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        session: requests.Session | None = None,
        clock: Clock | None = None,
    ) -> None:
        token = (
            refresh_token if refresh_token is not None else os.environ.get("PRISM_REFRESH_TOKEN")
        )
        if not isinstance(token, (str, Secret, type(None))):
            raise InputError("connection", "apiKey", "expected the refresh token as text")
        self.refresh_token = token if isinstance(token, Secret) else Secret(token or "")
        tenant = tenant_id or os.environ.get("PRISMATIC_TENANT_ID") or None
        if tenant is not None and not isinstance(tenant, str):
            raise InputError("connection", "tenantId", "expected the tenant ID as text")
        self.tenant_id = tenant
        self.base_url = _base_url(base_url or os.environ.get("PRISMATIC_URL") or DEFAULT_URL)
        self.timeout = Timeout.of(timeout)
        self.retry = Retry.of(retries)
        if rate_limit is not None and not _positive(rate_limit):
            raise InputError("connection", "rate_limit", "expected requests per second, or None")
        self.rate_limit = rate_limit
        valid_cap = isinstance(max_response_bytes, int) and not isinstance(max_response_bytes, bool)
        if not valid_cap or max_response_bytes <= 0:
            raise InputError("connection", "max_response_bytes", "expected a positive integer")
        self.max_response_bytes = max_response_bytes
        self.clock = clock or SYSTEM_CLOCK
        self._session = session
        self._transport: Transport | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_values(
        cls,
        values: Mapping[str, Any],
        *,
        action: str = "connection",
        session: requests.Session | None = None,
    ) -> Connection:
        """From a runner's connection values: ``apiKey``, ``tenantId`` and ``baseUrl``."""
        known = ("apiKey", "tenantId", "baseUrl")
        for key in values:
            if key not in known:
                raise InputError(
                    action,
                    "connection",
                    f"unknown connection value {str(key)[:40]!r} (expected {', '.join(known)})",
                )
        for key in known:
            value = values.get(key)
            if value is not None and not isinstance(value, str):
                raise InputError(action, "connection", f"{key} must be text")
        try:
            return cls(
                values.get("apiKey") or None,
                tenant_id=values.get("tenantId") or None,
                base_url=values.get("baseUrl") or None,
                session=session,
            )
        except InputError as exc:
            problem = exc.problem
        raise InputError(action, "connection", problem)

    def __repr__(self) -> str:
        return (
            f"Connection(base_url={self.base_url!r}, tenant_id={self.tenant_id!r}, "
            f"refresh_token={self.refresh_token!r})"
        )

    @property
    def principal(self) -> str:
        """A digest that names this user in this tenant, never the token itself."""
        material = f"{self.base_url}\0{self.tenant_id or ''}\0{self.refresh_token.reveal()}"
        return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()

    def transport(self, exchange: ExchangeHook) -> Transport:
        """The connection's transport, made once with the component's ``exchange``."""
        with self._lock:
            if self._transport is None:
                limiter = (
                    shared_limiter(self.base_url, self.principal, self.rate_limit, self.clock)
                    if self.rate_limit is not None
                    else None
                )
                self._transport = Transport(
                    base_url=self.base_url,
                    refresh_token=self.refresh_token,
                    exchange=lambda http: exchange(http, self),
                    session=self._session or requests.Session(),
                    timeout=self.timeout,
                    retry=self.retry,
                    limiter=limiter,
                    max_response_bytes=self.max_response_bytes,
                    clock=self.clock,
                )
            return self._transport

    def close(self) -> None:
        """Close the session now. Calls already in flight may fail."""
        with self._lock:
            transport, self._transport = self._transport, None
        if transport is not None:
            transport.session.close()
        elif self._session is not None:
            self._session.close()

    def retire(self) -> None:
        """Close the session once no call is using it."""
        with self._lock:
            transport = self._transport
        if transport is not None:
            transport.retire()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


ExchangeHook = Callable[[ExchangeHttp, Connection], AccessToken]


def _base_url(raw: str) -> str:
    problem = ""
    if not isinstance(raw, str):
        problem = "expected the base URL as text"
    else:
        try:
            parts = urlsplit(raw.strip())
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            problem = "expected an http(s) URL such as https://app.prismatic.io"
        elif parts.username or parts.password or parts.query or parts.fragment:
            problem = "expected a plain base URL, without credentials, query or fragment"
        elif not raw.strip().isprintable() or not raw.strip().isascii():
            problem = "expected a URL of printable ASCII characters"
    if problem:
        raise InputError("connection", "baseUrl", problem)
    return raw.strip().rstrip("/")


def _positive(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1e9
