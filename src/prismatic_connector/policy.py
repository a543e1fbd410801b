"""How long a call may take, how often it is retried, and what a clock is.

    Timeout(total=60, connect=10, read=30)   the defaults
    Retry(max_retries=4, base_s=0.25, cap_s=8)

``total`` is the deadline of one whole call, retries, back-off and a slow body
included; ``connect`` and ``read`` bound each attempt's connect and each wait for
bytes. A plain float for ``timeout`` sets ``total`` and keeps the others (capped
by it); a plain int for ``retries`` sets ``max_retries``.
"""

from __future__ import annotations

import email.utils
import math
import random
from dataclasses import dataclass, field, replace
from typing import Protocol

from .errors import ConfigurationError

DEFAULT_TOTAL_S = 60.0
DEFAULT_CONNECT_S = 10.0
DEFAULT_READ_S = 30.0
DEFAULT_RETRIES = 4
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
# Prismatic's documented limit (seed 003) is 20 requests per second.
DEFAULT_RATE_LIMIT = 20.0
RETRY_STATUSES = frozenset({429, 502, 503, 504})


class Clock(Protocol):
    """Monotonic seconds and a way to wait; tests pass a fake one to skip real sleeps."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


@dataclass(frozen=True)
class Timeout:
    total: float = DEFAULT_TOTAL_S
    connect: float = DEFAULT_CONNECT_S
    read: float = DEFAULT_READ_S

    def __post_init__(self) -> None:
        for name in ("total", "connect", "read"):
            value = getattr(self, name)
            if not _positive_number(value):
                raise ConfigurationError("timeout", f"{name} must be a positive number of seconds")

    @classmethod
    def of(cls, value: Timeout | float | int | None, default: Timeout | None = None) -> Timeout:
        base = default or cls()
        if value is None:
            return base
        if isinstance(value, Timeout):
            return value
        if not _positive_number(value):
            raise ConfigurationError("timeout", "expected a positive number of seconds")
        total = float(value)
        return replace(
            base, total=total, connect=min(base.connect, total), read=min(base.read, total)
        )


@dataclass(frozen=True)
class Retry:
    """Exponential back-off with full jitter, capped, within the call's deadline."""

    max_retries: int = DEFAULT_RETRIES
    base_s: float = 0.25
    cap_s: float = 8.0
    statuses: frozenset[int] = RETRY_STATUSES
    random: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        valid = isinstance(self.max_retries, int) and not isinstance(self.max_retries, bool)
        if not valid or self.max_retries < 0:
            raise ConfigurationError("retries", "expected a whole number, 0 or more")
        if not (_positive_number(self.base_s) and _positive_number(self.cap_s)):
            raise ConfigurationError("retries", "base_s and cap_s must be positive")

    @classmethod
    def of(cls, value: Retry | int | None, default: Retry | None = None) -> Retry:
        if value is None:
            return default or cls()
        if isinstance(value, Retry):
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigurationError("retries", "expected a whole number, 0 or more")
        return replace(default or cls(), max_retries=value)

    def backoff(self, retry: int) -> float:
        """Seconds before retry number ``retry`` (1-based): uniform in [0, min(cap, base*2^n)]."""
        ceiling = min(self.cap_s, self.base_s * (2 ** min(retry - 1, 30)))
        return self.random.uniform(0, ceiling)


def retry_after(value: str | None, *, wall_now: float) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date (from
    ``wall_now``, the time of day); None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(min(int(value), 24 * 3600))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    try:
        return max(0.0, when.timestamp() - wall_now)
    except (OverflowError, OSError, ValueError):
        return None


def _positive_number(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def __getattr__(name: str) -> object:
    """``SystemClock`` and ``SYSTEM_CLOCK`` moved to ``clock.py``; still importable here."""
    if name in ("SystemClock", "SYSTEM_CLOCK"):
        from . import clock

        return getattr(clock, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
