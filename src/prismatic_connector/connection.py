"""The connection: where and as whom to call Prismatic, and the one transport that does it.

Every way of giving a connection ends here. ``resolve`` turns what a caller or a
runner hands over (a ``Connection``; flat values ``{"apiKey", "tenantId"?, "baseUrl"?}``;
spectral's ``{"key", "fields": {...}}``; nothing, for the environment) into a
``Connection``, reusing one per user and tenant from a bounded cache. ``invoke``,
``Step.perform``, the step protocol and the Airflow hook all call it.

How a refresh token becomes an access token is the component's connection hook
(``connections/<hook>.py``, function ``exchange``); the first component that uses a
connection binds its hook to it, once.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from .clock import SYSTEM_CLOCK
from .errors import ConfigurationError, InputError
from .policy import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_RATE_LIMIT, Clock, Retry, Timeout
from .redaction import Secret
from .transport import ExchangeHttp, Transport
from .transport.limiter import shared_limiter
from .transport.tokens import AccessToken

__all__ = [
    "CONNECTION_INPUT",
    "DEFAULT_URL",
    "EXPECTED",
    "VALUE_NAMES",
    "Connection",
    "ConnectionCache",
    "ExchangeHook",
    "connection_values",
    "resolve",
]

DEFAULT_URL = "https://app.prismatic.io"
# The action input a runner passes the connection in, and the values it holds.
CONNECTION_INPUT = "connection"
VALUE_NAMES = ("apiKey", "tenantId", "baseUrl")
DEFAULT_CACHE_SIZE = 32
EXPECTED = "expected a Connection or the connection's values (apiKey, tenantId, baseUrl)"


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
    through. ``clock``: where time is read and waited on. A wrong setting raises
    ``ConfigurationError`` naming it.

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
            raise ConfigurationError("refresh_token", "expected the refresh token as text")
        self.refresh_token = token if isinstance(token, Secret) else Secret(token or "")
        tenant = tenant_id or os.environ.get("PRISMATIC_TENANT_ID") or None
        if tenant is not None and not isinstance(tenant, str):
            raise ConfigurationError("tenant_id", "expected the tenant ID as text")
        self.tenant_id = tenant
        self.base_url = _base_url(base_url)
        self.timeout = Timeout.of(timeout)
        self.retry = Retry.of(retries)
        if rate_limit is not None and not _positive(rate_limit):
            raise ConfigurationError("rate_limit", "expected requests per second, or None")
        self.rate_limit = rate_limit
        valid_cap = isinstance(max_response_bytes, int) and not isinstance(max_response_bytes, bool)
        if not valid_cap or max_response_bytes <= 0:
            raise ConfigurationError("max_response_bytes", "expected a positive integer")
        self.max_response_bytes = max_response_bytes
        self.clock = clock or SYSTEM_CLOCK
        self._session = session
        self._transport: Transport | None = None
        self._hook: ExchangeHook | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_values(
        cls,
        values: Mapping[str, Any],
        *,
        action: str = CONNECTION_INPUT,
        session: requests.Session | None = None,
    ) -> Connection:
        """From a runner's flat connection values: ``apiKey``, ``tenantId`` and ``baseUrl``.

        They are the ``connection`` input of an action, so a problem is an ``InputError``.
        """
        for key in values:
            if key not in VALUE_NAMES:
                raise InputError(
                    action,
                    CONNECTION_INPUT,
                    f"unknown connection value {str(key)[:40]!r}"
                    f" (expected {', '.join(VALUE_NAMES)})",
                )
        for key in VALUE_NAMES:
            value = values.get(key)
            if value is not None and not isinstance(value, str):
                raise InputError(action, CONNECTION_INPUT, f"{key} must be text")
        try:
            return cls(
                values.get("apiKey") or None,
                tenant_id=values.get("tenantId") or None,
                base_url=values.get("baseUrl") or None,
                session=session,
            )
        except ConfigurationError as exc:
            problem = exc.problem
        raise InputError(action, CONNECTION_INPUT, problem)

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

    def bind(self, hook: ExchangeHook) -> None:
        """Use ``hook`` to exchange this connection's refresh token: once, for good.

        A connection holds one access token, so it can have one way to get it: binding
        another hook later is a ``ConfigurationError``, not silently ignored.
        """
        with self._lock:
            if self._hook is None:
                self._hook = hook
                if self._transport is not None:
                    self._transport.exchange = self._exchange
            elif self._hook is not hook:
                raise ConfigurationError(
                    CONNECTION_INPUT,
                    "this connection already exchanges its token through another component's "
                    "connection hook; make a Connection for each component",
                )

    def transport(self, exchange: ExchangeHook | None = None) -> Transport:
        """The connection's transport, made once; ``exchange`` binds the hook first."""
        if exchange is not None:
            self.bind(exchange)
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
                    session=self._session or requests.Session(),
                    timeout=self.timeout,
                    retry=self.retry,
                    limiter=limiter,
                    max_response_bytes=self.max_response_bytes,
                    clock=self.clock,
                    exchange=self._exchange if self._hook is not None else None,
                )
            return self._transport

    def _exchange(self, http: ExchangeHttp) -> AccessToken:
        assert self._hook is not None
        return self._hook(http, self)

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


def connection_values(action: str, raw: Any) -> dict[str, Any]:
    """Flat connection values from either way a runner stores them: flat, or spectral's
    ``{"key": "apiKey", "fields": {...}}``."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise InputError(action, CONNECTION_INPUT, EXPECTED)
    if "fields" in raw or "key" in raw:
        fields = raw.get("fields")
        if not isinstance(fields, Mapping):
            raise InputError(action, CONNECTION_INPUT, "expected {key, fields: {apiKey, ...}}")
        return {k: fields[k] for k in VALUE_NAMES if k in fields}
    return dict(raw)


def resolve(
    given: Any,
    *,
    action: str,
    cache: ConnectionCache,
    session: requests.Session | None = None,
    base_url: str | None = None,
) -> Connection:
    """A ``Connection`` as it is; connection values (or none: the environment) as one
    from ``cache``. ``base_url`` fills ``baseUrl`` when the values have none."""
    if isinstance(given, Connection):
        return given
    values = connection_values(action, given)
    if base_url and not values.get("baseUrl"):
        values["baseUrl"] = base_url
    return cache.get(values, action=action, session=session)


class ConnectionCache:
    """Connections made from connection values, kept for reuse across calls.

    A workflow runner hands the component the same connection values step after
    step; making a Connection each time would throw away the access token, the
    kept-alive sockets and the shared limiter. The cache is bounded, keyed by a
    digest of the values (never the refresh token itself); a connection pushed out
    is closed once no call is using it, and the rest at interpreter exit.
    """

    def __init__(self, size: int = DEFAULT_CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[str, Connection] = OrderedDict()
        self._lock = threading.Lock()
        _caches.add(self)

    def __repr__(self) -> str:
        return f"ConnectionCache(size={self.size}, held={len(self._items)})"

    def __len__(self) -> int:
        return len(self._items)

    def get(
        self, values: Mapping[str, Any], *, action: str, session: requests.Session | None = None
    ) -> Connection:
        """The connection for these values (and the runner's ``session``, if it shares one)."""
        fresh = Connection.from_values(values, action=action, session=session)
        key = fresh.principal if session is None else f"{fresh.principal}:{id(session)}"
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
            self._items[key] = fresh
            evicted = self._items.popitem(last=False)[1] if len(self._items) > self.size else None
        if evicted is not None:
            evicted.retire()
        return fresh

    def close(self) -> None:
        with self._lock:
            held = list(self._items.values())
            self._items.clear()
        for connection in held:
            connection.close()


_caches: weakref.WeakSet[ConnectionCache] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for cache in list(_caches):
        cache.close()


def _base_url(given: str | None) -> str:
    setting = "base_url"
    raw: Any = given
    if not given:
        setting, raw = "PRISMATIC_URL", os.environ.get("PRISMATIC_URL") or DEFAULT_URL
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
        raise ConfigurationError(setting, problem)
    return str(raw).strip().rstrip("/")


def _positive(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1e9
