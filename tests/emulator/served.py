"""An emulator served by ``emulator serve`` in a process of its own, as a user's test
suite starts one, with its admin key left where the control commands find it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CLI = (sys.executable, "-m", "prismatic_connector")


@dataclass
class Served:
    url: str
    refresh_token: str
    env: dict[str, str]  # XDG_RUNTIME_DIR (where the key is) and PRISMATIC_URL

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args], env=self.env, capture_output=True, text=True, timeout=60, check=False
        )


@contextmanager
def served(tmp_path: Path, *options: str) -> Iterator[Served]:
    """``emulator serve --port 0 *options``, stopped (and its files gone) afterwards."""
    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path / "run")}
    errors = tmp_path / "serve.stderr"
    with errors.open("w") as stderr:
        proc = subprocess.Popen(
            [*CLI, "emulator", "serve", "--port", "0", *options],
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    assert proc.stdout is not None
    try:
        lines = [proc.stdout.readline().strip() for _ in range(4)]
        found = re.fullmatch(r"Prismatic API emulator on (\S+) \(state: .+\)", lines[0])
        assert found, (lines, errors.read_text())
        printed = dict(line.split("=", 1) for line in lines[2:4] if "=" in line)
        url = found[1]
        yield Served(url, printed["PRISM_REFRESH_TOKEN"], {**env, "PRISMATIC_URL": url})
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stdout.close()
