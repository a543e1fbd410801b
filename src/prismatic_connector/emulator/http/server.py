"""The socket server, and how each request is read and its answer written.

HTTP/1.1 with keep-alive; every answer is written with one send. Every request
that arrives whole gets a JSON answer, malformed ones a JSON 4xx: a bad request
line (HTTP/0.9's included), a wrong method, a body length that cannot be trusted,
broken JSON, invalid Unicode or nesting too deep for the parser. A connection idle
(or a body unfinished) for the emulator's ``handler_timeout_s`` is closed, so a
slow client cannot hold a handler forever. What each request gets is the route
table's to say (``routes``); this module only reads and writes.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from . import routes
from .messages import Answer, Front, Request, Served, error

if TYPE_CHECKING:
    from ..faults import Faults

log = logging.getLogger("prismatic_connector.emulator")
MAX_BODY = 10 * 1024 * 1024


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # Stopping must not wait for kept-alive connections to go idle.
    block_on_close = False
    allow_reuse_address = True
    # socketserver's backlog of 5 resets connections when many clients start at once.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        emulator: Served,
        faults: Faults,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.front = Front(emulator, faults)
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


class Listener:
    """A server listening at ``url``, on a thread of its own until ``stop``."""

    def __init__(
        self,
        emulator: Served,
        faults: Faults,
        address: tuple[str, int],
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.server = Server(address, emulator, faults, tls)
        host, port = cast("tuple[str, int]", self.server.server_address[:2])
        self.url = f"{'https' if tls else 'http'}://{host}:{port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="prismatic-emulator-tls" if tls else "prismatic-emulator",
            daemon=True,
        )
        self._thread.start()

    def wait(self) -> None:
        """Block until the server stops (or the process is interrupted)."""
        self._thread.join()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server
    raw_requestline: bytes  # set by handle_one_request before parse_request
    server_version = "prismatic-emulator"

    @property
    def timeout(self) -> float:  # type: ignore[override]  # read by StreamRequestHandler.setup
        return float(self.server.front.emulator.handler_timeout_s)

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
        self._send(error(code, message or HTTPStatus(code).phrase, close=True))

    def _serve(self) -> None:
        try:
            answer = self._answer()
        except Exception as exc:  # one bad request must never leave a client unanswered
            log.exception("emulator: unexpected error")
            answer = error(500, f"Internal error ({type(exc).__name__})", close=True)
        self._send(answer)

    # http.server dispatches on these names; the route table decides the rest.
    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve  # noqa: N815

    def _answer(self) -> Answer:
        path = urlsplit(self.path).path.rstrip("/") or "/"
        found = routes.find(self.command, path)
        body = b""
        if routes.reads_body(self.command, found is not None):
            read = self._body()
            if isinstance(read, Answer):
                return read
            body = read
        if found is None:
            return routes.unrouted(self.command, path)
        route, params = found
        request = Request(self.command, self.path, path, self.headers, body, params)
        return route.handler(self.server.front, request)

    def _body(self) -> bytes | Answer:
        """The whole body, or the JSON 4xx refusing one that cannot be read."""
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
        return error(status, problem, close=True)

    def _send(self, answer: Answer) -> None:
        if answer.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if answer.close:
            self.close_connection = True
        lines = [
            f"HTTP/1.1 {answer.status} {HTTPStatus(answer.status).phrase}",
            f"Content-Type: {answer.content_type}",
            f"Content-Length: {len(answer.body)}",
            *(f"{k}: {v}" for k, v in answer.headers.items()),
        ]
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + answer.body)
        self.log_request(answer.status, len(answer.body))


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
