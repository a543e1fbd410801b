"""The access token of one connection: reused while fresh, refreshed once for everyone.

The decision and the waiting are apart. ``claim`` answers at once: the token to use,
or who exchanges: ``Lead``, this caller runs the exchange and ``settle``s it, or
``Follow``, another does and this one waits for its result. When the exchange fails, the
waiting callers get that same failure rather than each trying again in turn (a
revoked token is asked about once). ``get`` is the waiting for a thread; an async
driver waits its own way on the same decisions.

A token is refreshed ahead of its expiry by a tenth of its lifetime, at most a
minute: a 7-day token a minute early, a 2-second token 0.2 s early, so a short
token is neither refreshed on every call nor used after it died.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import ConnectorError, TransportError
from ..policy import Clock
from ..redaction import Secret

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


class Flight:
    """One exchange under way; ``done`` is set once its result is in."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.token: Secret | None = None
        self.error: ConnectorError | None = None

    def result(self) -> Secret:
        if self.error is not None:
            raise self.error.with_traceback(None)
        assert self.token is not None
        return self.token


class Lead:
    """The caller that runs the exchange, then ``settle``s the flight."""

    __slots__ = ("flight",)

    def __init__(self, flight: Flight) -> None:
        self.flight = flight


class Follow:
    """A caller that waits for another's exchange."""

    __slots__ = ("flight",)

    def __init__(self, flight: Flight) -> None:
        self.flight = flight


class TokenCache:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._held: _Held | None = None
        self._flight: Flight | None = None
        self._lock = threading.Lock()
        self.exchanges = 0
        self.issued: list[Secret] = []

    def __repr__(self) -> str:
        return f"TokenCache(exchanges={self.exchanges})"

    def claim(self, *, refused: Secret | None = None) -> Secret | Lead | Follow:
        """A fresh token; else who exchanges: this caller (``Lead``) or another (``Follow``)."""
        with self._lock:
            held = self._held
            if held is not None and self._clock.now() < held.refresh_at and held.value != refused:
                return held.value
            if self._flight is not None:
                return Follow(self._flight)
            self._flight = Flight()
            return Lead(self._flight)

    def settle(
        self,
        flight: Flight,
        started: float,
        token: AccessToken | None,
        error: ConnectorError | None,
    ) -> None:
        """The leader's result: kept for everyone, and handed to those waiting."""
        with self._lock:
            if token is not None:
                margin = min(MAX_MARGIN_S, max(0.0, token.lifetime_s) * MARGIN_SHARE)
                self._held = _Held(token.value, started + token.lifetime_s - margin)
                self.exchanges += 1
                self.issued = [*self.issued[-3:], token.value]
                flight.token = token.value
            else:  # an interrupted exchange must not leave the waiters hanging
                flight.error = error or TransportError("the token exchange was interrupted")
            self._flight = None
        flight.done.set()

    def get(
        self, call: Any, exchange: Callable[[Any], AccessToken], *, refused: Secret | None = None
    ) -> Secret:
        """A fresh access token, waiting on this thread for an exchange if one is needed.

        ``call`` is handed to the exchange, which runs with its settings; its
        ``deadline`` (on the cache's clock) also bounds the wait for another's exchange.
        """
        found = self.claim(refused=refused)
        if isinstance(found, Secret):
            return found
        if isinstance(found, Lead):
            self._lead(found.flight, call, exchange)
        elif not found.flight.done.wait(max(0.0, call.deadline - self._clock.now())):
            raise TransportError("gave up waiting for the access token: the call's deadline passed")
        return found.flight.result()

    def _lead(self, flight: Flight, call: Any, exchange: Callable[[Any], AccessToken]) -> None:
        started = self._clock.now()
        token: AccessToken | None = None
        error: ConnectorError | None = None
        try:
            token = exchange(call)
        except ConnectorError as exc:
            error = exc
        finally:
            self.settle(flight, started, token, error)
