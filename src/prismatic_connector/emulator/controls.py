"""The control surface: what a test tells a running emulator, and asks it.

``Emulator`` has these methods; ``EmulatorClient`` has the same ones for an emulator
in another process, through the admin-key-guarded ``/emulator/`` routes
(``http/control.py``), and ``prismatic-connector emulator clock|fault|script|journal``
mirrors them. A refused request raises ``ControlError`` naming the field.

- the clock: ``clock()``, ``clock_advance(seconds)`` (a manual clock only);
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import ControlError
from .clock import Clock, ManualClock, reading

MANUAL_CLOCK_ONLY = (
    "the emulator runs on the wall clock; start it with --manual-clock"
    " (Emulator(clock=ManualClock())) to move its time"
)


class Controls:
    """The control methods, mixed into ``Emulator``, over the state it holds."""

    _clock: Clock

    # ------------------------------------------------------------------ the clock

    def clock(self) -> dict[str, Any]:
        """``{"now": ISO time, "epochSeconds": float, "manual": bool}``."""
        return reading(self._clock)

    def clock_advance(self, seconds: float) -> dict[str, Any]:
        """Move a manual clock on by ``seconds``; what ``clock()`` then answers."""
        if not isinstance(self._clock, ManualClock):
            raise ControlError("clock", MANUAL_CLOCK_ONLY, status=409)
        number(seconds, "seconds", low=0.0, high=10 * 365 * 86_400.0)
        self._clock.advance(float(seconds))
        return self.clock()


def number(value: Any, field: str, *, low: float, high: float) -> float:
    """``value`` as a finite number in ``[low, high]``, else a ``ControlError`` naming it."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not low <= value <= high:
        raise ControlError(field, f"expected a number from {low:g} to {high:g}, got {value!r}")
    return float(value)
