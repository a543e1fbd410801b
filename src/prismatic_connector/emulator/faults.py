"""Faults the emulator can inject, for testing a client's resilience.

Each ``/api`` request (and ``/auth/refresh`` too, with ``on_refresh``) first
waits ``latency_ms``; then one draw decides whether it is dropped before it runs
(the connection closes with no answer), answered 429 (with Retry-After), 502 or
503 instead of being run, or run and then dropped (``rate_drop_after_apply``: a
mutation is applied and the client never hears so). A rate limit per access
token answers 429 with the time until the next request would be admitted.

The Python names are canonical; ``emulator serve`` takes the same names in kebab
case (``--rate-429``, ``--rate-drop-after-apply``, ...).
"""

from __future__ import annotations

import math
import random
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from ..errors import ConfigurationError
from .clock import WallClock

SHARES = ("rate_drop", "rate_drop_after_apply", "rate_429", "rate_502", "rate_503")


@dataclass
class Faults:
    """What goes wrong, and how often. Shares are between 0 and 1 and add up to at most 1."""

    latency_ms: float = field(default=0.0, metadata={"help": "delay every request, ms"})
    rate_429: float = field(default=0.0, metadata={"help": "share answered 429 (Retry-After)"})
    rate_502: float = field(default=0.0, metadata={"help": "share answered 502"})
    rate_503: float = field(default=0.0, metadata={"help": "share answered 503 (Retry-After)"})
    rate_drop: float = field(
        default=0.0, metadata={"help": "share dropped before running, with no answer"}
    )
    rate_drop_after_apply: float = field(
        default=0.0, metadata={"help": "share run (a mutation applied), then dropped unanswered"}
    )
    retry_after_s: int = field(default=1, metadata={"help": "Retry-After seconds on 429 and 503"})
    rate_limit: float | None = field(
        default=None, metadata={"help": "requests per second per access token, else 429"}
    )
    on_refresh: bool = field(
        default=False, metadata={"help": "inject the same faults into /auth/refresh"}
    )
    fault_seed: int | None = field(default=None, metadata={"help": "make the faults repeatable"})
    clock: Any = field(
        default_factory=WallClock, repr=False, compare=False, metadata={"cli": False}
    )
    _random: random.Random = field(init=False, repr=False, compare=False)
    _seen: dict[str, deque[float]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _lock: threading.Lock = field(
        init=False, repr=False, compare=False, default_factory=threading.Lock
    )
    # Set by the emulator these faults are given to: what calling them lists.
    listing: Callable[[], list[dict[str, Any]]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for name in SHARES:
            _check(name, getattr(self, name), 0.0, 1.0)
        total = sum(getattr(self, name) for name in SHARES)
        if total > 1.0 + 1e-9:
            raise ConfigurationError("rate_*", f"the shares add up to {total:g}, over 1")
        _check("latency_ms", self.latency_ms, 0.0, 600_000.0)
        _check("retry_after_s", self.retry_after_s, 0, 86_400, integer=True)
        if self.rate_limit is not None:
            _check("rate_limit", self.rate_limit, 1e-6, 1e9)
        if self.fault_seed is not None and not isinstance(self.fault_seed, int):
            raise ConfigurationError("fault_seed", "expected a whole number")
        self._random = random.Random(self.fault_seed)  # noqa: S311 - chance of a fault, not security

    def __call__(self) -> list[dict[str, Any]]:
        """The emulator's fault rules, in the order they are tried: ``emu.faults()`` is the
        control surface's ``faults()``, and ``emu.faults`` still the start-up settings."""
        return [] if self.listing is None else self.listing()

    @classmethod
    def options(cls) -> list[tuple[str, Any, str]]:
        """(name, default, help) of each option a user sets: what the CLI offers."""
        return [
            (f.name, f.default, f.metadata.get("help", ""))
            for f in fields(cls)
            if f.init and f.metadata.get("cli", True)
        ]

    @property
    def active(self) -> bool:
        shares = any(getattr(self, name) for name in SHARES)
        return bool(shares or self.latency_ms or self.rate_limit)

    def decide(self, token: str, *, refresh: bool = False) -> Verdict:
        """What to do with one request carrying ``token`` (or a token exchange)."""
        if refresh and not self.on_refresh:
            return PASS
        return self.draw() or (None if refresh else self.admit(token)) or PASS

    def draw(self) -> Verdict | None:
        """Wait ``latency_ms``, then one draw over the shares: the verdict, or None."""
        if self.latency_ms:
            self.clock.sleep(self.latency_ms / 1000)
        with self._lock:
            draw = self._random.random()
        for share, verdict in (
            (self.rate_drop, Verdict("drop")),
            (self.rate_drop_after_apply, Verdict("drop_after_apply")),
            (self.rate_429, Verdict("status", 429, self.retry_after_s)),
            (self.rate_502, Verdict("status", 502)),
            (self.rate_503, Verdict("status", 503, self.retry_after_s)),
        ):
            if draw < share:
                return verdict
            draw -= share
        return None

    def admit(self, token: str) -> Verdict | None:
        """A 429 if ``token`` is over ``rate_limit``; None if admitted (and counted)."""
        if not self.rate_limit:
            return None
        wait = self._admit(token)
        return None if wait is None else Verdict("status", 429, wait)

    def _admit(self, token: str) -> int | None:
        """Seconds to wait if ``token`` is over its rate; None if admitted (and counted)."""
        assert self.rate_limit
        now = float(self.clock.now())
        with self._lock:
            window = self._seen.setdefault(token, deque())
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= self.rate_limit:
                return max(1, math.ceil(1.0 - (now - window[0])))
            window.append(now)
        return None


@dataclass(frozen=True)
class Verdict:
    """What a fault does to a request. ``rule``: the ID of the fault rule that struck;
    ``payload_errors`` and ``message``: what a rule answers instead of running it."""

    kind: Literal["pass", "drop", "drop_after_apply", "status", "payload_errors", "graphql_error"]
    status: int = 200
    retry_after_s: int | None = None
    rule: str | None = None
    payload_errors: tuple[dict[str, Any], ...] = ()
    message: str = ""


PASS = Verdict("pass")


def decide(faults: Faults, token: str, *, refresh: bool = False) -> Verdict:
    """What the faults do with one request (no draw at all while none is set)."""
    return faults.decide(token, refresh=refresh) if faults.active else PASS


def _check(name: str, value: Any, low: float, high: float, *, integer: bool = False) -> None:
    kinds: tuple[type, ...] = (int,) if integer else (int, float)
    ok = isinstance(value, kinds) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not low <= value <= high:
        what = "a whole number" if integer else "a number"
        raise ConfigurationError(name, f"expected {what} from {low:g} to {high:g}, got {value!r}")
