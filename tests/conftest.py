from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from prismatic_connector import Component, Connection, load_component

from .loopback import REFRESH_TOKEN, RecordingServer, start

ROOT = Path(__file__).resolve().parent.parent
PRISM = ROOT / "tests/compat/node_modules/@prismatic-io/prism/lib/run.js"
# The groups that make the suite slow; `slow` marks them all, so `-m "not slow"` is the quick loop.
SLOW_GROUPS = ("prism", "airflow", "wheel", "bench", "scale")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects anything
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(item.get_closest_marker(group) for group in SLOW_GROUPS):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(tryfirst=True)  # before any fixture is set up
def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("prism"):
        found = shutil.which("node") is not None and PRISM.is_file()
        _needs(found, "Node.js and Prismatic's CLI (`npm ci --prefix tests/compat`)")
    if item.get_closest_marker("airflow"):
        found = importlib.util.find_spec("airflow") is not None
        _needs(found, "Apache Airflow (`pip install -e '.[airflow]'`)")


def _needs(found: bool, what: str) -> None:
    """A missing tool skips the test on a workstation, and fails it in CI, which has them all."""
    if found:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing, and CI runs every test", pytrace=False)
    pytest.skip(f"needs {what}")


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
