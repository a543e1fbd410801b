"""Bulk listing: 10,000 customers through paginate() against the same 100 page requests made
bare with requests, first against a static server of prebuilt pages (the client's floor),
then against the emulator (in its own process); the rate limiter off, as the bare loop
has none. Also the peak memory paginate() adds while walking them all.

    python bench/bulk_listing.py [--quick] [--json]
"""

from __future__ import annotations

import base64
import json
import statistics
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from prismatic_connector import Connection, load_component, paginate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, options, report
from emulator_scale import process

PAGE = 100


def cursor(index: int) -> str:
    return base64.b64encode(f"arrayconnection:{index}".encode()).decode()


def static_pages(total: int) -> dict[str | None, bytes]:
    """The answer for each ``after`` cursor, built once."""
    pages: dict[str | None, bytes] = {}
    for start in range(0, total, PAGE):
        nodes = [
            {
                "id": f"Q3VzdG9tZXI6{n:08d}",
                "name": f"Customer {n:05d}",
                "description": f"Customer number {n}",
                "externalId": f"cust-{n:05d}",
                "labels": ["gold"],
                "createdAt": "2026-01-05T09:00:00+00:00",
                "updatedAt": "2026-01-05T09:00:00+00:00",
            }
            for n in range(start, min(start + PAGE, total))
        ]
        end = start + len(nodes)
        info = {
            "hasNextPage": end < total,
            "hasPreviousPage": start > 0,
            "startCursor": cursor(start),
            "endCursor": cursor(end - 1),
        }
        body = {"data": {"customers": {"nodes": nodes, "pageInfo": info, "totalCount": total}}}
        pages[cursor(start - 1) if start else None] = json.dumps(body).encode()
    return pages


def serve(pages: dict[str | None, bytes]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_: object) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == "/auth/refresh":
                body = b'{"access_token": "at", "expires_in": 3600}'
            else:
                body = pages[json.loads(raw)["variables"].get("after")]
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            )
            self.wfile.write(head.encode() + body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def bare_walk(url: str, token: str, query: str) -> Callable[[], int]:
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}

    def walk() -> int:
        count, after = 0, None
        while True:
            variables = {"first": PAGE, "after": after}
            answer = session.post(
                f"{url}/api",
                json={"query": query, "variables": variables},
                headers=headers,
                timeout=30,
            ).json()["data"]["customers"]
            count += len(answer["nodes"])
            if not answer["pageInfo"]["hasNextPage"]:
                return count
            after = answer["pageInfo"]["endCursor"]

    return walk


def connector_walk(url: str, refresh: str) -> Callable[[], int]:
    conn = Connection(refresh, base_url=url, rate_limit=None)
    return lambda: sum(1 for _ in paginate("listCustomers", connection=conn))


def median(fn: Callable[[], int], rounds: int, expected: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        assert fn() == expected
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


@contextmanager
def served_emulator(customers: int) -> Iterator[tuple[str, str]]:
    """An emulator in its own process, as users run it, so that it does not share this
    process's interpreter lock with the clients it is measuring; its URL and token."""
    command = [sys.executable, "-m", "prismatic_connector", "emulator", "serve", "--seed"]
    with process([*command, "empty", "--scale", f"customers={customers}"]) as proc:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in range(4)]
        values = dict(line.split("=", 1) for line in lines if line.startswith("PRISM"))
        yield values["PRISMATIC_URL"], values["PRISM_REFRESH_TOKEN"]


def alternating(
    bare: Callable[[], int], ours: Callable[[], int], rounds: int, expected: int
) -> tuple[float, float]:
    """Median seconds of each walk, taking turns at going first, so that the machine's
    drift and whatever the first walk leaves warm hit both alike."""
    samples: tuple[list[float], list[float]] = ([], [])
    for n in range(rounds):
        order = ((0, bare), (1, ours)) if n % 2 == 0 else ((1, ours), (0, bare))
        for slot, walk in order:
            samples[slot].append(median(walk, 1, expected))
    return statistics.median(samples[0]), statistics.median(samples[1])


def peak_kib(fn: Callable[[], int]) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1024


def main() -> None:
    args = options(__doc__)
    total, rounds = (300, 1) if args.quick else (10_000, 7)
    query = load_component().query(load_component().action("listCustomers"))
    httpd, url = serve(static_pages(total))
    bare, ours = bare_walk(url, "at", query), connector_walk(url, "rt")
    bare(), ours()
    static_bare, static_ours = alternating(bare, ours, rounds, total)
    memory = peak_kib(ours)
    httpd.shutdown()

    with served_emulator(total) as (emu_url, refresh):
        token = requests.post(
            f"{emu_url}/auth/refresh", json={"refresh_token": refresh}, timeout=30
        ).json()["access_token"]
        bare, ours = bare_walk(emu_url, token, query), connector_walk(emu_url, refresh)
        bare(), ours()
        emu_bare, emu_ours = alternating(bare, ours, rounds, total)
    pages = -(-total // PAGE)
    rows = [
        Row(f"static: {pages} pages bare", static_bare * 1e3, "ms", 1.0),
        Row(
            f"static: paginate, {total} nodes",
            static_ours * 1e3,
            "ms",
            static_ours / static_bare,
            "<= 1.05x",
        ),
        Row(f"emulator: {pages} pages bare", emu_bare * 1e3, "ms", 1.0),
        Row(
            f"emulator: paginate, {total} nodes",
            emu_ours * 1e3,
            "ms",
            emu_ours / emu_bare,
            "<= 1.05x",
        ),
        Row("paginate: peak memory while walking", memory / 1024, "MiB", None, "<= 20 MiB"),
    ]
    report("3. bulk listing (limiter off)", rows, args)


if __name__ == "__main__":
    main()
