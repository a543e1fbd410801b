"""The emulator's HTTP front: the API, token exchange, webhooks, and a few emulator-only routes.

HTTP/1.1 with keep-alive; every response is written with one send. Every request
that arrives whole gets a JSON answer, malformed ones a JSON 4xx: a bad request
line (HTTP/0.9's included), a wrong method, a body length that cannot be trusted,
broken JSON, invalid Unicode or nesting too deep for the parser. A connection idle
(or a body unfinished) for the emulator's ``handler_timeout_s`` is closed, so a
slow client cannot hold a handler forever. The token routes are in ``token_routes``.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import socket
import ssl
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from . import token_routes
from .faults import PASS, Verdict

if TYPE_CHECKING:
    from .app import Emulator

log = logging.getLogger("prismatic_connector.emulator")
MAX_BODY = 10 * 1024 * 1024
ADMIN_HEADER = "X-Emulator-Admin-Key"


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # Stopping must not wait for kept-alive connections to go idle.
    block_on_close = False
    allow_reuse_address = True
    # socketserver's backlog of 5 resets connections when many clients start at once.
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], emulator: Emulator, tls: ssl.SSLContext | None = None
    ) -> None:
        self.emulator = emulator
        super().__init__(address, Handler)
        if tls is not None:
            # The handshake happens in the handler's thread (see Handler.setup), so a
            # slow client cannot hold up accepting the next one.
            self.socket = tls.wrap_socket(
                self.socket, server_side=True, do_handshake_on_connect=False
            )

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-handshake is not the emulator's error to print.
        log.debug("emulator: connection from %s failed", client_address, exc_info=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server
    raw_requestline: bytes  # set by handle_one_request before parse_request
    server_version = "prismatic-emulator"

    @property
    def timeout(self) -> float:  # type: ignore[override]  # read by StreamRequestHandler.setup
        return float(self.server.emulator.handler_timeout_s)

    def setup(self) -> None:
        super().setup()
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def parse_request(self) -> bool:
        # A request line with no version is HTTP/0.9, which sends no headers: http.server
        # would wait for them until the handler timeout. Refuse it at once.
        line = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        if len(line.split()) == 2:
            self.requestline = line
            self.send_error(400, "HTTP/0.9 is not served: send HTTP/1.1 (or HTTP/1.0) requests")
            return False
        return super().parse_request()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server answers its own errors (bad request line, unknown method,
        # headers too long) in HTML; clients of this API expect JSON.
        self.close_connection = True
        self._json(code, {"errors": [{"message": message or HTTPStatus(code).phrase}]})

    # -------------------------------------------------------------- routing

    def do_POST(self) -> None:
        try:
            self._post()
        except Exception as exc:  # one bad request must never leave a client unanswered
            log.exception("emulator: unexpected error")
            self.close_connection = True
            self._json(500, {"errors": [{"message": f"Internal error ({type(exc).__name__})"}]})

    def _wrong_method(self) -> None:
        self.close_connection = True
        self._json(
            405,
            {"errors": [{"message": f"Method {self.command} not allowed"}]},
            {"Allow": "GET, POST"},
        )

    # http.server dispatches on these names.
    do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _wrong_method  # noqa: N815

    def do_PUT(self) -> None:
        """A presigned upload: the raw bytes of a component's package or icon."""
        parts = urlsplit(self.path)
        if not parts.path.startswith("/uploads/"):
            self._wrong_method()
            return
        body = self._body()
        if body is None:
            return
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        status, message = self.server.emulator.upload(
            parts.path.removeprefix("/uploads/"),
            query,
            body,
            self.headers.get("Content-Type", ""),
        )
        self._json(status, {"message": message})

    def _post(self) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        body = self._body()
        if body is None:
            return
        if path == "/api":
            self._api(body)
        elif path == "/auth/refresh":
            self._refresh(body)
        elif path == "/auth/revoke":
            self._json(*token_routes.revoke(self.server.emulator, body))
        elif path == "/oauth/token":
            self._json(*token_routes.oauth_token(self.server.emulator, body))
        elif path.startswith("/trigger/"):
            self._trigger(path.removeprefix("/trigger/"), body)
        else:
            self._json(404, {"message": f"no route for POST {path}"})

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/")
        if path in ("", "/health"):
            self._json(200, {"status": "ok", "emulator": True})
        elif path == "/auth/meta":
            meta = self.server.emulator.auth_meta()
            if meta is None:
                reason = (
                    "the emulator's TLS listener is off (emulator serve starts it with trustme)"
                )
                self._json(404, {"message": reason})
            else:
                self._json(200, meta)
        elif path == "/emulator/tokens":
            given = self.headers.get(ADMIN_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.server.emulator.admin_key.encode()):
                self._json(403, {"errors": [{"message": f"{ADMIN_HEADER} is missing or wrong"}]})
                return
            kind = parse_qs(parts.query).get("type", ["access"])[0]
            self._json(200, {"token": self.server.emulator.token(kind)})
        elif path.startswith("/media/payloads/"):
            payload = self.server.emulator.request_payload(path.rsplit("/", 1)[1])
            if payload is None:
                self._json(404, {"message": "Record not found"})
            else:
                self._bytes(200, payload[1], payload[0])
        elif path.startswith("/media/") and not path.startswith("/media/step-results/"):
            found = self.server.emulator.media(path.removeprefix("/media/"))
            if found is None:
                self._json(404, {"message": "Record not found"})
            else:
                self._bytes(200, found[1], found[0])
        elif path.startswith("/media/step-results/"):
            result = self.server.emulator.step_result(path.rsplit("/", 1)[1])
            if result is None:
                self._json(404, {"message": "Record not found"})
            else:
                self._bytes(200, result, "application/octet-stream")
        else:
            self._json(404, {"message": f"no route for GET {path}"})

    # -------------------------------------------------------------- handlers

    def _api(self, raw: bytes) -> None:
        emulator = self.server.emulator
        token = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        verdict = emulator.faults.decide(token) if emulator.faults.active else PASS
        if self._faulted(verdict):
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
        request, problem = _request(raw)
        if problem:
            self._json(400, {"errors": [{"message": f"Bad request: {problem}"}]})
            return
        outcome = emulator.answer(
            request["query"],
            request.get("variables"),
            request.get("operationName"),
            user_id=principal.user_id,
        )
        if verdict.kind == "drop_after_apply" and outcome.status == 200:
            self._drop()
            return
        self._json(outcome.status, outcome.body())

    def _faulted(self, verdict: Verdict) -> bool:
        """Answer (or drop) as ``verdict`` says; True if the request goes no further."""
        if verdict.kind == "drop":
            self._drop()
            return True
        if verdict.kind == "status":
            headers = {"Retry-After": str(verdict.retry_after_s)} if verdict.retry_after_s else {}
            phrase = HTTPStatus(verdict.status).phrase
            self._json(verdict.status, {"errors": [{"message": phrase}]}, headers)
            return True
        return False

    def _refresh(self, raw: bytes) -> None:
        faults = self.server.emulator.faults
        verdict = faults.decide("", refresh=True) if faults.active else PASS
        if self._faulted(verdict):
            return
        status, answer = token_routes.refresh(self.server.emulator, raw)
        if verdict.kind == "drop_after_apply" and status == 200:
            self._drop()
        else:
            self._json(status, answer)

    def _trigger(self, target: str, raw: bytes) -> None:
        """``target``: the flow config's ID, then any path fragment after a slash."""
        config_id, _, fragment = target.partition("/")
        query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        emulator = self.server.emulator
        ran = emulator.invoke_webhook(
            config_id,
            raw,
            self.headers.get("Content-Type"),
            synchronous=self.headers.get("prismatic-synchronous", "").lower() == "true",
            headers=dict(self.headers.items()),
            query={name: values[0] for name, values in query.items()},
            path_fragment=fragment,
            url=f"{emulator.url}{self.path}",
        )
        if ran is None:
            self._json(404, {"message": "No deployed, enabled instance flow has this webhook URL."})
        else:
            self._json(200, ran[1], {"prismatic-executionid": ran[0]})

    # -------------------------------------------------------------- plumbing

    def _body(self) -> bytes | None:
        """The whole body; None once a JSON 4xx has refused one that cannot be read."""
        length, status, problem = _content_length(self.headers)
        if not status:
            try:
                body = self.rfile.read(length)
            except TimeoutError:
                status, problem = 408, "the request body did not arrive in time"
            else:
                if len(body) == length:
                    return body
                status, problem = 400, f"the body ended after {len(body)} of {length} bytes"
        self.close_connection = True
        self._json(status, {"errors": [{"message": problem}]})
        return None

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

    def _bytes(self, status: int, body: bytes, content_type: str) -> None:
        head = (
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode("latin-1")
        self.wfile.write(head + body)
        self.log_request(status, len(body))

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _content_length(headers: Message) -> tuple[int, int, str]:
    """The body's length as Content-Length gives it; else 0, the status and what is wrong."""
    if "Transfer-Encoding" in headers:
        return 0, 411, "send the body with a Content-Length (Transfer-Encoding is not read)"
    given = {value.strip() for value in headers.get_all("Content-Length", [])}
    if len(given) > 1:
        return 0, 400, "the Content-Length headers disagree"
    text = given.pop() if given else "0"
    if not (text.isascii() and text.isdigit()):
        return 0, 400, "bad Content-Length: expected the body's size in bytes"
    if int(text) > MAX_BODY:
        return 0, 413, f"the body is over {MAX_BODY} bytes"
    return int(text), 0, ""


def _request(raw: bytes) -> tuple[dict[str, Any], str]:
    """A GraphQL request object from the body, or the reason it is not one."""
    try:
        request = json.loads(raw)
    except RecursionError:
        return {}, "the JSON is nested too deeply"
    except ValueError as exc:
        return {}, f"the body is not JSON in UTF-8 ({exc})"
    if not isinstance(request, dict) or not isinstance(request.get("query"), str):
        return {}, "expected a JSON object with a query"
    if not isinstance(request.get("variables") or {}, dict):
        return {}, "variables must be a JSON object"
    name = request.get("operationName")
    if name is not None and not isinstance(name, str):
        return {}, "operationName must be text"
    # json reads an escaped lone surrogate (\ud800) into a str no encoder accepts.
    if (b"\\ud" in raw or b"\\uD" in raw) and not _encodable(request):
        return {}, "the JSON holds invalid Unicode (a lone surrogate)"
    return request, ""


def _encodable(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError):
        return False
    return True
