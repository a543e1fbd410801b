"""Malformed requests always get a JSON 4xx, promptly; the token route needs the admin key."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from prismatic_connector.emulator import Emulator

from ..signals import interruptible

SURROGATE = b'"\\ud800"'  # the JSON text of a lone surrogate: backslash, u, d800
SERVE = (sys.executable, "-m", "prismatic_connector", "emulator", "serve", "--port", "0")


def raw_exchange(
    emu: Emulator | str, data: bytes, *, wait: float = 5.0, end: bool = False
) -> tuple[int, dict[str, object]]:
    """Send ``data`` to the emulator (or its URL); the status and JSON body of the answer.
    ``end``: then say that nothing more comes (a half-close), as a client that gave up."""
    url = emu if isinstance(emu, str) else emu.url
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(data)
        if end:
            sock.shutdown(socket.SHUT_WR)
        received = b""
        while b"\r\n\r\n" not in received or len(received.split(b"\r\n\r\n", 1)[1]) < _length(
            received
        ):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert b"Content-Type: application/json" in head
    return status, json.loads(body)


def _length(received: bytes) -> int:
    for line in received.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


def post(emu: Emulator, body: bytes, token: str) -> bytes:
    return post_to("/api", body, headers=f"Authorization: Bearer {token}\r\n")


def post_to(
    path: str, body: bytes, content_type: str = "application/json", headers: str = ""
) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\n{headers}"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


@pytest.fixture(scope="module")
def emu() -> object:
    with Emulator(seed="empty", handler_timeout_s=1.0) as running:
        yield running


def test_bad_request_lines_get_json(emu: Emulator) -> None:
    assert raw_exchange(emu, b"GARBAGE\r\n\r\n")[0] == 400
    assert raw_exchange(emu, b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n")[0] == 414


@pytest.mark.parametrize("line", [b"GET /\r\n", b"GET /health\r\n", b"POST /api\r\n"])
def test_http_0_9_gets_a_json_400_without_waiting_for_headers(emu: Emulator, line: bytes) -> None:
    # HTTP/0.9 sends no headers: a server that waits for them waits for the handler timeout.
    status, answer = raw_exchange(emu, line, wait=emu.handler_timeout_s * 0.8)
    assert status == 400
    assert "HTTP/0.9 is not served" in json.dumps(answer)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
def test_wrong_methods_get_405_json(emu: Emulator, method: str) -> None:
    status, body = raw_exchange(
        emu, f"{method} /api HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode()
    )
    assert status == 405
    assert "not allowed" in json.dumps(body)


def test_unknown_methods_get_json(emu: Emulator) -> None:
    assert raw_exchange(emu, b"BREW /api HTTP/1.1\r\nHost: x\r\n\r\n")[0] == 501


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
        (
            b'{"query": "{ customers { totalCount } }", "variables": {"a": "\\ud800"}}',
            "lone surrogate",
        ),
        (b'{"query": "\xff\xfe"}', "not JSON in UTF-8"),
        (b'{"query": 3}', "expected a JSON object with a query"),
        (b'{"query": "{ a }", "variables": [1]}', "variables must be a JSON object"),
        (b'{"query": "' + b"{" * 20_000 + b'"}', "Syntax Error"),
    ],
)
def test_malformed_bodies_get_400_json(emu: Emulator, body: bytes, said: str) -> None:
    status, answer = raw_exchange(emu, post(emu, body, emu.access_token()))
    assert status == 400
    assert said in json.dumps(answer)


def test_a_body_that_never_arrives_gets_408_within_the_handler_timeout(emu: Emulator) -> None:
    started = time.monotonic()
    head = post(emu, b"", emu.access_token()).replace(b"Content-Length: 0", b"Content-Length: 100")
    status, _ = raw_exchange(emu, head + b'{"query"', wait=5)
    assert status == 408
    assert time.monotonic() - started < 3


JSON_TOKEN_ROUTES = ["/auth/refresh", "/auth/revoke"]


@pytest.mark.parametrize("path", JSON_TOKEN_ROUTES)
@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b'{"refresh_token": ' + SURROGATE + b"}", "refresh_token holds invalid Unicode"),
        (b'{"refresh_token": "x", "tenant_id": ' + SURROGATE + b"}", "tenant_id holds invalid"),
        (b'{"refresh_token": "\xff\xfe"}', "the body is not JSON in UTF-8"),
        (b'{"refresh_token": ', "the body is not JSON in UTF-8"),
        (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
        (b'["refresh_token"]', "expected a JSON object"),
        (b'{"refresh_token": 7}', "refresh_token must be text"),
        (b'{"refresh_token": "x", "tenant_id": {}}', "tenant_id must be text"),
    ],
)
def test_token_routes_answer_unreadable_bodies_with_invalid_request(
    emu: Emulator, path: str, body: bytes, said: str
) -> None:
    status, answer = raw_exchange(emu, post_to(path, body))
    assert status == 400
    assert answer["error"] == "invalid_request"
    assert said in str(answer["error_description"])


@pytest.mark.parametrize(
    "body",
    [
        b"grant_type=refresh_token&refresh_token=%ED%A0%80",  # an encoded lone surrogate
        b"grant_type=refresh_token&refresh_token=%FF",
        b"grant_type=refresh_token&refresh_token=\xff\xfe",
    ],
)
def test_oauth_token_answers_a_form_not_in_utf_8_with_invalid_request(
    emu: Emulator, body: bytes
) -> None:
    form = "application/x-www-form-urlencoded"
    status, answer = raw_exchange(emu, post_to("/oauth/token", body, form))
    assert (status, answer) == (
        400,
        {"error": "invalid_request", "error_description": "the body is not a form in UTF-8"},
    )


@pytest.mark.parametrize(
    ("headers", "status", "said"),
    [
        ("Content-Length: abc", 400, "bad Content-Length"),
        ("Content-Length: -1", 400, "bad Content-Length"),
        ("Content-Length: 1_0", 400, "bad Content-Length"),
        ("Content-Length: 99999999999", 413, "the body is over"),
        ("Content-Length: 2\r\nContent-Length: 20", 400, "the Content-Length headers disagree"),
        ("Transfer-Encoding: chunked", 411, "send the body with a Content-Length"),
    ],
)
def test_a_body_length_that_cannot_be_trusted_is_refused(
    emu: Emulator, headers: str, status: int, said: str
) -> None:
    request = f"POST /auth/refresh HTTP/1.1\r\nHost: x\r\n{headers}\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n"
    answer = raw_exchange(emu, request.encode())
    assert answer[0] == status
    assert said in json.dumps(answer[1])


def test_a_body_cut_short_by_its_sender_is_a_400_at_once(emu: Emulator) -> None:
    head = post_to("/auth/refresh", b"").replace(b"Content-Length: 0", b"Content-Length: 100")
    status, answer = raw_exchange(emu, head + b"{}", end=True, wait=emu.handler_timeout_s * 0.8)
    assert status == 400
    assert "the body ended after 2 of 100 bytes" in json.dumps(answer)


def test_the_token_route_needs_the_admin_key(emu: Emulator) -> None:
    url = f"{emu.url}/emulator/tokens?type=refresh"
    assert requests.get(url, timeout=10).status_code == 403
    assert (
        requests.get(url, headers={"X-Emulator-Admin-Key": "guess"}, timeout=10).status_code == 403
    )
    good = requests.get(url, headers={"X-Emulator-Admin-Key": emu.admin_key}, timeout=10)
    assert good.json() == {"token": emu.refresh_token}


def _battery(access_token: str) -> list[tuple[str, bytes, bool]]:
    """(what, the request, whether its sender then half-closes): each must get a JSON 4xx."""
    form = "application/x-www-form-urlencoded"
    bearer = f"Authorization: Bearer {access_token}\r\n"
    bad = [b'{"refresh_token": ' + SURROGATE + b"}", b'{"refresh_token": "\xff\xfe"}']
    cases = [
        ("an HTTP/0.9 line", b"GET /\r\n", False),
        ("an HTTP/0.9 POST", b"POST /api\r\n", False),
        ("a garbage line", b"GARBAGE\r\n\r\n", False),
        ("a bad version", b"GET / HTTP/x\r\n\r\n", False),
        ("a huge request line", b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", False),
        ("a huge header", b"GET /health HTTP/1.1\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n", False),
        ("many headers", b"GET / HTTP/1.1\r\n" + b"X-A: 1\r\n" * 200 + b"\r\n", False),
        ("a wrong method", b"DELETE /api HTTP/1.1\r\nContent-Length: 0\r\n\r\n", False),
    ]
    cases += [
        (f"{path} {body!r}", post_to(path, body), False)
        for path in JSON_TOKEN_ROUTES
        for body in bad
    ]
    cases += [
        (f"/oauth/token {body!r}", post_to("/oauth/token", body, form), False)
        for body in (*bad, b"grant_type=refresh_token&refresh_token=%ED%A0%80")
    ]
    cases += [
        (f"/api {body!r}", post_to("/api", body, headers=bearer), False)
        for body in (b'{"query": ' + SURROGATE + b"}", b'{"query": "\xff\xfe"}')
    ]
    head = "POST /auth/refresh HTTP/1.1\r\nHost: x\r\n"
    framing = [
        "Content-Length: abc\r\n\r\n{}",
        "Content-Length: -5\r\n\r\n{}",
        "Content-Length: 99999999999\r\n\r\n{}",
        "Content-Length: 2\r\nContent-Length: 9\r\n\r\n{}",
        "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    ]
    cases += [(rest.split("\r\n")[0], (head + rest).encode(), False) for rest in framing]
    cases.append(("a body cut short", f"{head}Content-Length: 100\r\n\r\n{{}}".encode(), True))
    return cases


def test_a_served_emulator_answers_every_malformed_request_with_json_and_no_traceback(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path)}
    errors = tmp_path / "stderr"
    with errors.open("w") as stderr:
        proc = subprocess.Popen(
            [*SERVE, "--seed", "empty"],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
            preexec_fn=interruptible,
        )
    try:
        assert proc.stdout is not None
        printed = dict(
            line.strip().split("=", 1)
            for line in (proc.stdout.readline() for _ in range(4))
            if "=" in line
        )
        url = printed["PRISMATIC_URL"]
        exchange = {"refresh_token": printed["PRISM_REFRESH_TOKEN"]}
        access = requests.post(f"{url}/auth/refresh", json=exchange, timeout=10).json()
        failed = []
        for what, request, end in _battery(access["access_token"]):
            started = time.monotonic()
            try:
                status, _ = raw_exchange(url, request, end=end, wait=5)
            except (OSError, ValueError, IndexError, AssertionError) as exc:
                failed.append(f"{what}: no JSON answer ({exc!r})")
                continue
            took = time.monotonic() - started
            if not 400 <= status < 500 or took > 3:  # the handler timeout is 10 s
                failed.append(f"{what}: HTTP {status} after {took:.1f} s")
        assert failed == []
        assert requests.get(f"{url}/health", timeout=10).json()["status"] == "ok"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
        assert proc.stdout is not None
        proc.stdout.close()
    assert errors.read_text() == "prismatic-connector: error: interrupted\n"
