"""``logs(...)``: an instance's or an execution's log lines, in order, and, following,
those that arrive, read by timestamp with an overlap window (``logdecide``).

Reading is through the ``listLogs`` and ``listExecutions`` actions, so every request
takes the connection's token, retries and rate limiter. Waiting is through a ``Clock``
(tests pass one that moves the emulator's clock instead of sleeping).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..component.runner import Component, ConnectionLike, load_component
from ..errors import ConfigurationError
from ..policy import Clock
from .logdecide import (
    FAST_S,
    LEVELS,
    OVERLAP,
    SLOW_S,
    LogLine,
    at_or_above,
    check_level,
    missed,
    next_interval,
    read_from,
    remember,
)
from .paging import paginate
from .times import parse_time

__all__ = ["LEVELS", "Gap", "LogLine", "logs"]

# Past this many remembered IDs, those behind the window are let go mid-read.
_PRUNE_AT = 20_000
_ENDED = ("SUCCESS", "ERROR")


@dataclass(frozen=True)
class Gap:
    """``count`` lines logged before ``before`` arrived after the window had passed them."""

    count: int
    before: datetime | None

    def describe(self, overlap_s: float) -> str:
        when = f" before {self.before.isoformat()}" if self.before else ""
        return (
            f"gap: {self.count} line(s) logged{when} arrived more than "
            f"{overlap_s:g} s late and were not shown"
        )


@dataclass
class _Follow:
    """What a follower knows between reads."""

    start: datetime | None
    overlap: timedelta
    high_water: datetime | None = None
    counted: int = 0
    interval: float = FAST_S

    def __post_init__(self) -> None:
        self.seen: dict[str, datetime] = {}

    def take(self, line: LogLine) -> bool:
        """Whether the line is new; remembered if so."""
        if line.id in self.seen:
            return False
        self.seen[line.id] = line.at
        self.counted += 1
        if self.high_water is None or line.at > self.high_water:
            self.high_water = line.at
        if len(self.seen) > _PRUNE_AT:
            self.seen = remember(self.seen, self.high_water, self.overlap)
        return True


def logs(
    *,
    instance: str | None = None,
    execution: str | None = None,
    since: str | datetime | None = None,
    level: str | None = None,
    follow: bool = False,
    overlap_s: float = OVERLAP.total_seconds(),
    connection: ConnectionLike = None,
    component: Component | None = None,
    clock: Clock | None = None,
    on_gap: Callable[[Gap], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    fast_s: float = FAST_S,
    slow_s: float = SLOW_S,
) -> Iterator[LogLine]:
    """Every log line of an instance or an execution, oldest first, at or above ``level``.

    ``since``: an ISO 8601 time with a zone, a duration back from now (``24h``), or an
    aware ``datetime``. ``follow``: keep reading as lines arrive (an execution's follow
    ends when the run ends), waiting ``fast_s`` after lines came, doubling to ``slow_s``
    while none do; ``on_gap`` hears of lines that came later than the overlap window.
    The arguments are checked now, before any request; the lines come as iterated.
    """
    if (instance is None) == (execution is None):
        raise ConfigurationError("instance", "give an instance or an execution (one of them)")
    start = _start(since)
    shown = check_level(level)
    if not 0 <= overlap_s <= 3600:
        raise ConfigurationError("overlap_s", f"expected seconds from 0 to 3600, got {overlap_s}")
    if clock is None:
        from ..clock import SYSTEM_CLOCK

        clock = SYSTEM_CLOCK
    reader = _Reader(component or load_component(), connection, instance, execution, start)
    state = _Follow(start, timedelta(seconds=overlap_s))
    stop = should_stop or (lambda: False)

    def walk() -> Iterator[LogLine]:
        while True:
            done = bool(follow and execution and reader.ended())
            held = reader.total() if follow else None
            since = read_from(state.high_water, state.start, state.overlap)
            before = state.counted
            for line in reader.read(since):
                if state.take(line) and at_or_above(line.severity, shown):
                    yield line
                    if stop():
                        return
            state.seen = remember(state.seen, state.high_water, state.overlap)
            if held is not None and missed(held, state.counted):
                if on_gap is not None:
                    on_gap(Gap(missed(held, state.counted), since))
                state.counted = held
            if not follow or done or stop():
                return
            state.interval = next_interval(state.interval, state.counted > before, fast_s, slow_s)
            clock.sleep(state.interval)
            if stop():
                return

    return walk()


class _Reader:
    """The reads a follower makes, each one action call through the connection."""

    def __init__(
        self,
        component: Component,
        connection: ConnectionLike,
        instance: str | None,
        execution: str | None,
        start: datetime | None,
    ) -> None:
        self.component, self.connection = component, connection
        self.scope = {"instance": instance} if instance else {"execution": execution}
        self.execution, self.start = execution, start

    def read(self, since: datetime | None) -> Iterator[LogLine]:
        inputs: dict[str, Any] = dict(self.scope)
        if since is not None:
            inputs["since"] = since.isoformat()
        nodes = paginate("listLogs", inputs, connection=self.connection, component=self.component)
        for node in nodes:
            yield LogLine.from_node(node)

    def total(self) -> int:
        """How many lines the API holds from the start on."""
        inputs: dict[str, Any] = {**self.scope, "first": 1}
        if self.start is not None:
            inputs["since"] = self.start.isoformat()
        answer = self.component.invoke("listLogs", inputs, connection=self.connection)
        return int(answer["data"]["data"]["logs"]["totalCount"])

    def ended(self) -> bool:
        inputs = {"ids": self.execution, "first": 1}
        answer = self.component.invoke("listExecutions", inputs, connection=self.connection)
        nodes = answer["data"]["data"]["executionResults"]["nodes"]
        if not nodes:
            raise ConfigurationError("execution", f"no execution is {self.execution!r}")
        return nodes[0]["status"] in _ENDED and nodes[0].get("endedAt") is not None


def _start(since: str | datetime | None) -> datetime | None:
    if since is None or isinstance(since, datetime):
        if isinstance(since, datetime) and since.tzinfo is None:
            raise ConfigurationError("since", "a datetime without a zone; give an aware one")
        return since
    return parse_time(since, name="since")
