"""A local emulator of Prismatic's API, on the real schema, over real HTTP.

    with Emulator(seed="demo") as emu:
        conn = Connection(emu.refresh_token, base_url=emu.url)
        ...

State lives in SQLite (a file given as ``db``, else a temporary one that goes
away with the emulator), so it survives restarts and concurrent requests are
safe. ``faults`` injects latency, throttling, server errors and dropped
connections; ``applied()`` counts what each mutation applied.

The names are loaded on first use, so that importing this package (as the
command line does to describe its options) does not load graphql-core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import Emulator
    from .faults import Faults

__all__ = ["Emulator", "Faults"]


def __getattr__(name: str) -> Any:
    if name == "Emulator":
        from .app import Emulator

        return Emulator
    if name == "Faults":
        from .faults import Faults

        return Faults
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
