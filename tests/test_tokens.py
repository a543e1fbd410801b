"""The access token across threads: one exchange for everyone, one failure for everyone."""

from __future__ import annotations

import json
import os
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
from prismatic_connector.component.bundle import load_module
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


@pytest.mark.parametrize(
    ("tenant", "status", "error", "said"),
    [
        ("t-7", 403, "access_denied", "the tenant 't-7' was refused (HTTP 403)"),
        ("t-7", 400, "access_denied", "the tenant 't-7' was refused (HTTP 400)"),
        # The refresh token, not the tenant, is what the server says is wrong.
        ("t-7", 401, "invalid_grant", "the refresh token was refused (HTTP 401)"),
        (None, 403, "access_denied", "the refresh token was refused (HTTP 403)"),
    ],
)
def test_a_refused_tenant_is_told_apart_from_a_refused_token(
    component: Component, hostile: Hostile, tenant: str | None, status: int, error: str, said: str
) -> None:
    hostile.refresh = [answer(status, {"error": error})]
    with (
        Connection(CANARY, tenant_id=tenant, base_url=hostile.url) as conn,
        pytest.raises(CredentialError) as caught,
    ):
        component.invoke("getCurrentUser", {}, connection=conn)
    assert str(caught.value).startswith(said)
    assert ("PRISMATIC_TENANT_ID" in str(caught.value)) == said.startswith("the tenant")
    assert caught.value.status == status
    assert CANARY not in str(caught.value)


def test_a_tenant_the_user_is_not_in_fails_naming_it_and_their_own_works() -> None:
    foreign = "00000000-0000-0000-0000-00000000dead"
    with Emulator(seed="empty") as emu:
        env = {**os.environ, "PRISM_REFRESH_TOKEN": emu.refresh_token, "PRISMATIC_URL": emu.url}
        invoke = [sys.executable, "-m", "prismatic_connector", "invoke", "getCurrentUser"]

        def run(*options: str, **extra: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [*invoke, *options],
                env={**env, **extra},
                capture_output=True,
                text=True,
                timeout=60,
            )

        # The tenant's ID as a user finds it: what getCurrentUser says without one.
        plain = run()
        assert plain.returncode == 0, plain.stderr
        tenant = json.loads(plain.stdout)["data"]["data"]["authenticatedUser"]["tenantId"]
        assert tenant == emu.tenant_id
        refused = [run("--tenant-id", foreign), run(PRISMATIC_TENANT_ID=foreign)]
        own = [run("--tenant-id", tenant), run(PRISMATIC_TENANT_ID=tenant)]
    for done in refused:
        assert done.returncode == 1
        assert done.stdout == ""
        assert done.stderr == (
            f"prismatic-connector: error: CredentialError: the tenant '{foreign}' was refused"
            " (HTTP 403): the refresh token's user has no access to it. Check"
            " PRISMATIC_TENANT_ID or --tenant-id (a connection's Tenant ID); `prism me` shows a"
            " tenant's ID.\n"
        )
        assert emu.refresh_token not in done.stderr
    for done in own:
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == json.loads(plain.stdout)


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
