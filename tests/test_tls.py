"""HTTPS with a CA from the environment, as requests reads it (REQUESTS_CA_BUNDLE)."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme

from prismatic_connector import Component, Connection, TransportError

from .hostile import CANARY


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as in tests/loopback.py

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/auth/refresh":
            body = {"access_token": "at-tls", "expires_in": 3600}
        else:
            body = {"data": {"authenticatedUser": {"id": "tls"}}}
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    bundle = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    yield f"https://127.0.0.1:{httpd.server_address[1]}", bundle
    httpd.shutdown()
    httpd.server_close()


def test_the_ca_bundle_from_the_environment_is_trusted(
    component: Component, tls_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, bundle = tls_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    with Connection(CANARY, base_url=url, rate_limit=None) as conn:
        result = component.invoke("getCurrentUser", {}, connection=conn)
    assert result["data"]["data"] == {"authenticatedUser": {"id": "tls"}}


def test_an_untrusted_certificate_is_a_transport_error_that_is_not_retried_blindly(
    component: Component, tls_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = tls_server
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with (
        Connection(CANARY, base_url=url, rate_limit=None, retries=0) as conn,
        pytest.raises(TransportError, match="TLS handshake") as caught,
    ):
        component.invoke("getCurrentUser", {}, connection=conn)
    assert CANARY not in str(caught.value)
