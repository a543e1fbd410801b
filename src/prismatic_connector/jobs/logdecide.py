"""What following logs decides, apart from any I/O: the lines, which are new, where the
next read starts, how many lines fell behind the window, and when to read again.

The API's cursors are offsets, which shift when a line is inserted before them, so a
follower reads by timestamp instead: from the newest line seen, less an overlap window
that catches lines arriving a little late, and de-duplicates by log ID. A line later
than the window is never read; the count of lines since the start tells it was missed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import ConfigurationError

__all__ = [
    "LEVELS",
    "LogLine",
    "at_or_above",
    "check_level",
    "missed",
    "next_interval",
    "read_from",
    "remember",
]

LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
# METRIC lines are measurements, not a level of alarm: they rank with INFO.
_RANK = {**{name: n for n, name in enumerate(LEVELS)}, "METRIC": LEVELS.index("INFO")}
FAST_S, SLOW_S = 0.5, 5.0
OVERLAP = timedelta(seconds=10)


@dataclass(frozen=True)
class LogLine:
    """One log line: ``at`` is its timestamp as a moment in UTC."""

    id: str
    timestamp: str
    at: datetime
    severity: str
    message: str
    step: str | None = None
    execution: str | None = None
    instance: str | None = None
    flow: str | None = None

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> LogLine:
        timestamp = str(node["timestamp"])
        at = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
        return cls(
            id=str(node["id"]),
            timestamp=timestamp,
            at=at if at.tzinfo else at.replace(tzinfo=timezone.utc),
            severity=str(node.get("severity") or "INFO"),
            message=str(node.get("message") or ""),
            step=node.get("stepName"),
            execution=(node.get("executionResult") or {}).get("id"),
            instance=(node.get("instance") or {}).get("id"),
            flow=(node.get("flow") or {}).get("name"),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "timestamp": self.timestamp,
            "severity": self.severity,
            "message": self.message,
            "step": self.step,
            "execution": self.execution,
            "instance": self.instance,
            "flow": self.flow,
        }

    def as_text(self) -> str:
        step = f" [{self.step}]" if self.step else ""
        return f"{self.timestamp} {self.severity:<5}{step} {self.message}"


def check_level(level: str | None, *, name: str = "level") -> str | None:
    """The level in capitals, or None for every line; else a ``ConfigurationError``."""
    if level is None:
        return None
    found = str(level).strip().upper()
    if found not in LEVELS:
        raise ConfigurationError(name, f"expected one of {', '.join(LEVELS)}, got {level!r}")
    return found


def at_or_above(severity: str, level: str | None) -> bool:
    """Whether a line of ``severity`` is shown at ``level`` (an unknown severity always is)."""
    if level is None:
        return True
    return _RANK.get(severity.upper(), len(LEVELS)) >= _RANK[level]


def read_from(high_water: datetime | None, start: datetime | None, overlap: timedelta) -> Any:
    """Where the next read starts: the newest line seen less the overlap, never before the
    start; the start (None: the beginning) while nothing is seen."""
    if high_water is None:
        return start
    since = high_water - overlap
    return since if start is None or since > start else start


def remember(
    seen: dict[str, datetime], high_water: datetime | None, overlap: timedelta
) -> dict[str, datetime]:
    """The IDs still worth keeping: those a read from ``read_from`` can answer again."""
    if high_water is None:
        return seen
    edge = high_water - overlap
    return {key: at for key, at in seen.items() if at >= edge}


def missed(total: int, counted: int) -> int:
    """Lines the API holds since the start that no read answered: they arrived after the
    window had moved past their timestamp."""
    return max(0, total - counted)


def next_interval(
    current: float, arrived: bool, fast: float = FAST_S, slow: float = SLOW_S
) -> float:
    """The wait before the next read: ``fast`` while lines arrive, doubling to ``slow``."""
    if arrived:
        return fast
    return min(slow, max(fast, current * 2))
