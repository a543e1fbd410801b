"""Faults the emulator can inject into ``/api``, for testing a client's resilience.

Each request first waits ``latency_ms``; then, by chance, it may be dropped
(the connection closes with no answer) or answered 429 (with Retry-After), 502
or 503 instead of being run. A rate limit per access token answers 429 with the
time until the next request would be admitted.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class Faults:
    latency_ms: float = 0.0
    rate_429: float = 0.0
    rate_502: float = 0.0
    rate_503: float = 0.0
    rate_drop: float = 0.0
    retry_after_s: int = 1
    rate_limit: float | None = None  # requests per second, per access token
    seed: int | None = None
    _random: random.Random = field(init=False, repr=False, compare=False)
    _seen: dict[str, deque[float]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _lock: threading.Lock = field(
        init=False, repr=False, compare=False, default_factory=threading.Lock
    )

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)  # noqa: S311 - chance of a fault, not security

    @property
    def active(self) -> bool:
        return bool(
            self.latency_ms
            or self.rate_429
            or self.rate_502
            or self.rate_503
            or self.rate_drop
            or self.rate_limit
        )

    def decide(self, token: str) -> Verdict:
        """What to do with one request carrying ``token``."""
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        with self._lock:
            draw = self._random.random()
        for share, verdict in (
            (self.rate_drop, Verdict("drop")),
            (self.rate_429, Verdict("status", 429, self.retry_after_s)),
            (self.rate_502, Verdict("status", 502)),
            (self.rate_503, Verdict("status", 503, self.retry_after_s)),
        ):
            if draw < share:
                return verdict
            draw -= share
        if self.rate_limit:
            wait = self._admit(token)
            if wait is not None:
                return Verdict("status", 429, wait)
        return Verdict("pass")

    def _admit(self, token: str) -> int | None:
        """Seconds to wait if ``token`` is over its rate; None if admitted (and counted)."""
        assert self.rate_limit
        now = time.monotonic()
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
    kind: str  # "pass", "drop" or "status"
    status: int = 200
    retry_after_s: int | None = None
