"""A client-side rate limiter, shared by every thread that calls one tenant as one user.

Prismatic counts requests over a sliding window, so a token bucket (which lets a
full bucket burst out at once) is not enough: this keeps a log of the last sends
and admits a request only when fewer than the limit went out in the window
before it. The window is a little longer than a second, so that requests that
left on time but arrived late still fit the server's count.

A 429 halves the limit and pauses everyone until its ``Retry-After``; each quiet
window then gives one request back, up to the configured rate (additive
increase, multiplicative decrease, as adaptive clients do).
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import deque

from ..clock import SYSTEM_CLOCK
from ..policy import Clock

# How much longer than the nominal window a send is remembered.
GUARD_S = 0.1


class DeadlineExceededError(Exception):
    """Internal: the wait for a slot would pass the call's deadline."""


class RateLimiter:
    def __init__(self, rate: float, *, clock: Clock = SYSTEM_CLOCK) -> None:
        if not (isinstance(rate, (int, float)) and math.isfinite(rate) and rate > 0):
            raise ValueError("rate must be a positive number of requests per second")
        # Below one request a second, the window widens instead.
        self.rate = float(rate)
        self.ceiling = max(1, math.floor(rate))
        self.window = (1.0 if rate >= 1 else 1.0 / rate) + GUARD_S
        self.limit = self.ceiling
        self._clock = clock
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._last_change = clock.now()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate}, limit={self.limit})"

    def reserve(self, now: float) -> float:
        """Take a slot at ``now`` and answer 0, or answer how long to wait before asking again.

        The decision alone: whoever asks does the waiting, a thread or a coroutine.
        """
        with self._lock:
            self._recover(now)
            horizon = now - self.window
            while self._sent and self._sent[0] <= horizon:
                self._sent.popleft()
            wait = self._paused_until - now
            if len(self._sent) >= self.limit:
                wait = max(wait, self._sent[len(self._sent) - self.limit] - horizon)
            if wait <= 0:
                self._sent.append(now)
                return 0.0
            return wait

    def acquire(self, deadline: float) -> None:
        """Wait on this thread for a slot and take it; ``DeadlineExceededError`` if past
        ``deadline``."""
        while True:
            now = self._clock.now()
            wait = self.reserve(now)
            if wait <= 0:
                return
            if now + wait > deadline:
                raise DeadlineExceededError
            self._clock.sleep(wait)

    def throttled(self, retry_after_s: float | None) -> None:
        """The server answered 429: slow down, and pause everyone for ``retry_after_s``."""
        with self._lock:
            now = self._clock.now()
            self.limit = max(1, self.limit // 2)
            self._last_change = now
            if retry_after_s:
                self._paused_until = max(self._paused_until, now + retry_after_s)

    def _recover(self, now: float) -> None:
        if self.limit < self.ceiling and now - self._last_change >= self.window:
            steps = int((now - self._last_change) // self.window)
            self.limit = min(self.ceiling, self.limit + steps)
            self._last_change = now


_shared: weakref.WeakValueDictionary[tuple[str, str, float], RateLimiter] = (
    weakref.WeakValueDictionary()
)
_shared_lock = threading.Lock()


def shared_limiter(base_url: str, principal: str, rate: float, clock: Clock) -> RateLimiter:
    """The process's limiter for this base URL and token digest, made on first use.

    Connections to the same tenant as the same user share it, so several
    Connection objects (or threads) cannot add up past the limit together.
    """
    key = (base_url, principal, rate)
    with _shared_lock:
        found = _shared.get(key)
        if found is None:
            found = RateLimiter(rate, clock=clock)
            _shared[key] = found
        return found
