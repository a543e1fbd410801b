"""Times a user gives a job: ISO 8601 with a zone, or a duration back from now (``24h``).

A time without a zone is refused rather than guessed: the API and the user may not share
a zone, and a wrong guess silently shifts a whole window of executions or log lines.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from ..errors import ConfigurationError

__all__ = ["parse_duration", "parse_time", "utc_now"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
EXPECTED = "expected an ISO 8601 time with a zone (2026-01-05T09:00:00Z) or a duration (24h, 90m)"
MAX_DURATION_S = 10 * 365 * 86_400


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def parse_duration(text: str, *, name: str) -> timedelta:
    """``90s``, ``15m``, ``24h``, ``7d``, ``2w``, or combined (``1h30m``)."""
    compact = text.strip().lower()
    parts = _DURATION.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise ConfigurationError(name, f"{EXPECTED}, got {text[:60]!r}")
    seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if not 0 < seconds <= MAX_DURATION_S:
        raise ConfigurationError(name, f"a duration from 1s to 3650d, got {text[:60]!r}")
    return timedelta(seconds=seconds)


def _is_duration(text: str) -> bool:
    """Whether all of ``text`` is a duration (``3650d`` is one; ``2026-01-05`` is not)."""
    compact = text.lower()
    return bool(compact) and "".join(n + u for n, u in _DURATION.findall(compact)) == compact


def parse_time(text: str, *, name: str, now: datetime | None = None) -> datetime:
    """The moment ``text`` names, in UTC: an ISO 8601 time with a zone (``Z`` or an offset),
    or a duration before ``now``. Else a ``ConfigurationError`` naming ``name``."""
    if not isinstance(text, str):
        raise ConfigurationError(name, f"{EXPECTED}, got {type(text).__name__}")
    stripped = text.strip()
    if _is_duration(stripped):
        return (now or utc_now()) - parse_duration(stripped, name=name)
    try:
        moment = datetime.fromisoformat(re.sub(r"[zZ]$", "+00:00", stripped))
    except ValueError:
        raise ConfigurationError(name, f"{EXPECTED}, got {text[:60]!r}") from None
    if moment.tzinfo is None:
        raise ConfigurationError(
            name, f"{text[:60]!r} has no zone; add one (Z or +01:00) or give a duration (24h)"
        )
    return moment.astimezone(timezone.utc)
