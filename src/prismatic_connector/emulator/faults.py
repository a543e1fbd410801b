"""Moved to ``emulator.http.faults``, with the HTTP front that injects them; kept so that
``emulator.faults`` imports (the command line's, say) keep working."""

from __future__ import annotations

from .http.faults import PASS, Faults, Verdict
from .wallclock import WallClock

__all__ = ["PASS", "Faults", "Verdict", "WallClock"]
