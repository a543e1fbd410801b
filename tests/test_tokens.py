"""The access token across threads: one exchange for everyone, one failure for everyone."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from prismatic_connector import Component, Connection, CredentialError
from prismatic_connector.bundle import load_module
from prismatic_connector.emulator import Emulator

from .hostile import CANARY, Counting, Hostile, Seen, answer, data, hostile_server, token


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    with hostile_server() as state:
        yield state


def slowly(step: object, seconds: float) -> object:
    def run(sock: socket.socket, seen: Seen) -> None:
        time.sleep(seconds)
        step(sock, seen)  # type: ignore[operator]

    return run


def test_threads_that_need_a_token_together_share_one_exchange(
    component: Component, hostile: Hostile
) -> None:
    hostile.refresh = [slowly(token(), 0.3)]
    hostile.api = [data({"authenticatedUser": {"id": "u"}}) for _ in range(8)]
    with (
        Connection(CANARY, base_url=hostile.url, rate_limit=None) as conn,
        ThreadPoolExecutor(8) as pool,
    ):
        results = list(
            pool.map(lambda _: component.invoke("getCurrentUser", {}, connection=conn), range(8))
        )
    assert all(r["data"]["status"] == 200 for r in results)
    assert len(hostile.refresh_calls()) == 1


def test_a_failed_exchange_fails_every_waiting_thread_once(
    component: Component, hostile: Hostile
) -> None:
    hostile.refresh = [slowly(answer(401, {"error": "invalid_grant"}), 0.3) for _ in range(8)]
    with Connection(CANARY, base_url=hostile.url, rate_limit=None) as conn:

        def attempt(_: int) -> BaseException | None:
            try:
                component.invoke("getCurrentUser", {}, connection=conn)
            except CredentialError as exc:
                return exc
            return None

        with ThreadPoolExecutor(8) as pool:
            errors = list(pool.map(attempt, range(8)))
    assert all(isinstance(e, CredentialError) for e in errors)
    assert len(hostile.refresh_calls()) == 1
    assert hostile.api_calls() == []


def test_a_revoked_refresh_token_says_what_to_do_after_exactly_one_exchange(
    component: Component,
) -> None:
    with Emulator(seed="empty") as emu:
        token_value = emu.refresh_token
        emu.tokens.revoke(token_value)
        adapter = Counting()
        session = requests.Session()
        session.mount("http://", adapter)
        with (
            Connection(token_value, base_url=emu.url, session=session) as conn,
            pytest.raises(CredentialError, match=r"prism me:token --type refresh"),
        ):
            component.invoke("getCurrentUser", {}, connection=conn)
        assert adapter.sent == [f"POST {emu.url}/auth/refresh"]


def test_the_cli_revokes_the_refresh_token(component: Component) -> None:
    with Emulator(seed="empty") as emu:
        env = {"PRISM_REFRESH_TOKEN": emu.refresh_token, "PRISMATIC_URL": emu.url, "PATH": ""}
        run = [sys.executable, "-m", "prismatic_connector", "token", "revoke"]
        first = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60)
        assert first.returncode == 0, first.stderr
        assert "revoked" in first.stdout
        assert emu.tokens.exchange(emu.refresh_token) is None
        again = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60)
        assert again.returncode == 1
        assert "already revoked" in again.stderr
        assert emu.refresh_token not in first.stdout + again.stdout + again.stderr


def test_hooks_load_safely_when_threads_make_their_first_call_together(tmp_path: Path) -> None:
    # A hook whose import takes a while: the window in which a half-run module
    # used to be handed to a second thread.
    hook = tmp_path / "slow_hook.py"
    hook.write_text(
        "import time\ntime.sleep(0.3)\n\ndef exchange(http, connection):\n    return 1\n"
    )
    barrier = threading.Barrier(12)

    def load(_: int) -> object:
        barrier.wait()
        module = load_module(hook, f"connections.slow_{id(barrier)}")
        return getattr(module, "exchange", None)

    with ThreadPoolExecutor(12) as pool:
        found = list(pool.map(load, range(12)))
    assert all(callable(f) for f in found)
    assert len({id(f) for f in found}) == 1
