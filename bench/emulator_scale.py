"""The emulator at 100, 1,000 and 10,000 instances, against a static server on the same stack.

Each emulator runs in its own process (``emulator serve --scale instances=N``), as
users run it. The static server is a stdlib ``ThreadingHTTPServer`` in its own
process too, answering every POST with the bytes the emulator answered for the
same getInstance request: the floor of the HTTP stack both share.

Printed: the p50 and p99 latency of a getInstance and of three filtered list pages
(20 instances to a page: one customer's, one customer's by its external ID, and
those whose name contains a text) at each size, with the ratio to 100 instances;
then requests per second for getInstance from 1 and 4 client threads, against the
static server's.

    .venv/bin/python bench/emulator_scale.py [--sizes 100,1000,10000] [--seconds 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, report

ROOT = Path(__file__).resolve().parents[1]
GET = (ROOT / "queries/getInstance.graphql").read_text(encoding="utf-8")
LIST = (ROOT / "queries/listInstances.graphql").read_text(encoding="utf-8")
PICK = "{ instances(isSystem: false, first: 3) { nodes { id customer { id } } } }"
CALLS = 400
# The list pages measured, by name: listInstances' variables, given the customer's ID.
# The name text matches the same two instances (#00041, #00045: Acme Corp's) at every size.
PAGES: dict[str, Callable[[str], dict[str, object]]] = {
    "list page": lambda customer: {"customer": customer, "first": 20},
    "by customer external ID": lambda _: {"customerExternalId": "acme-123", "first": 20},
    "name contains": lambda _: {"nameContains": "acme corp #0004", "first": 20},
}


def static_server(body_file: str) -> None:
    """Serve ``body_file``'s bytes to every POST, as the emulator writes an answer."""
    body = Path(body_file).read_bytes()
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode("latin-1")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.wfile.write(head + body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


@contextmanager
def process(args: list[str]) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout:
            proc.stdout.close()


@contextmanager
def emulator(size: int) -> Iterator[tuple[str, str, float]]:
    """The URL and an access token of an emulator with ``size`` instances, and its start time."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "prismatic_connector", "emulator", "serve", "--seed", "demo"]
    with process([*command, "--scale", f"instances={size}"]) as proc:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in range(4)]
        ready = time.perf_counter() - started
        values = dict(line.split("=", 1) for line in lines if line.startswith("PRISM"))
        url = values["PRISMATIC_URL"]
        answer = requests.post(
            f"{url}/auth/refresh", json={"refresh_token": values["PRISM_REFRESH_TOKEN"]}, timeout=30
        )
        yield url, answer.json()["access_token"], ready


def poster(url: str, token: str, query: str, variables: dict[str, object]) -> Callable[[], bytes]:
    session = requests.Session()
    body = json.dumps({"query": query, "variables": variables}).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post() -> bytes:
        answer = session.post(f"{url}/api", data=body, headers=headers, timeout=30)
        answer.raise_for_status()
        return answer.content

    return post


def latencies(post: Callable[[], bytes], calls: int = CALLS) -> tuple[float, float]:
    for _ in range(min(20, calls)):
        post()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        post()
        samples.append(time.perf_counter() - started)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def throughput(make: Callable[[], Callable[[], bytes]], threads: int, seconds: float) -> float:
    posts = [make() for _ in range(threads)]
    for post in posts:
        post()
    done = [0] * threads
    stop = time.perf_counter() + seconds

    def work(n: int) -> None:
        while time.perf_counter() < stop:
            posts[n]()
            done[n] += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done) / (time.perf_counter() - started)


def measure(size: int, calls: int, seconds: float, body_file: Path | None) -> dict[str, float]:
    """Latencies at one size; with ``body_file``, getInstance's throughput too (and its bytes)."""
    with emulator(size) as (url, token, ready):
        pick = json.loads(poster(url, token, PICK, {})())["data"]["instances"]["nodes"][2]
        get = poster(url, token, GET, {"instanceId": pick["id"]})
        row = {"ready": ready}
        row["get50"], row["get99"] = latencies(get, calls)
        for name, variables in PAGES.items():
            listing = poster(url, token, LIST, variables(pick["customer"]["id"]))
            row[f"{name}50"], row[f"{name}99"] = latencies(listing, calls)
        if body_file is not None:
            body_file.write_bytes(get())
            wanted = {"instanceId": pick["id"]}
            for threads in (1, 4):
                row[f"rps{threads}"] = throughput(
                    lambda v=wanted: poster(url, token, GET, v),  # type: ignore[misc]
                    threads,
                    seconds,
                )
    return row


def static(body_file: Path, calls: int, seconds: float) -> dict[str, float]:
    """The static server's latency and throughput, answering getInstance's bytes."""
    server = [sys.executable, str(Path(__file__).resolve()), "--static-server", str(body_file)]
    with process(server) as proc:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        plain = poster(url, "none", GET, {})
        row = dict(zip(("get50", "get99"), latencies(plain, calls), strict=True))
        for threads in (1, 4):
            row[f"rps{threads}"] = throughput(
                lambda: poster(url, "none", GET, {}), threads, seconds
            )
    return row


def table(rows: dict[int, dict[str, float]], floor: dict[str, float]) -> list[Row]:
    base = next(iter(rows.values()))
    out = []
    for size, row in rows.items():
        for name, key in (("getInstance", "get"), *((name, name) for name in PAGES)):
            ratio = row[f"{key}50"] / base[f"{key}50"]
            out.append(
                Row(f"{name} p50 at {size}", row[f"{key}50"] * 1e3, "ms", ratio, "<= 2x at 100")
            )
            out.append(Row(f"{name} p99 at {size}", row[f"{key}99"] * 1e3, "ms"))
        out.append(Row(f"ready with {size} instances", row["ready"], "s"))
    out.append(Row("static server p50", floor["get50"] * 1e3, "ms"))
    out.append(Row("static server p99", floor["get99"] * 1e3, "ms"))
    top_size = max(rows)
    top = rows[top_size]
    for threads in (1, 4):
        ours, theirs = top[f"rps{threads}"], floor[f"rps{threads}"]
        out.append(
            Row(
                f"getInstance req/s at {top_size}, {threads} thread(s)",
                ours,
                "req/s",
                ours / theirs,
                ">= 0.5x static",
            )
        )
        out.append(Row(f"static server req/s, {threads} thread(s)", theirs, "req/s"))
    out.append(Row("emulator: 4 threads / 1", top["rps4"] / top["rps1"], "x", None, "> 1"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--static-server", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="one JSON object, for bench/run.py")
    parser.add_argument("--quick", action="store_true", help="once, on a tiny size")
    args = parser.parse_args()
    calls = CALLS
    if args.quick:
        args.sizes, args.seconds, calls = "100,300", 0.3, 20
    if args.static_server:
        static_server(args.static_server)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    body_file = Path(tempfile.mkdtemp(prefix="emulator-scale-")) / "getInstance.json"
    rows = {
        size: measure(size, calls, args.seconds, body_file if size == max(sizes) else None)
        for size in sizes
    }
    floor = static(body_file, calls, args.seconds)
    shutil.rmtree(body_file.parent)
    report("5. the emulator at volume", table(rows, floor), args)


if __name__ == "__main__":
    main()
