"""One step out of process against one invoke in process, and --jsonl per request.

All against one static loopback server. A step process keeps the default limiter
(20 requests a second, Prismatic's limit), so the --jsonl cost per request is taken
from a stream of 19 (with the token exchange, one window), less the cost of a
process that serves none; a long stream is bound by the limiter (the last line).

    python bench/step_call.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from warm_call import Handler  # the same static server as the warm benchmark

from prismatic_connector import Connection, load_component

RUNS = 15
WINDOW = 19  # with the token exchange, one window of the 20/s limiter
LONG = 200


def main() -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    request = {
        "action": "listInstances",
        "inputs": {"first": 1},
        "connection": {"apiKey": "bench-refresh", "baseUrl": url},
    }
    line = json.dumps(request)
    step = [sys.executable, "-m", "prismatic_connector", "step"]
    env = dict(os.environ)

    component = load_component()
    conn = Connection("bench-refresh", base_url=url, rate_limit=None)
    for _ in range(50):
        component.invoke("listInstances", {"first": 1}, connection=conn)
    started = time.perf_counter()
    for _ in range(1000):
        component.invoke("listInstances", {"first": 1}, connection=conn)
    in_process = (time.perf_counter() - started) / 1000

    one = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(step, input=line, text=True, env=env, check=True, capture_output=True)
        one.append(time.perf_counter() - started)
    per_process = statistics.median(one)

    def stream(count: int) -> float:
        text = "".join(line + "\n" for _ in range(count))
        samples = []
        for _ in range(5):
            started = time.perf_counter()
            done = subprocess.run(
                [*step, "--jsonl"], input=text, text=True, env=env, check=True, capture_output=True
            )
            samples.append(time.perf_counter() - started)
            assert len(done.stdout.splitlines()) == count
        return statistics.median(samples)

    empty = stream(0)
    per_line = (stream(WINDOW) - empty) / WINDOW
    per_line_long = (stream(LONG) - empty) / LONG
    httpd.shutdown()

    rows = [
        ("invoke, in process", in_process),
        (f"step --jsonl, per request ({WINDOW})", per_line),
        ("step, one process per request", per_process),
        (f"step --jsonl, {LONG} requests (at 20/s)", per_line_long),
    ]
    for name, seconds in rows:
        print(f"{name:38} {seconds * 1000:8.2f} ms  {seconds / in_process:7.2f}x")


if __name__ == "__main__":
    main()
