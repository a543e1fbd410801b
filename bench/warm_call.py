"""A warm action call against bare requests and the gql client, on one static loopback server.

The server answers every POST with the same small JSON body, so what is measured is
each client's own cost per call over a kept-alive connection: binding, auth,
sending, reading and interpreting. The connector's rate limiter is off, as the
baselines have none.

    python bench/warm_call.py
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

from prismatic_connector import Connection, load_component

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, options, report

CALLS_PER_ROUND = 200
ROUNDS = 15
ROOT = Path(__file__).resolve().parent.parent
QUERY = (ROOT / "queries" / "getCurrentUser.graphql").read_text()
API_BODY = json.dumps({"data": {"authenticatedUser": {"id": "VXNlcjox", "email": "a@example.com"}}})
TOKEN_BODY = json.dumps({"access_token": "bench-access", "expires_in": 3600})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = (TOKEN_BODY if self.path == "/auth/refresh" else API_BODY).encode()
        # One write per answer: headers and body in separate packets would meet
        # delayed ACKs and measure the kernel, not the clients.
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.wfile.write(head.encode() + body)


def per_call(clients: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Median seconds per call of each client, rounds interleaved so drift hits all alike."""
    for fn in clients.values():
        for _ in range(50):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in clients}
    for round_ in range(ROUNDS):
        names = list(clients)
        names = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in names:
            fn = clients[name]
            started = time.perf_counter()
            for _ in range(CALLS_PER_ROUND):
                fn()
            samples[name].append((time.perf_counter() - started) / CALLS_PER_ROUND)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    global CALLS_PER_ROUND, ROUNDS
    args = options(__doc__)
    if args.quick:
        CALLS_PER_ROUND, ROUNDS = 5, 3
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"

    session = requests.Session()
    headers = {"Authorization": "Bearer bench-access"}

    def bare() -> object:
        response = session.post(
            f"{url}/api", json={"query": QUERY, "variables": {}}, headers=headers, timeout=10
        )
        return response.json()["data"]

    # The floor under any requests-based client: the same post with the environment
    # (proxies, CA bundle) not consulted on every request.
    lean = requests.Session()
    lean.trust_env = False

    def bare_lean() -> object:
        response = lean.post(
            f"{url}/api", json={"query": QUERY, "variables": {}}, headers=headers, timeout=10
        )
        return response.json()["data"]

    from gql import Client, gql
    from gql.transport.requests import RequestsHTTPTransport

    client = Client(transport=RequestsHTTPTransport(url=f"{url}/api", headers=headers, timeout=10))
    gql_session = client.connect_sync()
    document = gql(QUERY)

    def with_gql() -> object:
        return gql_session.execute(document)

    component = load_component()
    connection = _connection(url)

    def with_invoke() -> object:
        return component.invoke("getCurrentUser", {}, connection=connection)

    results = per_call(
        {
            "bare requests post": bare,
            "bare requests post, trust_env off": bare_lean,
            "gql client (requests transport)": with_gql,
            "invoke getCurrentUser": with_invoke,
        }
    )
    client.close_sync()
    httpd.shutdown()
    baseline = results["bare requests post"]
    targets = {"invoke getCurrentUser": "<= 1.05x bare, faster than gql"}
    rows = [
        Row(name, seconds * 1e3, "ms/call", seconds / baseline, targets.get(name, ""))
        for name, seconds in results.items()
    ]
    report("1. per-call overhead (static server, limiter off)", rows, args)


def _connection(url: str) -> Connection:
    try:
        return Connection("bench-refresh", base_url=url, rate_limit=None)  # type: ignore[call-arg]
    except TypeError:  # connections without a rate limiter take no such setting
        return Connection("bench-refresh", base_url=url)


if __name__ == "__main__":
    main()
