"""The command line under stress: closed pipes, odd encodings, bad files, Ctrl-C. Never a traceback."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from prismatic_connector import __version__
from prismatic_connector.cli import build_parser

from .hostile import CANARY, Hostile, data, hostile_server, silent
from .signals import interruptible

CLI = [sys.executable, "-m", "prismatic_connector"]


def run(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        env={**os.environ, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    with hostile_server() as state:
        yield state


@pytest.fixture
def api_env(hostile: Hostile) -> dict[str, str]:
    return {"PRISM_REFRESH_TOKEN": CANARY, "PRISMATIC_URL": hostile.url}


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) <= 1, done.stderr


def test_version() -> None:
    done = run("--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"prismatic-connector {__version__}")


def test_a_closed_pipe_ends_quietly(hostile: Hostile, api_env: dict[str, str]) -> None:
    # More than a pipe holds, so the writer meets the closed end.
    hostile.api = [data({"rows": ["x" * 100] * 20_000})]
    proc = subprocess.Popen(
        [*CLI, "invoke", "getCurrentUser"],
        env={**os.environ, **api_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()  # the reader goes away, as `| head -c 10` would
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 1
    assert "Traceback" not in stderr
    assert "Exception ignored" not in stderr


def test_text_the_terminal_cannot_encode_is_written_as_valid_json(
    hostile: Hostile, api_env: dict[str, str]
) -> None:
    name = "Zoë 中文 🚀 \ud800"
    hostile.api = [data({"authenticatedUser": {"id": "u", "name": name}})]
    done = run("invoke", "getCurrentUser", env={**api_env, "PYTHONIOENCODING": "ascii"})
    no_traceback(done)
    assert done.returncode == 0
    assert json.loads(done.stdout)["data"]["data"]["authenticatedUser"]["name"] == name


def test_inputs_from_files_and_standard_input(
    hostile: Hostile, api_env: dict[str, str], tmp_path: Path
) -> None:
    query = tmp_path / "q.graphql"
    query.write_text("{ authenticatedUser { id } }", encoding="utf-8")
    hostile.api = [data({"a": 1}), data({"a": 2}), data({"a": 3})]
    assert run("invoke", "rawRequest", "-i", f"query=@{query}", env=api_env).returncode == 0
    done = run(
        "invoke", "rawRequest", "-i", "query=@-", env=api_env, stdin="{ authenticatedUser { id } }"
    )
    assert done.returncode == 0, done.stderr
    done = run(
        "invoke",
        "rawRequest",
        "--inputs-json",
        "@-",
        env=api_env,
        stdin=json.dumps({"query": "{ a }", "variables": {"v": "@x"}}),
    )
    assert done.returncode == 0, done.stderr
    sent = [call.json() for call in hostile.api_calls()]
    assert [s["query"] for s in sent] == ["{ authenticatedUser { id } }"] * 2 + ["{ a }"]
    assert sent[2]["variables"] == {"v": "@x"}


def test_a_literal_at_sign_is_written_twice(hostile: Hostile, api_env: dict[str, str]) -> None:
    hostile.api = [data({"customers": {"nodes": []}})]
    assert run("invoke", "listCustomers", "-i", "name=@@acme", env=api_env).returncode == 0
    assert hostile.api_calls()[0].json()["variables"]["name"] == "@acme"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["invoke", "rawRequest", "-i", "query=@/no/such/file"], "cannot read /no/such/file"),
        (["invoke", "rawRequest", "-i", "query=@/"], "cannot read /"),
        (["invoke", "rawRequest", "--inputs-json", "@/no/such"], "cannot read /no/such"),
        (["invoke", "rawRequest", "-i", "query=@-", "--inputs-json", "@-"], "standard input"),
        (["invoke", "listInstances", "--timeout", "-1"], "timeout"),
        (["invoke", "listInstances", "--retries", "x"], "--retries"),
        (["emulator", "serve", "--rate-429", "2"], "--rate-429"),
        (["emulator", "serve", "--port", "99999"], "--port"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(
    args: list[str], said: str, api_env: dict[str, str]
) -> None:
    done = run(*args, env=api_env)
    no_traceback(done)
    assert done.returncode == 2, done.stderr
    assert said in done.stderr


def test_a_file_that_is_not_utf8_is_named(tmp_path: Path, api_env: dict[str, str]) -> None:
    bad = tmp_path / "latin1.yml"
    bad.write_bytes(b"name: Zo\xeb\n")
    done = run("invoke", "importIntegration", "-i", f"yamlDefinition=@{bad}", env=api_env)
    no_traceback(done)
    assert (done.returncode, "is not UTF-8" in done.stderr) == (2, True)


def test_the_emulator_reports_a_port_in_use_and_a_bad_db(tmp_path: Path) -> None:
    taken = socket.create_server(("127.0.0.1", 0))
    try:
        done = run("emulator", "serve", "--port", str(taken.getsockname()[1]))
    finally:
        taken.close()
    no_traceback(done)
    assert done.returncode == 1
    assert "cannot listen" in done.stderr
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database" * 100)
    for db in (str(garbage), str(tmp_path / "missing" / "dir" / "x.db"), str(tmp_path)):
        done = run("emulator", "serve", "--db", db)
        no_traceback(done)
        assert done.returncode == 2, (db, done.stderr)
        assert "cannot use --db" in done.stderr


def test_ctrl_c_exits_130_without_a_traceback(hostile: Hostile, api_env: dict[str, str]) -> None:
    hostile.api = [silent(30)]
    proc = subprocess.Popen(
        [*CLI, "invoke", "getCurrentUser"],
        env={**os.environ, **api_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )
    deadline = time.monotonic() + 20
    while not hostile.api_calls() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "Traceback" not in stderr
    assert "interrupted" in stderr


def test_verbose_levels(hostile: Hostile, api_env: dict[str, str]) -> None:
    hostile.api = [data({"a": 1}), data({"a": 1}), data({"a": 1})]
    quiet = run("invoke", "getCurrentUser", env=api_env)
    one = run("-v", "invoke", "getCurrentUser", env=api_env)
    two = run("invoke", "getCurrentUser", "-vv", env=api_env)
    assert quiet.stderr == ""
    assert "prismatic_connector" in one.stderr
    assert "urllib3" not in one.stderr
    assert "urllib3" in two.stderr


def test_every_option_shows_its_default_and_every_command_an_example() -> None:
    def walk(parser: object, path: str) -> Iterator[tuple[str, object]]:
        yield path, parser
        for action in parser._actions:  # type: ignore[attr-defined]
            choices = getattr(action, "choices", None)
            for name, child in choices.items() if isinstance(choices, dict) else ():
                if hasattr(child, "_actions"):
                    yield from walk(child, f"{path} {name}")

    # Only the named command's parser is built: every other one, then the emulator's.
    everything = list(walk(build_parser(None), "prismatic-connector"))
    emulator = [p for p in walk(build_parser("emulator"), "prismatic-connector") if " " in p[0]]
    parsers = [p for p in everything if not p[0].endswith(" emulator")] + emulator
    assert len(parsers) > 10
    assert [p for p, _ in emulator][:1] == ["prismatic-connector emulator"]
    for path, parser in parsers:
        text = parser.format_help()  # type: ignore[attr-defined]
        assert "example:" in text, path
        for action in parser._actions:  # type: ignore[attr-defined]
            if action.option_strings and action.help and action.default is not argparse_suppress():
                help_text = parser._get_formatter()._expand_help(action)  # type: ignore[attr-defined]
                assert "default" in help_text, (path, action.option_strings)


def argparse_suppress() -> str:
    import argparse

    return argparse.SUPPRESS


# What a cold invoke must not load: only the command it runs, and what that uses.
NOT_ON_INVOKE = (
    "graphql",
    "prismatic_connector.emulator",
    "prismatic_connector.authoring",
    "yaml",
    "jsonschema",
    "argcomplete",
    "opentelemetry",
    "tqdm",
    "msgpack",
)
CLI_ON_INVOKE = {
    "prismatic_connector.cli",
    "prismatic_connector.cli.main",
    "prismatic_connector.cli.shared",
    "prismatic_connector.cli.actions",
}


def test_a_cold_invoke_imports_only_what_it_uses(
    hostile: Hostile, api_env: dict[str, str], tmp_path: Path
) -> None:
    hostile.api = [data({"a": 1}), data({"a": 1})]
    probe = (
        "import sys\nfrom prismatic_connector.cli import main\n"
        "code = main(['invoke', 'getCurrentUser'])\n"
        f"heavy = sorted(m for m in sys.modules if m.startswith({NOT_ON_INVOKE!r}))\n"
        "cli = sorted(m for m in sys.modules if m.startswith('prismatic_connector.cli'))\n"
        "print(code, heavy, cli, file=sys.stderr)\n"
    )
    # The first run validates the manifest and caches the result, as a fresh install's does.
    env = {**os.environ, **api_env, "XDG_CACHE_HOME": str(tmp_path)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
        )
        for _ in range(2)
    ]
    code, heavy, cli = runs[1].stderr.strip().splitlines()[-1].split(" ", 2)
    assert (code, heavy) == ("0", "[]")
    assert set(eval(cli)) == CLI_ON_INVOKE  # noqa: S307 - a list this test printed itself


def test_only_the_named_command_is_built_and_others_still_answer() -> None:
    def commands(parser: object) -> list[str]:
        for action in parser._actions:  # type: ignore[attr-defined]
            if isinstance(getattr(action, "choices", None), dict):
                return list(action.choices)
        return []

    assert commands(build_parser("invoke")) == ["invoke"]
    everything = commands(build_parser(None))
    assert {"invoke", "actions", "publish", "emulator", "docs"} <= set(everything)
    assert commands(build_parser("no-such-command")) == everything


WITHOUT_THE_EMULATOR_EXTRA = """
import sys
sys.modules["msgpack"] = None
sys.modules["trustme"] = None
from prismatic_connector.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("args", [["examples", "--check"], ["demo"], ["emulator", "serve"]])
def test_the_emulator_commands_name_the_extra_they_need(args: list[str]) -> None:
    # A checkout installed without the extra: the commands that start an emulator say
    # what to install, in one line, before anything starts.
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_THE_EMULATOR_EXTRA, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    no_traceback(done)
    assert done.returncode == 2, done.stderr
    assert "needs msgpack and trustme" in done.stderr
    assert "pip install 'prismatic-connector[emulator]'" in done.stderr
