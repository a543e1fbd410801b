"""One action call against the emulator, with and without its parsed-document cache."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from prismatic_connector import Connection, load_component
from prismatic_connector.emulator import Emulator

CALLS = 300


def per_call(fn: Callable[[], object]) -> float:
    for _ in range(20):
        fn()
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(CALLS // 5):
            fn()
        samples.append((time.perf_counter() - started) / (CALLS // 5))
    return statistics.median(samples)


def main() -> None:
    component = load_component()
    with Emulator(seed="demo") as emu:
        conn = Connection(emu.refresh_token, base_url=emu.url, rate_limit=None)

        def call() -> object:
            return component.invoke("listInstances", {"enabled": ""}, connection=conn)

        cached = per_call(call)
        prepare = emu.engine.prepare

        def uncached_prepare(query: str) -> object:
            emu.engine._cache.clear()  # the benchmark turns the cache off
            return prepare(query)

        emu.engine.prepare = uncached_prepare  # type: ignore[method-assign]
        uncached = per_call(call)
        emu.engine.prepare = prepare  # type: ignore[method-assign]
    print(f"listInstances over HTTP, document cached    {cached * 1000:6.2f} ms  1.00x")
    ratio = uncached / cached
    print(f"listInstances over HTTP, parsed every time  {uncached * 1000:6.2f} ms  {ratio:.2f}x")


if __name__ == "__main__":
    main()
