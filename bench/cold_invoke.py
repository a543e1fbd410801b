"""A cold `prismatic-connector invoke`, a whole process, against the floor: a python that
imports requests, exchanges the token and posts once, both against one static loopback
server, the manifest cache warm. Prismatic's own CLI (`prism me`, against the emulator)
is a row when Node and tests/compat are there.

    python bench/cold_invoke.py [--quick] [--json]
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, options, report
from warm_call import Handler

RUNS = 21
BASELINE = (
    "import sys, requests; requests.post(sys.argv[1] + '/auth/refresh', json={}, timeout=10); "
    "requests.post(sys.argv[1] + '/api', json={'query': '{ a }'}, timeout=10).json()"
)


ROOT = Path(__file__).resolve().parents[1]
PRISM = ROOT / "tests/compat/node_modules/@prismatic-io/prism/lib/run.js"


def median_run(command: list[str], env: dict[str, str], runs: int = RUNS) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def alternating(commands: list[list[str]], env: dict[str, str], runs: int) -> list[float]:
    """Median seconds of each command, run in turn so that the machine's drift hits all."""
    samples: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for command, taken in zip(commands, samples, strict=True):
            started = time.perf_counter()
            subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
            taken.append(time.perf_counter() - started)
    return [statistics.median(taken) for taken in samples]


def prism_me(runs: int) -> tuple[float, float] | None:
    """Seconds and peak MiB of `prism me` against an embedded emulator; None without Node."""
    node = shutil.which("node")
    if not node or not PRISM.is_file():
        return None
    from prismatic_connector.emulator import Emulator

    with Emulator(seed="demo") as emu:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": tempfile.mkdtemp(prefix="prism-home-"),
            "PRISMATIC_URL": emu.url,
            "PRISM_ACCESS_TOKEN": emu.access_token(),
            "PRISM_SKIP_NEW_VERSION_CHECK": "true",
        }
        seconds = median_run([node, str(PRISM), "me"], env, runs)
        shutil.rmtree(env["HOME"], ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak


def main() -> None:
    args = options(__doc__)
    runs = 3 if args.quick else RUNS
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    # Bytecode goes to a temporary cache, as an installed package has it compiled:
    # without one (PYTHONDONTWRITEBYTECODE, which run.py sets to keep the tree clean)
    # every changed module would be compiled again in every run.
    pycache = tempfile.mkdtemp(prefix="bench-pycache-")
    env = {
        **os.environ,
        "PRISM_REFRESH_TOKEN": "bench-refresh",
        "PRISMATIC_URL": url,
        "PYTHONPYCACHEPREFIX": pycache,
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cli = [sys.executable, "-m", "prismatic_connector", "invoke", "listInstances", "-i", "first=1"]
    floor = [sys.executable, "-c", BASELINE, url]
    for command in (cli, floor):  # warms the bytecode and the manifest caches
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    baseline, invoke = alternating([floor, cli], env, runs)
    httpd.shutdown()
    shutil.rmtree(pycache, ignore_errors=True)
    rows = [
        Row("python: import requests, exchange, post", baseline * 1e3, "ms", 1.0),
        Row("prismatic-connector invoke", invoke * 1e3, "ms", invoke / baseline, "<= 1.3x"),
    ]
    prism = prism_me(1 if args.quick else 5)
    if prism is None:
        rows.append(Row("prism me (skipped: no Node or tests/compat)", 0.0, "ms"))
    else:
        rows.append(Row("prism me", prism[0] * 1e3, "ms", prism[0] / baseline))
        rows.append(Row("prism me, peak memory", prism[1], "MiB"))
    report("2. cold start (a whole process)", rows, args)


if __name__ == "__main__":
    main()
