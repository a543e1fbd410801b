"""The emulator's HTTP front: the API, token exchange, webhooks, and a few emulator-only routes.

HTTP/1.1 with keep-alive; every response is written with one send.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from graphql import GraphQLError

from .engine import Context

if TYPE_CHECKING:
    from . import Emulator

log = logging.getLogger("prismatic_connector.emulator")
MAX_BODY = 10 * 1024 * 1024


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's backlog of 5 resets connections when many clients start at once.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        super().__init__(address, Handler)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server
    server_version = "prismatic-emulator"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    # -------------------------------------------------------------- routing

    def do_POST(self) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        body = self._body()
        if body is None:
            return
        if path == "/api":
            self._api(body)
        elif path == "/auth/refresh":
            self._refresh(body)
        elif path == "/auth/revoke":
            self._revoke(body)
        elif path.startswith("/trigger/"):
            self._trigger(path.removeprefix("/trigger/"), body)
        else:
            self._json(404, {"message": f"no route for POST {path}"})

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/")
        if path in ("", "/health"):
            self._json(200, {"status": "ok", "emulator": True})
        elif path == "/emulator/tokens":
            kind = parse_qs(parts.query).get("type", ["access"])[0]
            self._json(200, {"token": self.server.emulator.token(kind)})
        elif path.startswith("/media/step-results/"):
            step = self.server.emulator.store.get("InstanceStepResult", path.rsplit("/", 1)[1])
            if step is None:
                self._json(404, {"message": "Record not found"})
            else:
                self._json(200, step.get("output"))
        else:
            self._json(404, {"message": f"no route for GET {path}"})

    # -------------------------------------------------------------- handlers

    def _api(self, raw: bytes) -> None:
        emulator = self.server.emulator
        token = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if emulator.faults.active:
            verdict = emulator.faults.decide(token)
            if verdict.kind == "drop":
                self._drop()
                return
            if verdict.kind == "status":
                headers = (
                    {"Retry-After": str(verdict.retry_after_s)} if verdict.retry_after_s else {}
                )
                phrase = HTTPStatus(verdict.status).phrase
                self._json(verdict.status, {"errors": [{"message": phrase}]}, headers)
                return
        principal = emulator.tokens.verify(token) if token else None
        if principal is None:
            self._json(
                401,
                {
                    "errors": [
                        {"message": "Authentication credentials were not provided or are invalid."}
                    ]
                },
            )
            return
        try:
            request = json.loads(raw)
            if not isinstance(request, dict) or not isinstance(request.get("query"), str):
                raise ValueError("expected a JSON object with a query")
            variables = request.get("variables") or {}
            if not isinstance(variables, dict):
                raise ValueError("variables must be a JSON object")
        except ValueError as exc:
            self._json(400, {"errors": [{"message": f"Bad request: {exc}"}]})
            return
        prepared = emulator.engine.prepare(request["query"])
        if isinstance(prepared, list):
            self._json(400, {"errors": [e.formatted for e in prepared]})
            return
        context = Context(emulator.store, principal.user_id, emulator.url)
        try:
            with emulator.store.transaction():
                result = emulator.engine.run(
                    prepared, variables, request.get("operationName"), context
                )
        except GraphQLError as error:
            self._json(400, {"errors": [error.formatted]})
            return
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [e.formatted for e in result.errors]
        self._json(200, answer)

    def _refresh(self, raw: bytes) -> None:
        request = _loads(raw)
        answer = self.server.emulator.tokens.exchange(
            str(request.get("refresh_token") or ""), request.get("tenant_id")
        )
        if answer is None:
            self._json(
                401,
                {"error": "invalid_grant", "error_description": "Unknown or revoked refresh token"},
            )
        else:
            self._json(200, answer)

    def _revoke(self, raw: bytes) -> None:
        request = _loads(raw)
        if self.server.emulator.tokens.revoke(str(request.get("refresh_token") or "")):
            self._json(200, {})
        else:
            self._json(
                401,
                {"error": "invalid_grant", "error_description": "Unknown or revoked refresh token"},
            )

    def _trigger(self, config_id: str, raw: bytes) -> None:
        answer = self.server.emulator.invoke_webhook(
            config_id, raw, self.headers.get("Content-Type")
        )
        if answer is None:
            self._json(404, {"message": "No deployed, enabled instance flow has this webhook URL."})
        else:
            self._json(200, answer)

    # -------------------------------------------------------------- plumbing

    def _body(self) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._json(413 if length > 0 else 400, {"message": "bad Content-Length"})
            return None
        return self.rfile.read(length)

    def _json(self, status: int, value: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(value, separators=(",", ":")).encode()
        lines = [
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            *(f"{k}: {v}" for k, v in (headers or {}).items()),
        ]
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + body)
        self.log_request(status, len(body))

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _loads(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
