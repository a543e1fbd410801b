"""A recording HTTP server on 127.0.0.1 that stands in for Prismatic in unit tests.

It answers ``POST /auth/refresh`` for one known refresh token and hands each
``POST /api`` to a responder the test sets, recording what was sent. ``Proxy`` is a
forward proxy on 127.0.0.1 in front of it.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

REFRESH_TOKEN = "rt-test-refresh-0123456789"


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    raw: bytes | None = None
    content_type: str = "application/json"


Responder = Callable[[Recorded], Reply]


@dataclass
class RecordingServer:
    url: str = ""
    api_calls: list[Recorded] = field(default_factory=list)
    auth_calls: list[Recorded] = field(default_factory=list)
    responder: Responder = lambda call: Reply(body={"data": {}})
    issued: int = 0
    expires_in: int | None = 3600
    refresh_status: int = 200
    accepted_tokens: set[str] = field(default_factory=set)

    def reply_data(self, data: Any) -> None:
        self.responder = lambda call: Reply(body={"data": data})

    def issue_token(self) -> str:
        self.issued += 1
        token = f"at-{self.issued}-secret"
        self.accepted_tokens.add(token)
        return token


def start(server_state: RecordingServer) -> tuple[ThreadingHTTPServer, threading.Thread]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as two writes; with Nagle's algorithm the body then waits
        # for the client's delayed ACK, 40 ms a request, which the real API never costs.
        disable_nagle_algorithm = True

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
            call = Recorded(self.path, dict(self.headers.items()), body)
            if self.path == "/auth/refresh":
                server_state.auth_calls.append(call)
                self._auth(body)
            elif self.path == "/api":
                server_state.api_calls.append(call)
                bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
                if bearer not in server_state.accepted_tokens:
                    self._send(Reply(401, {"message": "Unauthorized"}))
                    return
                self._send(server_state.responder(call))
            else:
                self._send(Reply(404, {"message": "not found"}))

        def _auth(self, body: Any) -> None:
            if server_state.refresh_status != 200:
                self._send(Reply(server_state.refresh_status, {"error": "invalid_grant"}))
            elif not isinstance(body, dict) or body.get("refresh_token") != REFRESH_TOKEN:
                self._send(Reply(401, {"error": "invalid refresh token"}))
            else:
                answer: dict[str, Any] = {
                    "access_token": server_state.issue_token(),
                    "token_type": "Bearer",
                }
                if server_state.expires_in is not None:
                    answer["expires_in"] = server_state.expires_in
                self._send(Reply(200, answer))

        def _send(self, reply: Reply) -> None:
            payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server_state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    return httpd, thread


class Proxy:
    """A forward proxy on 127.0.0.1 that sends everything to the recording server."""

    def __init__(self, upstream: str) -> None:
        self.seen: list[str] = []
        target = urlsplit(upstream)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # as in start() above

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                proxy.seen.append(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=5)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                upstream.request("POST", urlsplit(self.path).path, body, headers)
                answer = upstream.getresponse()
                payload = answer.read()
                upstream.close()
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.getheader("Content-Type") or "")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
