"""The emulator's one clock: what every time it reads comes from.

``WallClock`` is the time of day (access tokens carry ``exp`` as one). ``ManualClock``
(``emulator serve --manual-clock``) moves only when told, through ``advance`` or the
control surface's ``clock_advance``, so a test drives waits, expiries and scripted
runs in another process without sleeping: whatever sleeps on it (a fault's latency)
wakes when the clock is moved past its time.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Any, Protocol


class Clock(Protocol):
    """Seconds since the epoch, and a way to wait on them."""

    manual: bool

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class WallClock:
    manual = False

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class ManualClock:
    """A clock that starts at ``start`` (now, by default) and moves only by ``advance``."""

    manual = True

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)
        self._moved = threading.Condition()
        self._released = False

    def now(self) -> float:
        with self._moved:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock on by ``seconds`` (not back) and wake whatever sleeps till then."""
        if seconds < 0:
            raise ValueError("a clock moves forward only")
        with self._moved:
            self._now += seconds
            self._moved.notify_all()
            return self._now

    def set(self, at: float) -> None:
        """Put the clock at ``at``, back if need be (a snapshot loaded): whatever sleeps
        still wakes at the time it asked for, further off now."""
        with self._moved:
            self._now = float(at)
            self._moved.notify_all()

    def sleep(self, seconds: float) -> None:
        """Wait until the clock has been moved ``seconds`` on, or the emulator stops."""
        with self._moved:
            until = self._now + seconds
            while self._now < until and not self._released:
                self._moved.wait()

    def release(self) -> None:
        """Wake every sleeper for good: the emulator is stopping."""
        with self._moved:
            self._released = True
            self._moved.notify_all()


def reading(clock: Clock) -> dict[str, Any]:
    """What ``clock()`` answers on the control surface."""
    now = clock.now()
    moment = datetime.fromtimestamp(now, timezone.utc).isoformat().replace("+00:00", "Z")
    return {"now": moment, "epochSeconds": now, "manual": bool(getattr(clock, "manual", False))}
