"""The emulator at 100, 1,000 and 10,000 instances, against a static server on the same stack.

Each emulator runs in its own process (``emulator serve --scale instances=N``), as
users run it. The static server is a stdlib ``ThreadingHTTPServer`` in its own
process too, answering every POST with the bytes the emulator answered for the
same getInstance request: the floor of the HTTP stack both share.

Printed: the p50 and p99 latency of a getInstance and of a filtered list page (one
customer's instances, 20 to a page) at each size, with the ratio to 100
instances; then requests per second for getInstance from 1 and 4 client threads,
against the static server's.

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
    rows: dict[int, dict[str, float]] = {}
    for size in sizes:
        with emulator(size) as (url, token, ready):
            pick = json.loads(poster(url, token, PICK, {})())["data"]["instances"]["nodes"][2]
            get = poster(url, token, GET, {"instanceId": pick["id"]})
            listing = poster(url, token, LIST, {"customer": pick["customer"]["id"], "first": 20})
            row = {"ready": ready}
            row["get50"], row["get99"] = latencies(get, calls)
            row["list50"], row["list99"] = latencies(listing, calls)
            if size == max(sizes):
                body_file.write_bytes(get())
                variables = {"instanceId": pick["id"]}
                for threads in (1, 4):
                    row[f"rps{threads}"] = throughput(
                        lambda v=variables: poster(url, token, GET, v),  # type: ignore[misc]
                        threads,
                        args.seconds,
                    )
            rows[size] = row
    static: dict[int, float] = {}
    server = [sys.executable, str(Path(__file__).resolve()), "--static-server", str(body_file)]
    with process(server) as proc:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        plain = poster(url, "none", GET, {})
        s50, s99 = latencies(plain, calls)
        for threads in (1, 4):
            static[threads] = throughput(
                lambda: poster(url, "none", GET, {}), threads, args.seconds
            )
    shutil.rmtree(body_file.parent)
    base = rows[sizes[0]]
    top_size = max(sizes)
    top = rows[top_size]
    out = []
    for size, row in rows.items():
        out.append(
            Row(
                f"getInstance p50 at {size}",
                row["get50"] * 1e3,
                "ms",
                row["get50"] / base["get50"],
                "<= 2x at 100",
            )
        )
        out.append(Row(f"getInstance p99 at {size}", row["get99"] * 1e3, "ms"))
        out.append(
            Row(
                f"list page p50 at {size}",
                row["list50"] * 1e3,
                "ms",
                row["list50"] / base["list50"],
                "<= 2x at 100",
            )
        )
        out.append(Row(f"list page p99 at {size}", row["list99"] * 1e3, "ms"))
        out.append(Row(f"ready with {size} instances", row["ready"], "s"))
    out.append(Row("static server p50", s50 * 1e3, "ms"))
    out.append(Row("static server p99", s99 * 1e3, "ms"))
    for threads in (1, 4):
        ours, floor = top[f"rps{threads}"], static[threads]
        out.append(
            Row(
                f"getInstance req/s at {top_size}, {threads} thread(s)",
                ours,
                "req/s",
                ours / floor,
                ">= 0.5x static",
            )
        )
        out.append(Row(f"static server req/s, {threads} thread(s)", floor, "req/s"))
    out.append(Row("emulator: 4 threads / 1", top["rps4"] / top["rps1"], "x", None, "> 1"))
    report("5. the emulator at volume", out, args)


if __name__ == "__main__":
    main()
