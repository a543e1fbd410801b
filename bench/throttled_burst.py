"""A throttled burst: 200 actions from 8 threads against the emulator enforcing 20 requests
a second per token, with the connector's own rate limiter (20/s). The floor is 10 s; the
target is at most 1.05x that, and no error.

    python bench/throttled_burst.py [--quick] [--json]
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from prismatic_connector import Connection, ConnectorError, load_component
from prismatic_connector.emulator import Emulator, Faults

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, options, report

RATE = 20
THREADS = 8


def main() -> None:
    args = options(__doc__)
    total = 40 if args.quick else 200
    component = load_component()
    errors: list[str] = []
    with Emulator(seed="demo", faults=Faults(rate_limit=RATE)) as emu:
        conn = Connection(emu.refresh_token, base_url=emu.url, rate_limit=RATE)
        component.invoke("getCurrentUser", {}, connection=conn)  # the token, before the clock
        time.sleep(1.1)  # an empty window on both sides
        left = iter(range(total))
        lock = threading.Lock()

        def work() -> None:
            while True:
                with lock:
                    if next(left, None) is None:
                        return
                try:
                    component.invoke("getCurrentUser", {}, connection=conn)
                except ConnectorError as exc:
                    errors.append(type(exc).__name__)

        started = time.perf_counter()
        threads = [threading.Thread(target=work) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        conn.close()
    floor = total / RATE
    rows = [
        Row(f"{total} actions at {RATE}/s, floor", floor, "s", 1.0),
        Row(f"{total} actions from {THREADS} threads", wall, "s", wall / floor, "<= 1.05x"),
        Row("errors", float(len(errors)), "", None, "0"),
    ]
    report("4. throttled burst (emulator at 20/s)", rows, args)


if __name__ == "__main__":
    main()
