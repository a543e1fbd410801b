"""The access token of one connection: reused while fresh, refreshed once for everyone.

Only one thread exchanges the refresh token at a time; the others wait for its
result. When the exchange fails, the waiting threads get that same failure
rather than each trying again in turn (a revoked token is asked about once).

A token is refreshed ahead of its expiry by a tenth of its lifetime, at most a
minute: a 7-day token a minute early, a 2-second token 0.2 s early, so a short
token is neither refreshed on every call nor used after it died.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ConnectorError, TransportError
from .policy import Clock
from .redaction import Secret

MAX_MARGIN_S = 60.0
MARGIN_SHARE = 0.1


@dataclass(frozen=True)
class AccessToken:
    """What a connection's exchange returns: the token and how long it lives, in seconds."""

    value: Secret
    lifetime_s: float


@dataclass(frozen=True)
class _Held:
    value: Secret
    refresh_at: float


class _Flight:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.token: Secret | None = None
        self.error: ConnectorError | None = None


class TokenCache:
    def __init__(self, exchange: Callable[[Any], AccessToken], clock: Clock) -> None:
        self._exchange = exchange
        self._clock = clock
        self._held: _Held | None = None
        self._flight: _Flight | None = None
        self._lock = threading.Lock()
        self.exchanges = 0
        self.issued: list[Secret] = []

    def __repr__(self) -> str:
        return f"TokenCache(exchanges={self.exchanges})"

    def get(self, call: Any, *, refused: Secret | None = None) -> Secret:
        """A fresh access token; ``refused`` is one the API just answered 401 to.

        ``call`` is handed to the exchange, which runs with its settings; its
        ``deadline`` (on the cache's clock) also bounds the wait for another's exchange.
        """
        with self._lock:
            held = self._held
            now = self._clock.now()
            if held is not None and now < held.refresh_at and held.value != refused:
                return held.value
            flight = self._flight
            leading = flight is None
            if flight is None:
                flight = self._flight = _Flight()
        if leading:
            self._lead(flight, call)
        elif not flight.done.wait(max(0.0, call.deadline - self._clock.now())):
            raise TransportError("gave up waiting for the access token: the call's deadline passed")
        if flight.error is not None:
            raise flight.error.with_traceback(None)
        assert flight.token is not None
        return flight.token

    def _lead(self, flight: _Flight, call: Any) -> None:
        started = self._clock.now()
        token: AccessToken | None = None
        try:
            token = self._exchange(call)
        except ConnectorError as exc:
            flight.error = exc
        finally:
            with self._lock:
                if token is not None:
                    margin = min(MAX_MARGIN_S, max(0.0, token.lifetime_s) * MARGIN_SHARE)
                    self._held = _Held(token.value, started + token.lifetime_s - margin)
                    self.exchanges += 1
                    self.issued = [*self.issued[-3:], token.value]
                    flight.token = token.value
                elif flight.error is None:  # interrupted: the waiters must not hang
                    flight.error = TransportError("the token exchange was interrupted")
                self._flight = None
            flight.done.set()
