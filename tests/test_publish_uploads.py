"""The package and icons go up through the connection's session, as the registry's
presigned URLs expect them: no token, no Prismatic header, retried when the same bytes
may go again, within the publish's deadline, with the upload origin's own proxy settings.

The registry is the recording server (tests/loopback.py); the upload origin is the
hostile server (tests/hostile.py), which answers each PUT from the test's script.
"""

from __future__ import annotations

import io
import socket
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from prismatic_connector import Component, Connection, packaging, publishing
from prismatic_connector.authoring.publishing import PublishError
from prismatic_connector.policy import Retry

from .clock import FakeClock
from .conftest import ROOT
from .hostile import (
    ACCESS,
    CANARY,
    Counting,
    Hostile,
    Seen,
    answer,
    data,
    drip,
    hostile_server,
    silent,
)
from .loopback import REFRESH_TOKEN, Proxy, RecordingServer, Reply

PACKAGE_PATH = "/bucket/package.zip"
ICON_PATH = "/bucket/icon.png"
SIGNED = "X-Amz-Signature=5ec7e7a1b2c3&X-Amz-Expires=900"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture
def uploads() -> Iterator[Hostile]:
    with hostile_server() as state:
        yield state


@pytest.fixture
def package(component: Component) -> bytes:
    return packaging.build(component.bundle)


@pytest.fixture
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def published(origin: str, version: int = 5) -> dict[str, Any]:
    """publishComponent's answer, its presigned URLs on ``origin``."""
    return {
        "publishResult": {
            "component": {"id": "Q29tcG9uZW50OjU=", "versionNumber": version},
            "packageUploadUrl": f"{origin}{PACKAGE_PATH}?{SIGNED}",
            "iconUploadUrl": f"{origin}{ICON_PATH}?{SIGNED}",
            "connectionIconUploadUrls": [],
        },
        "errors": [],
    }


def registry(server: RecordingServer, origin: str, signature: str | None = None) -> None:
    """The recording server as a registry whose uploads go to ``origin``."""
    nodes = [{"signature": signature, "versionNumber": 4}] if signature else []

    def respond(call: Any) -> Reply:
        if "publishComponent" in call.body["query"]:
            return Reply(body={"data": {"publishComponent": published(origin)}})
        return Reply(body={"data": {"components": {"nodes": nodes}}})

    server.responder = respond


def publish(component: Component, conn: Connection, package: bytes, **options: Any) -> Any:
    variables = publishing.publish_variables(component)
    return publishing.publish(component, conn, variables, package, **options)


def quoting(status: int) -> Any:
    """An error page that shows the request line back, as some servers do."""

    def step(sock: socket.socket, seen: Seen) -> None:
        page = f"<html><pre>{seen.method} {seen.target}</pre></html>"
        answer(status, raw=page.encode(), content_type="text/html")(sock, seen)

    return step


def puts(state: Hostile) -> list[str]:
    return [f"{seen.method} {seen.target}" for seen in state.seen]


def headers(state: Hostile) -> list[set[str]]:
    return [{name.lower() for name in seen.headers} for seen in state.seen]


# ---------------------------------------------------------------- what an upload carries


def test_uploads_carry_neither_the_token_nor_a_prismatic_header(
    component: Component, package: bytes, uploads: Hostile
) -> None:
    # The upload URLs on the API's own origin: the sharpest case, one socket pool for both.
    api = uploads
    api.api = [
        data({"components": {"nodes": []}}),
        data({"publishComponent": published(api.url)}),
        answer(200, {}),
        answer(200, {}),
    ]
    with Connection(CANARY, base_url=api.url, rate_limit=None) as conn:
        assert publish(component, conn, package).version == 5
    posts = [s for s in api.seen if s.method == "POST" and s.path == "/api"]
    assert [s.headers["Authorization"] for s in posts] == [f"Bearer {ACCESS}"] * 2
    assert all(s.headers["Prismatic-Client"] == "prismatic-connector" for s in posts)
    sent = [s for s in api.seen if s.method == "PUT"]
    assert [(s.target, s.headers["Content-Type"]) for s in sent] == [
        (f"{PACKAGE_PATH}?{SIGNED}", "application/zip"),
        (f"{ICON_PATH}?{SIGNED}", "image/png"),
    ]
    assert [s.body for s in sent] == [package, (ROOT / "assets/icon.png").read_bytes()]
    for put in sent:
        assert not {"authorization", "prismatic-client"} & {n.lower() for n in put.headers}
        assert ACCESS not in str(put.headers)
        assert CANARY not in str(put.headers)


# ---------------------------------------------------------------- retries and the deadline


def test_an_upload_answered_503_is_sent_again_and_the_publish_succeeds(
    component: Component, package: bytes, server: RecordingServer, uploads: Hostile
) -> None:
    registry(server, uploads.url)
    uploads.api = [answer(503, {"message": "Slow down"}), answer(200, {}), answer(200, {})]
    clock = FakeClock()
    retry = Retry(max_retries=3, base_s=0.25, cap_s=1.0)
    with Connection(REFRESH_TOKEN, base_url=server.url, retries=retry, clock=clock) as conn:
        assert publish(component, conn, package).version == 5
    assert puts(uploads) == [
        f"PUT {PACKAGE_PATH}?{SIGNED}",
        f"PUT {PACKAGE_PATH}?{SIGNED}",
        f"PUT {ICON_PATH}?{SIGNED}",
    ]
    assert uploads.seen[0].body == uploads.seen[1].body == package
    assert len(clock.slept) == 1  # one back-off, on the connection's clock
    assert 0 <= clock.slept[0] <= 0.25


def test_publish_retries_reach_the_uploads(
    component: Component, package: bytes, server: RecordingServer, uploads: Hostile
) -> None:
    registry(server, uploads.url)
    uploads.api = [answer(503, {"message": "Slow down"}), answer(200, {})]
    with (
        Connection(REFRESH_TOKEN, base_url=server.url, clock=FakeClock()) as conn,
        pytest.raises(PublishError) as caught,
    ):
        publish(component, conn, package, retries=0)
    assert str(caught.value) == (
        f"uploading the package to {uploads.url}{PACKAGE_PATH} failed: gave up: "
        'HTTP 503: {"message": "Slow down"}'
    )
    assert puts(uploads) == [f"PUT {PACKAGE_PATH}?{SIGNED}"]


def test_an_upload_server_that_quotes_the_request_does_not_leak_its_signature(
    component: Component, package: bytes, server: RecordingServer, uploads: Hostile
) -> None:
    registry(server, uploads.url)
    uploads.api = [quoting(503)]
    with (
        Connection(REFRESH_TOKEN, base_url=server.url, clock=FakeClock()) as conn,
        pytest.raises(PublishError) as caught,
    ):
        publish(component, conn, package, retries=0)
    message = str(caught.value)
    assert f"HTTP 503: <html><pre>PUT {PACKAGE_PATH}?" in message
    assert "5ec7e7a1b2c3" not in message
    assert "X-Amz-Signature=[redacted]" not in message  # the whole query goes, not just values
    assert "[redacted]" in message


@pytest.mark.parametrize(
    "stall",
    [silent(5.0), drip(100_000, 0.05)],
    ids=["never-answers", "drips-its-answer"],
)
def test_a_stalled_upload_ends_within_the_timeout_naming_the_file_and_the_url(
    component: Component,
    package: bytes,
    server: RecordingServer,
    uploads: Hostile,
    stall: Any,
) -> None:
    registry(server, uploads.url)
    uploads.api = [stall]
    with Connection(REFRESH_TOKEN, base_url=server.url, rate_limit=None) as conn:
        started = time.monotonic()
        with pytest.raises(PublishError) as caught:
            publish(component, conn, package, timeout=1.5)
        took = time.monotonic() - started
    message = str(caught.value)
    assert message.startswith(f"uploading the package to {uploads.url}{PACKAGE_PATH} failed: ")
    assert "deadline" in message
    assert "5ec7e7a1b2c3" not in message
    assert "X-Amz" not in message
    assert 1.0 < took < 3.5
    assert len(server.api_calls) == 2  # the signature query and publishComponent, in time


def test_the_time_a_person_takes_to_confirm_is_not_counted(
    component: Component, package: bytes, server: RecordingServer, uploads: Hostile
) -> None:
    registry(server, uploads.url, signature=packaging.sha1(package))
    uploads.api = [answer(200, {}), answer(200, {})]
    clock = FakeClock()

    def slowly(question: str) -> bool:
        clock.advance(600)  # ten minutes at the prompt, against a deadline of 10 s
        return True

    with Connection(REFRESH_TOKEN, base_url=server.url, clock=clock) as conn:
        made = publish(component, conn, package, confirm=slowly, timeout=10)
    assert (made.version, made.skipped) == (5, False)
    assert len(puts(uploads)) == 2


# ---------------------------------------------------------------- the connection's session


def test_uploads_go_through_the_adapter_mounted_on_the_connections_session(
    component: Component, package: bytes, server: RecordingServer, uploads: Hostile
) -> None:
    registry(server, uploads.url)
    uploads.api = [answer(200, {}), answer(200, {})]
    adapter = Counting()
    session = requests.Session()
    session.mount("http://", adapter)
    with Connection(REFRESH_TOKEN, base_url=server.url, session=session) as conn:
        publish(component, conn, package)
    assert adapter.sent == [
        f"POST {server.url}/auth/refresh",
        f"POST {server.url}/api",
        f"POST {server.url}/api",
        f"PUT {uploads.url}{PACKAGE_PATH}?{SIGNED}",
        f"PUT {uploads.url}{ICON_PATH}?{SIGNED}",
    ]


def test_the_upload_origin_goes_direct_when_no_proxy_names_it_and_the_api_does_not(
    component: Component,
    package: bytes,
    server: RecordingServer,
    uploads: Hostile,
    no_proxies: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry(server, uploads.url)
    uploads.api = [answer(200, {}), answer(200, {})]
    proxy = Proxy(server.url)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    try:
        # A host only the proxy knows: the API is reached through it or not at all.
        with Connection(REFRESH_TOKEN, base_url="http://prismatic.test") as conn:
            assert publish(component, conn, package).version == 5
    finally:
        proxy.close()
    assert proxy.seen == [
        "http://prismatic.test/auth/refresh",
        "http://prismatic.test/api",
        "http://prismatic.test/api",
    ]
    # Straight to the upload origin: the request line holds a path, not a proxy's URL.
    assert puts(uploads) == [f"PUT {PACKAGE_PATH}?{SIGNED}", f"PUT {ICON_PATH}?{SIGNED}"]


def test_the_upload_origin_goes_through_the_proxy_when_only_the_api_is_in_no_proxy(
    component: Component,
    package: bytes,
    server: RecordingServer,
    uploads: Hostile,
    no_proxies: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The hostile server plays the proxy: requests sends it absolute URLs.
    registry(server, "http://uploads.test")
    uploads.api = [answer(200, {}), answer(200, {})]
    monkeypatch.setenv("HTTP_PROXY", uploads.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with Connection(REFRESH_TOKEN, base_url=server.url) as conn:
        assert publish(component, conn, package).version == 5
    assert [call.path for call in server.api_calls] == ["/api", "/api"]
    assert puts(uploads) == [
        f"PUT http://uploads.test{PACKAGE_PATH}?{SIGNED}",
        f"PUT http://uploads.test{ICON_PATH}?{SIGNED}",
    ]
    assert all(not {"authorization", "prismatic-client"} & names for names in headers(uploads))


# ---------------------------------------------------------------- the operations ship


def test_the_package_carries_the_publishing_operations(package: bytes) -> None:
    names = set(zipfile.ZipFile(io.BytesIO(package)).namelist())
    runtime = "runtime/prismatic_connector/authoring/operations"
    assert {f"{runtime}/publishComponent.graphql", f"{runtime}/componentSignature.graphql"} <= names


def test_the_publish_command_takes_a_timeout_and_ends_a_stalled_upload_with_exit_1(
    server: RecordingServer, uploads: Hostile
) -> None:
    import os
    import subprocess
    import sys

    registry(server, uploads.url)
    uploads.api = [silent(30)]
    env = {**os.environ, "PRISM_REFRESH_TOKEN": REFRESH_TOKEN, "PRISMATIC_URL": server.url}
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "prismatic_connector",
            "publish",
            "--timeout",
            "2",
            "--retries",
            "0",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    took = time.monotonic() - started
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert f"PublishError: uploading the package to {uploads.url}{PACKAGE_PATH} failed" in (
        done.stderr
    )
    assert "X-Amz" not in done.stderr
    assert took < 2 + 3  # the deadline, and a process's start and end
    bad = subprocess.run(
        [sys.executable, "-m", "prismatic_connector", "publish", "--timeout=-1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert "--timeout: expected a positive number of seconds" in bad.stderr
