"""A local emulator of Prismatic's API, on the real schema, over real HTTP.

    with Emulator(seed="demo") as emu:
        conn = Connection(emu.refresh_token, base_url=emu.url)
        ...

State lives in SQLite (a file given as ``db``, else a temporary one that goes
away with the emulator), so it survives restarts and concurrent requests are
safe. ``faults`` injects latency, throttling, server errors and dropped
connections; ``applied()`` counts what each mutation applied. Its control surface
(``controls.py``: the clock, fault rules, scripted runs, the request journal, snapshots) is
also reached from another process with ``EmulatorClient``, which needs only
requests, not the ``emulator`` extra.

The names are loaded on first use, so that importing this package (as the
command line does to describe its options) does not load graphql-core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import Emulator
    from .client import EmulatorClient
    from .clock import ManualClock
    from .faults import Faults

__all__ = ["Emulator", "EmulatorClient", "Faults", "ManualClock"]


def __getattr__(name: str) -> Any:
    if name == "EmulatorClient":
        from .client import EmulatorClient

        return EmulatorClient
    if name == "ManualClock":
        from .clock import ManualClock

        return ManualClock
    if name == "Emulator":
        from .app import Emulator

        return Emulator
    if name == "Faults":
        from .faults import Faults

        return Faults
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
