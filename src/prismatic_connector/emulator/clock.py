"""The emulator's default clock: wall-clock seconds, as access tokens carry ``exp``."""

from __future__ import annotations

import time


class WallClock:
    """Wall-clock seconds (access tokens carry ``exp`` as a time of day) and a way to wait."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)
