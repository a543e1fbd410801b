"""``emulator serve --env-file``: a private file of ``export`` lines, there while serve runs."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ..signals import interruptible

MARKER = "# Written by prismatic-connector emulator serve"


def _env(tmp_path: Path, *, tls: bool = True) -> dict[str, str]:
    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path / "run")}
    if not tls:
        # As if the emulator-tls extra were not installed.
        hidden = tmp_path / "without-trustme"
        hidden.mkdir()
        (hidden / "trustme.py").write_text("raise ImportError('not installed')\n")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(hidden), env.get("PYTHONPATH")]))
    return env


def _command(env_file: Path) -> list[str]:
    return [
        *(sys.executable, "-m", "prismatic_connector", "emulator", "serve"),
        *("--port", "0", "--seed", "empty", "--env-file", str(env_file)),
    ]


def _serve(env_file: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """Start serve; what it printed, by name (and the admin key file as ``key``)."""
    proc = subprocess.Popen(
        _command(env_file), stdout=subprocess.PIPE, text=True, env=env, preexec_fn=interruptible
    )
    assert proc.stdout is not None
    lines = [proc.stdout.readline().strip() for _ in range(6)]
    names = ("PRISMATIC_URL=", "PRISM_REFRESH_TOKEN=", "NODE_EXTRA_CA_CERTS=")
    printed = dict(line.split("=", 1) for line in lines if line.startswith(names))
    printed["key"] = lines[1].rsplit(": ", 1)[1]
    assert lines[2] == f"environment (for a shell to source): {env_file}"
    return proc, printed


def _stop(proc: subprocess.Popen[str], how: signal.Signals) -> int:
    proc.send_signal(how)
    code = proc.wait(timeout=10)
    assert proc.stdout is not None
    proc.stdout.close()
    return code


def _sourced(env_file: Path, script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f'. "$1" && {script}', "bash", str(env_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_file_is_private_sourceable_and_gone_after_ctrl_c(tmp_path: Path) -> None:
    env_file, env = tmp_path / "emulator.env", _env(tmp_path)
    proc, printed = _serve(env_file, env)
    try:
        assert env_file.stat().st_mode & 0o777 == 0o600  # it holds the refresh token
        assert env_file.read_text().splitlines()[0].startswith(MARKER)
        shown = _sourced(
            env_file,
            'printf "%s\\n" "$PRISMATIC_URL" "$PRISM_REFRESH_TOKEN" "$NODE_EXTRA_CA_CERTS"',
            env,
        )
        url, token, ca = shown.stdout.splitlines()
        assert (url, token) == (printed["PRISMATIC_URL"], printed["PRISM_REFRESH_TOKEN"])
        assert ca == printed["NODE_EXTRA_CA_CERTS"]  # TLS is on: trustme is installed
        assert Path(ca).is_file()
        # Nothing of the user's environment: only what the file gave.
        bare = {k: v for k, v in env.items() if not k.startswith(("PRISM", "NODE_EXTRA"))}
        invoked = _sourced(
            env_file,
            f"exec {shlex.quote(sys.executable)} -m prismatic_connector invoke getCurrentUser",
            bare,
        )
        assert invoked.returncode == 0, invoked.stderr
        assert '"authenticatedUser"' in invoked.stdout
        assert Path(printed["key"]).is_file()
    finally:
        code = _stop(proc, signal.SIGINT)
    assert code == 130
    assert not env_file.exists()
    assert not Path(printed["key"]).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no temporary file either


def test_sigterm_stops_serve_cleanly_and_a_stale_file_of_serve_is_overwritten(
    tmp_path: Path,
) -> None:
    env_file, env = tmp_path / "emulator.env", _env(tmp_path)
    # Left behind by a serve that was killed outright.
    env_file.write_text(f"{MARKER} (pid 1); removed when it stops.\nexport PRISMATIC_URL=old\n")
    proc, printed = _serve(env_file, env)
    try:
        assert f"export PRISMATIC_URL={printed['PRISMATIC_URL']}\n" in env_file.read_text()
        assert env_file.stat().st_mode & 0o777 == 0o600
    finally:
        code = _stop(proc, signal.SIGTERM)
    assert code == 130
    assert not env_file.exists()
    assert not Path(printed["key"]).exists()


def test_without_tls_no_ca_line_and_a_replaced_file_is_left_alone(tmp_path: Path) -> None:
    env_file, env = tmp_path / "emulator.env", _env(tmp_path, tls=False)
    proc, printed = _serve(env_file, env)
    try:
        assert "NODE_EXTRA_CA_CERTS" not in printed
        text = env_file.read_text()
        assert "export PRISMATIC_URL=" in text
        assert "NODE_EXTRA_CA_CERTS" not in text
        # Someone else puts their own file there meanwhile: it is theirs now.
        theirs = tmp_path / "theirs"
        theirs.write_text(text)
        theirs.replace(env_file)
    finally:
        code = _stop(proc, signal.SIGINT)
    assert code == 130
    assert env_file.read_text() == text
    assert not Path(printed["key"]).exists()


def test_a_file_serve_did_not_write_is_refused_before_anything_listens(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PRISMATIC_URL=https://app.prismatic.io\n")
    done = subprocess.run(
        _command(env_file), env=_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stdout == ""  # the emulator never started
    assert done.stderr == (
        f"prismatic-connector: error: --env-file {env_file}: this file exists and was not"
        " written by emulator serve; move it away or name another file\n"
    )
    assert env_file.read_text() == "PRISMATIC_URL=https://app.prismatic.io\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env"]


@pytest.mark.parametrize(
    ("where", "problem"),
    [
        ("missing/emulator.env", "cannot write there: No such file or directory"),
        (".", "this is a folder; name a file"),
    ],
)
def test_a_file_that_cannot_be_written_is_one_line(
    tmp_path: Path, where: str, problem: str
) -> None:
    env_file = tmp_path / where
    done = subprocess.run(
        _command(env_file), env=_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"prismatic-connector: error: --env-file {env_file}: {problem}\n"
