"""Cold start of one action call, against importing requests alone."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 15
BASELINE = "import requests"
ACTION = (
    "from prismatic_connector import load_component; load_component().prepare('listInstances', {})"
)


def timed(code: str, cache: str) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", code], check=True, env={"XDG_CACHE_HOME": cache, "PATH": ""}
        )
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    with tempfile.TemporaryDirectory() as warm:
        subprocess.run([sys.executable, "-c", ACTION], check=True, env={"XDG_CACHE_HOME": warm})
        baseline = timed(BASELINE, warm)
        cached = timed(ACTION, warm)
        cold = []
        for n in range(RUNS):
            empty = str(Path(warm) / f"empty-{n}")
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", ACTION], check=True, env={"XDG_CACHE_HOME": empty}
            )
            cold.append(time.perf_counter() - started)
        uncached = statistics.median(cold)
    print(f"import requests              {baseline * 1000:7.1f} ms  1.00x")
    print(f"prepare, manifest cached     {cached * 1000:7.1f} ms  {cached / baseline:.2f}x")
    print(f"prepare, manifest validated  {uncached * 1000:7.1f} ms  {uncached / baseline:.2f}x")


if __name__ == "__main__":
    main()
