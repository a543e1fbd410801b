"""A loopback server that answers as badly as a real network can, one script per request.

Each request to ``/api`` or ``/auth/refresh`` takes the next step of the test's
script: a function that gets the raw socket and the parsed request and does
whatever it likes (answer, drip, close, never answer). ``/auth/refresh`` answers
a token by default. Every request is recorded, with its headers and body.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

CANARY = "rt-canary-7f3a9c1e5b2d4680"
ACCESS = "at-canary-0d9e8f7a6b5c4d3e"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    target: str = ""  # as written on the request line: absolute when sent to a proxy

    def json(self) -> Any:
        return json.loads(self.body)


Step = Callable[[socket.socket, Seen], None]


@dataclass
class Hostile:
    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    api: list[Step] = field(default_factory=list)
    refresh: list[Step] = field(default_factory=list)
    connections: int = 0
    close_after_answer: bool = False  # close each kept-alive socket silently after answering

    def api_calls(self) -> list[Seen]:
        return [s for s in self.seen if s.path == "/api"]

    def refresh_calls(self) -> list[Seen]:
        return [s for s in self.seen if s.path == "/auth/refresh"]


def answer(
    status: int = 200,
    body: Any = None,
    *,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> Step:
    payload = raw if raw is not None else json.dumps(body).encode()

    def step(sock: socket.socket, seen: Seen) -> None:
        lines = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}"]
        lines.append(f"Content-Length: {len(payload)}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)

    return step


def data(value: Any) -> Step:
    return answer(200, {"data": value})


def token(expires_in: float = 3600, value: str = ACCESS) -> Step:
    return answer(200, {"access_token": value, "expires_in": expires_in})


def close() -> Step:
    """Read the request, then hang up without a word."""

    def step(sock: socket.socket, seen: Seen) -> None:
        sock.shutdown(socket.SHUT_RDWR)

    return step


def silent(seconds: float) -> Step:
    """Say nothing for ``seconds`` (longer than the client waits), then hang up."""

    def step(sock: socket.socket, seen: Seen) -> None:
        time.sleep(seconds)
        sock.shutdown(socket.SHUT_RDWR)

    return step


def drip(total: int, every_s: float) -> Step:
    """Send headers promptly, then the body a byte at a time."""

    def step(sock: socket.socket, seen: Seen) -> None:
        sock.sendall(
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {total}\r\n\r\n".encode()
        )
        for _ in range(total):
            sock.sendall(b" ")
            time.sleep(every_s)

    return step


def flood(megabytes: int, *, chunked: bool) -> Step:
    """A body of ``megabytes`` MB, declared up front or sent in chunks of unknown total."""

    def step(sock: socket.socket, seen: Seen) -> None:
        block = b'{"data":{"x":"' + b"a" * (1024 * 1024 - 20) + b'"}}'
        head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        if chunked:
            sock.sendall((head + "Transfer-Encoding: chunked\r\n\r\n").encode())
        else:
            sock.sendall((head + f"Content-Length: {megabytes * len(block)}\r\n\r\n").encode())
        for _ in range(megabytes):
            sock.sendall(f"{len(block):x}\r\n".encode() + block + b"\r\n" if chunked else block)

    return step


def echo(status: int = 500) -> Step:
    """An error page that shows the whole request back, as some proxies do."""

    def step(sock: socket.socket, seen: Seen) -> None:
        shown = "\n".join(f"{k}: {v}" for k, v in seen.headers.items())
        page = f"<html><pre>{seen.method} {seen.path}\n{shown}\n\n{seen.body.decode()}</pre></html>"
        answer(status, raw=page.encode(), content_type="text/html")(sock, seen)

    return step


def _read_request(reader: Any) -> Seen | None:
    line = reader.readline(65537)
    if not line:
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    path = urlsplit(target).path
    headers: dict[str, str] = {}
    while True:
        header = reader.readline(65537).decode("latin-1").rstrip("\r\n")
        if not header:
            break
        name, _, value = header.partition(":")
        headers[name.strip()] = value.strip()
    length = int(headers.get("Content-Length", "0"))
    return Seen(method, path, headers, reader.read(length), target)


class Counting(HTTPAdapter):
    """A real adapter that notes each request it sends: the seam a runner can use."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        self.sent.append(f"{request.method} {request.url}")
        return super().send(request, *args, **kwargs)


@contextmanager
def hostile_server() -> Iterator[Hostile]:
    state = Hostile()
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    state.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    lock = threading.Lock()
    stopping = threading.Event()

    def serve(sock: socket.socket) -> None:
        reader = sock.makefile("rb")
        try:
            while not stopping.is_set():
                seen = _read_request(reader)
                if seen is None:
                    return
                with lock:
                    state.seen.append(seen)
                    queue = state.refresh if seen.path == "/auth/refresh" else state.api
                    step = queue.pop(0) if queue else None
                if step is None:
                    step = token() if seen.path == "/auth/refresh" else answer(404, {"m": "none"})
                step(sock, seen)
                if state.close_after_answer:
                    time.sleep(0.05)
                    sock.close()
                    return
        except OSError:
            return
        finally:
            reader.close()
            sock.close()

    def accept() -> None:
        while not stopping.is_set():
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            with lock:
                state.connections += 1
            threading.Thread(target=serve, args=(sock,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stopping.set()
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        listener.close()
        thread.join(timeout=5)
