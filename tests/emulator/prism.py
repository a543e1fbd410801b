"""Running Prismatic's own CLI (pinned in tests/compat) against an emulator, for the tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from prismatic_connector.emulator import Emulator

from ..conftest import ROOT

MODULES = ROOT / "tests/compat/node_modules"
PRISM = MODULES / "@prismatic-io/prism/lib/run.js"


def env(emu: Emulator, home: Path, *, login: str = "access", **extra: str) -> dict[str, str]:
    """prism's environment: the emulator's URL, a home of its own, and no update check.

    ``login``: ``"access"`` (an access token, as after `prism login`) or ``"refresh"``
    (the refresh token alone, as CI jobs log in; needs ``Emulator(tls=True)``).
    """
    found = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "PRISMATIC_URL": emu.url,
        "PRISM_CONFIG_FILE": str(home / "prism.yml"),
        "PRISM_SKIP_NEW_VERSION_CHECK": "true",
        "NO_COLOR": "1",
        "COLUMNS": "250",
    }
    if login == "refresh":
        found.update(PRISM_REFRESH_TOKEN=emu.refresh_token, NODE_EXTRA_CA_CERTS=str(emu.ca_file))
    else:
        found["PRISM_ACCESS_TOKEN"] = emu.access_token()
    return {**found, **extra}


def run(
    environment: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "Node.js is needed to run Prismatic's CLI"
    assert PRISM.is_file(), "Prismatic's CLI is missing: run `npm ci --prefix tests/compat`"
    return subprocess.run(
        [node, str(PRISM), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )
