"""Bulk listing: 10,000 customers through paginate() against the same 100 page requests made
bare with requests, first against a static server of prebuilt pages (the client's floor),
then against the emulator; the rate limiter off, as the bare loop has none. Also the
peak memory paginate() adds while walking them all.

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
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from prismatic_connector import Connection, load_component, paginate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, options, report

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


def peak_kib(fn: Callable[[], int]) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1024


def main() -> None:
    args = options(__doc__)
    total, rounds = (300, 1) if args.quick else (10_000, 5)
    query = load_component().query(load_component().action("listCustomers"))
    httpd, url = serve(static_pages(total))
    bare, ours = bare_walk(url, "at", query), connector_walk(url, "rt")
    bare(), ours()
    static_bare, static_ours = 0.0, 0.0
    for _ in range(rounds):  # interleaved, so drift hits both alike
        static_bare += median(bare, 1, total)
        static_ours += median(ours, 1, total)
    memory = peak_kib(ours)
    httpd.shutdown()

    from prismatic_connector.emulator import Emulator

    with Emulator(seed="empty", scale={"customers": total}) as emu:
        token = emu.access_token()
        bare, ours = bare_walk(emu.url, token, query), connector_walk(emu.url, emu.refresh_token)
        bare(), ours()
        emu_bare, emu_ours = 0.0, 0.0
        for _ in range(rounds):
            emu_bare += median(bare, 1, total)
            emu_ours += median(ours, 1, total)
    pages = -(-total // PAGE)
    rows = [
        Row(f"static: {pages} pages bare", static_bare / rounds * 1e3, "ms", 1.0),
        Row(
            f"static: paginate, {total} nodes",
            static_ours / rounds * 1e3,
            "ms",
            static_ours / static_bare,
            "<= 1.05x",
        ),
        Row(f"emulator: {pages} pages bare", emu_bare / rounds * 1e3, "ms", 1.0),
        Row(
            f"emulator: paginate, {total} nodes",
            emu_ours / rounds * 1e3,
            "ms",
            emu_ours / emu_bare,
            "<= 1.05x",
        ),
        Row("paginate: peak memory while walking", memory / 1024, "MiB", None, "<= 20 MiB"),
    ]
    report("3. bulk listing (limiter off)", rows, args)


if __name__ == "__main__":
    main()
