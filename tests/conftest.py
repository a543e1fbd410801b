from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from prismatic_connector import Component, Connection, load_component

from .loopback import REFRESH_TOKEN, RecordingServer, start

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for name in (
        "PRISM_REFRESH_TOKEN",
        "PRISMATIC_URL",
        "PRISMATIC_TENANT_ID",
        "PRISM_ACCESS_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    state = RecordingServer()
    httpd, thread = start(state)
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def connection(server: RecordingServer) -> Iterator[Connection]:
    conn = Connection(REFRESH_TOKEN, base_url=server.url, timeout=10)
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def component() -> Component:
    return load_component()
