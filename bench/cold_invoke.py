"""A cold `prismatic-connector invoke`, a whole process, against a python that imports requests
and posts once: both against one static loopback server, the manifest cache warm.

    python bench/cold_invoke.py
"""

from __future__ import annotations

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

RUNS = 21
BASELINE = (
    "import sys, requests; requests.post(sys.argv[1] + '/auth/refresh', json={}, timeout=10); "
    "requests.post(sys.argv[1] + '/api', json={'query': '{ a }'}, timeout=10).json()"
)


def median_run(command: list[str], env: dict[str, str]) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    env = {**os.environ, "PRISM_REFRESH_TOKEN": "bench-refresh", "PRISMATIC_URL": url}
    cli = [sys.executable, "-m", "prismatic_connector", "invoke", "listInstances", "-i", "first=1"]
    subprocess.run(cli, check=True, env=env, stdout=subprocess.DEVNULL)  # warms the manifest cache
    baseline = median_run([sys.executable, "-c", BASELINE, url], env)
    invoke = median_run(cli, env)
    httpd.shutdown()
    print(f"python: import requests, post   {baseline * 1000:7.1f} ms  1.00x")
    print(f"prismatic-connector invoke     {invoke * 1000:7.1f} ms  {invoke / baseline:.2f}x")


if __name__ == "__main__":
    main()
