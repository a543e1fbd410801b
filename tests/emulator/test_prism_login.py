"""Prismatic's CLI logs in with PRISM_REFRESH_TOKEN alone, as CI jobs do, over the emulator's TLS."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from prismatic_connector.emulator import Emulator

from ..signals import interruptible
from .prism import env, run

pytestmark = pytest.mark.prism


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(seed="demo", tls=True) as emulator:
        yield emulator


def _prism(emu: Emulator, home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return run(env(emu, home, login="refresh", **extra), *args)


def test_prism_logs_in_with_the_refresh_token_and_revokes_it(emu: Emulator, tmp_path: Path) -> None:
    meta = requests.get(f"{emu.url}/auth/meta", timeout=10).json()
    assert meta["domain"] == emu.tls_url.removeprefix("https://")
    me = _prism(emu, tmp_path, "me")
    assert me.returncode == 0, me.stderr
    assert "Name: Lisa Nguyen" in me.stdout
    assert "Authentication: Environment" in me.stdout
    revoked = _prism(emu, tmp_path, "me:token:revoke", "--no-confirm")
    assert revoked.returncode == 0, revoked.stderr
    assert "All refresh tokens for your user have been revoked." in revoked.stdout
    answer = requests.post(
        f"{emu.url}/auth/refresh", json={"refresh_token": emu.refresh_token}, timeout=10
    )
    assert answer.status_code == 401
    again = _prism(emu, tmp_path, "me")
    assert again.returncode != 0


def test_a_foreign_tenant_is_refused_as_prism_shows_it(emu: Emulator, tmp_path: Path) -> None:
    tenant = "00000000-0000-0000-0000-00000000dead"
    done = _prism(emu, tmp_path, "me", PRISMATIC_TENANT_ID=tenant)
    assert done.returncode != 0
    assert f"Access denied for tenant ID '{tenant}'" in done.stderr


def test_oauth_token_is_https_only_and_form_encoded(emu: Emulator) -> None:
    assert emu.ca_file is not None
    form = {"grant_type": "refresh_token", "refresh_token": emu.refresh_token}
    answer = requests.post(
        f"{emu.tls_url}/oauth/token", data=form, verify=str(emu.ca_file), timeout=10
    )
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer"
    wrong = requests.post(
        f"{emu.tls_url}/oauth/token",
        data={"grant_type": "password"},
        verify=str(emu.ca_file),
        timeout=10,
    )
    assert wrong.json()["error"] == "unsupported_grant_type"


def test_without_tls_auth_meta_says_how_to_turn_it_on(prismatic_emulator: Emulator) -> None:
    answer = requests.get(f"{prismatic_emulator.url}/auth/meta", timeout=10)
    assert answer.status_code == 404
    assert "TLS listener is off" in answer.json()["message"]


def test_serve_prints_the_ca_for_node() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "prismatic_connector", "emulator", "serve", "--seed", "empty"],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in range(5)]
        ca = dict(line.split("=", 1) for line in lines if "=" in line)["NODE_EXTRA_CA_CERTS"]
        assert Path(ca).read_text().startswith("-----BEGIN CERTIFICATE-----")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        assert proc.stdout is not None
        proc.stdout.close()
