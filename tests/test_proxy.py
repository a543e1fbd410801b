"""Proxies from the environment apply to every request, as requests reads them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from prismatic_connector import Component, Connection

from .loopback import REFRESH_TOKEN, Proxy, RecordingServer


@pytest.fixture
def proxy(server: RecordingServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Proxy]:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    running = Proxy(server.url)
    monkeypatch.setenv("HTTP_PROXY", running.url)
    yield running
    running.httpd.shutdown()
    running.httpd.server_close()


def test_every_request_goes_through_the_proxy_the_environment_names(
    component: Component, server: RecordingServer, proxy: Proxy
) -> None:
    server.reply_data({"authenticatedUser": {"id": "via-proxy"}})
    # A host only the proxy knows: the connector never resolves it itself.
    connection = Connection(REFRESH_TOKEN, base_url="http://prismatic.test", timeout=10)
    try:
        for _ in range(2):
            result = component.invoke("getCurrentUser", {}, connection=connection)
            assert result["data"]["data"] == {"authenticatedUser": {"id": "via-proxy"}}
    finally:
        connection.close()
    assert proxy.seen == [
        "http://prismatic.test/auth/refresh",
        "http://prismatic.test/api",
        "http://prismatic.test/api",
    ]


def test_no_proxy_sends_requests_straight_to_the_server(
    component: Component,
    server: RecordingServer,
    proxy: Proxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    server.reply_data({"authenticatedUser": {"id": "direct"}})
    connection = Connection(REFRESH_TOKEN, base_url=server.url, timeout=10)
    try:
        result = component.invoke("getCurrentUser", {}, connection=connection)
    finally:
        connection.close()
    assert result["data"]["data"] == {"authenticatedUser": {"id": "direct"}}
    assert proxy.seen == []
    assert [call.path for call in server.api_calls] == ["/api"]


def test_a_netrc_entry_for_the_host_never_replaces_the_access_token(
    component: Component,
    server: RecordingServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # requests would send the .netrc login as basic auth in place of the bearer token.
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password from-netrc\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    server.reply_data({"authenticatedUser": {"id": "bearer"}})
    connection = Connection(REFRESH_TOKEN, base_url=server.url, timeout=10)
    try:
        result = component.invoke("getCurrentUser", {}, connection=connection)
    finally:
        connection.close()
    assert result["data"]["data"] == {"authenticatedUser": {"id": "bearer"}}
    assert server.api_calls[0].headers["Authorization"] == "Bearer at-1-secret"
