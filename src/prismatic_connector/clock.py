"""The system's clock: monotonic seconds, and real waiting.

Apart from ``policy.py`` (the ``Clock`` every part takes) so that the rules never
read or wait on time themselves: tests hand them a fake clock.
"""

from __future__ import annotations

import time


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def __repr__(self) -> str:
        return "SystemClock()"


SYSTEM_CLOCK = SystemClock()
