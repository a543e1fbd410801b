"""``emulator serve`` stopped by Ctrl-C, kill (SIGTERM) or a closed terminal (SIGHUP) leaves
nothing behind: not its temporary state, not its CA folder, not its admin key."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from ..signals import interruptible

SERVE = (sys.executable, "-m", "prismatic_connector", "emulator", "serve", "--port", "0")


def _env(tmp_path: Path) -> dict[str, str]:
    # A temporary folder of the test's own, so that "nothing left" can be seen in it.
    (tmp_path / "tmp").mkdir()
    return {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path / "run"), "TMPDIR": str(tmp_path / "tmp")}


def _serve(
    tmp_path: Path, *options: str, ignore_hangup: bool = False
) -> tuple[subprocess.Popen[str], dict[str, Path], str]:
    """Start serve; the paths it printed (``state``, ``ca`` and ``key``) and its URL."""

    def prepare() -> None:
        interruptible()
        if ignore_hangup:  # as nohup starts it
            signal.signal(signal.SIGHUP, signal.SIG_IGN)

    proc = _popen(tmp_path, "--seed", "empty", *options, prepare=prepare)
    assert proc.stdout is not None
    lines = [proc.stdout.readline().strip() for _ in range(5)]
    state = re.fullmatch(r"Prismatic API emulator on (\S+) \(state: (.+)\)", lines[0])
    assert state, lines
    printed = dict(line.split("=", 1) for line in lines[2:])
    paths = {
        "state": Path(state[2]),
        "ca": Path(printed["NODE_EXTRA_CA_CERTS"]),  # TLS is on: trustme is installed
        "key": Path(lines[1].rsplit(": ", 1)[1]),
    }
    for path in paths.values():
        assert path.is_file()
    return proc, paths, printed["PRISMATIC_URL"]


def _popen(
    tmp_path: Path, *options: str, prepare: Callable[[], None] = interruptible
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*SERVE, *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
        preexec_fn=prepare,
    )


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    code = proc.wait(timeout=10)
    _, stderr = proc.communicate(timeout=10)
    return code, stderr


def _left(tmp_path: Path) -> list[str]:
    """What is left in the test's temporary and runtime folders."""
    return sorted(str(p) for p in tmp_path.rglob("*") if p.is_file() or p.is_symlink())


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_stopped_serve_leaves_no_state_ca_or_admin_key(
    tmp_path: Path, how: signal.Signals
) -> None:
    proc, paths, _ = _serve(tmp_path)
    # Both temporary folders are the test's, so that their removal says something.
    assert paths["state"].parent.parent == paths["ca"].parent.parent == tmp_path / "tmp"
    assert paths["key"].parent.parent == tmp_path / "run"
    proc.send_signal(how)
    code, stderr = _finish(proc)
    assert (code, stderr) == (130, "prismatic-connector: error: interrupted\n")
    for name in ("state", "ca", "key"):
        assert not paths[name].exists(), name
    assert not paths["state"].parent.exists()
    assert not paths["ca"].parent.exists()
    assert _left(tmp_path) == []


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_signals_that_keep_coming_while_serve_stops_leave_nothing(
    tmp_path: Path, how: signal.Signals
) -> None:
    # A supervisor that repeats its SIGTERM, a person who presses Ctrl-C again and again.
    proc, paths, _ = _serve(tmp_path)
    deadline = time.monotonic() + 10
    while proc.poll() is None and time.monotonic() < deadline:
        proc.send_signal(how)
    code, _ = _finish(proc)
    # Once clean, serve may be ended by the default action of a signal it no longer handles.
    assert code in (130, -how)
    assert not any(path.exists() for path in paths.values())
    assert _left(tmp_path) == []


def test_a_state_file_given_with_db_is_kept(tmp_path: Path) -> None:
    db = tmp_path / "mine.sqlite3"
    proc, paths, _ = _serve(tmp_path, "--db", str(db))
    assert paths["state"] == db
    proc.send_signal(signal.SIGTERM)
    code, _ = _finish(proc)
    assert code == 130
    assert db.is_file()  # the user's, not serve's to remove
    assert not paths["ca"].exists()
    assert not paths["key"].exists()


def test_a_hangup_serve_was_told_to_ignore_is_ignored(tmp_path: Path) -> None:
    proc, _, url = _serve(tmp_path, ignore_hangup=True)
    try:
        proc.send_signal(signal.SIGHUP)
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=0.5)
        assert requests.get(f"{url}/health", timeout=10).json()["status"] == "ok"
    finally:
        proc.send_signal(signal.SIGTERM)
        code, _ = _finish(proc)
    assert code == 130
    assert _left(tmp_path) == []


def test_a_serve_stopped_while_it_seeds_leaves_no_state(tmp_path: Path) -> None:
    proc = _popen(tmp_path, "--scale", "instances=3000")
    deadline = time.monotonic() + 30
    while not any((tmp_path / "tmp").rglob("emulator.sqlite3")) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None
    # Signals that keep coming reach serve after it has let go of them, too.
    while proc.poll() is None and time.monotonic() < deadline:
        proc.send_signal(signal.SIGTERM)
    stdout, _ = proc.communicate(timeout=10)
    assert "Prismatic API emulator on" not in stdout  # it was stopped before it served
    assert _left(tmp_path) == []
