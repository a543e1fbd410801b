"""Shell completion: candidates as a shell asks for them, the shell code, and a cold start
that never loads argcomplete.

A shell asks by running the command with ``_ARGCOMPLETE`` and the line typed so far in
``COMP_LINE``; argcomplete writes the candidates to ``_ARGCOMPLETE_STDOUT_FILENAME``.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from prismatic_connector import Component
from prismatic_connector.cli import build_parser

from .loopback import REFRESH_TOKEN, RecordingServer

INSTALL = "pip install 'prismatic-connector[completion]'"
# Runs the CLI as if argcomplete were not installed.
WITHOUT_ARGCOMPLETE = (
    "import sys; sys.modules['argcomplete'] = None\n"
    "from prismatic_connector.cli import main\nsys.exit(main())"
)

Complete = Callable[..., list[str]]


def run(
    *command: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command),
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def asking(line: str, out: Path, shell: str = "bash") -> dict[str, str]:
    """The environment bash's (or zsh's) completion function gives the command."""
    return {
        "_ARGCOMPLETE": "1",  # the program's words start at the first of COMP_LINE's
        "_ARGCOMPLETE_SHELL": shell,
        "_ARGCOMPLETE_IFS": "\n",
        "_ARGCOMPLETE_STDOUT_FILENAME": str(out),
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
    }


@pytest.fixture
def complete(tmp_path: Path) -> Complete:
    def candidates(line: str, in_shell: str = "bash") -> list[str]:
        out = tmp_path / "candidates"
        done = run(sys.executable, "-m", "prismatic_connector", env=asking(line, out, in_shell))
        assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
        text = out.read_text(encoding="utf-8")
        return text.split("\n") if text else []

    return candidates


def commands() -> list[str]:
    for action in build_parser()._actions:
        if isinstance(getattr(action, "choices", None), dict):
            return list(action.choices)  # type: ignore[arg-type]
    return []


def keys_and_aliases(component: Component, prefix: str) -> set[str]:
    names = {name for a in component.actions for name in (a.key, *a.aliases)}
    return {name for name in names if name.startswith(prefix)}


def test_the_command_word_completes_with_a_space_after_it(complete: Complete) -> None:
    assert complete("prismatic-connector inv") == ["invoke "]
    assert complete("prismatic-connector -v inv") == ["invoke "]


def test_tab_alone_offers_every_command_and_a_dash_the_options(complete: Complete) -> None:
    offered = complete("prismatic-connector ")
    assert offered == commands()
    assert {"invoke", "describe", "emulator", "token", "completion"} <= set(offered)
    assert set(complete("prismatic-connector --")) == {"--help", "--version", "--verbose"}


def test_subcommands_of_the_emulator_and_token_complete(complete: Complete) -> None:
    assert complete("prismatic-connector emulator se") == ["serve "]
    assert set(complete("prismatic-connector emulator ")) == {
        *("serve", "coverage", "token"),
        *(
            "clock",
            "fault",
            "journal",
            "script",
            "run",
            "snapshot",
        ),  # a running emulator's control surface
    }
    assert complete("prismatic-connector emulator serve --se") == ["--seed "]
    assert set(complete("prismatic-connector emulator snapshot ")) == {
        "save",
        "load",
        "list",
        "delete",
    }
    assert complete("prismatic-connector token r") == ["revoke "]
    assert complete("prismatic-connector completion ") == ["bash", "zsh"]


def test_invoke_completes_action_keys(complete: Complete, component: Component) -> None:
    listing = complete("prismatic-connector invoke list")
    assert set(listing) == keys_and_aliases(component, "list")
    assert {"listInstances", "listCustomers", "listIntegrations"} <= set(listing)
    assert len(complete("prismatic-connector invoke ")) == len(keys_and_aliases(component, ""))


def test_an_alias_completes_beside_its_key(complete: Complete) -> None:
    assert set(complete("prismatic-connector invoke disable")) == {
        "disableInstnce",
        "disableInstance",
    }


def test_describe_completes_action_keys(complete: Complete, component: Component) -> None:
    offered = complete("prismatic-connector describe get")
    assert set(offered) == keys_and_aliases(component, "get")
    assert "getInstance" in offered


def test_input_names_of_the_typed_action_end_with_equals(
    complete: Complete, component: Component
) -> None:
    inputs = component.action("listInstances").inputs
    expected = {f"{i.key}=" for i in inputs if i.type != "connection"}
    assert set(complete("prismatic-connector invoke listInstances -i ")) == expected
    assert set(complete("prismatic-connector invoke listInstances --input ")) == expected
    assert "first=" in expected
    assert "connection=" not in expected  # the command line makes the connection itself
    # One candidate, and no space after it: the value follows the `=`.
    assert complete("prismatic-connector invoke listInstances -i fir") == ["first="]
    assert complete("prismatic-connector invoke disableInstance -i ") == ["instanceId="]


def test_inputs_already_given_are_not_offered_again(complete: Complete) -> None:
    offered = complete("prismatic-connector invoke listInstances -i first=5 --input ")
    assert "first=" not in offered
    assert "enabled=" in offered


def test_an_unknown_or_missing_action_offers_no_inputs(complete: Complete) -> None:
    assert complete("prismatic-connector invoke listInstnces -i ") == []
    assert complete("prismatic-connector invoke -i ") == []


def test_options_complete_after_the_action(complete: Complete) -> None:
    assert set(complete("prismatic-connector invoke listInstances --t")) == {
        "--timeout",
        "--tenant-id",
    }


def test_zsh_is_given_each_candidate_with_its_description(complete: Complete) -> None:
    offered = complete("prismatic-connector invoke disable", in_shell="zsh")
    assert set(offered) == {
        "disableInstnce:Disable Instance",
        "disableInstance:Disable Instance (alias of disableInstnce)",
    }
    assert complete("prismatic-connector invoke getInstance -i ", in_shell="zsh") == [
        "instanceId=:Instance Id (string, required)"
    ]


def test_completion_prints_shell_code_that_bash_accepts() -> None:
    for shell in ("bash", "zsh"):
        done = run(sys.executable, "-m", "prismatic_connector", "completion", shell)
        assert done.returncode == 0, done.stderr
        assert "_python_argcomplete" in done.stdout
    command = shlex.join([sys.executable, "-m", "prismatic_connector", "completion", "bash"])
    done = run("bash", "--norc", "--noprofile", "-c", f'eval "$({command})" && complete -p')
    assert done.returncode == 0, done.stderr
    assert "-F _python_argcomplete prismatic-connector" in done.stdout


def bash_tab(tmp_path: Path, line: str, code: str = "") -> list[str]:
    """COMPREPLY from bash running the registered completion function, as TAB does."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "prismatic-connector"  # the console script, running this checkout
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m prismatic_connector "$@"\n')
    shim.chmod(0o755)
    words = line.split(" ")
    script = (
        f"{code}\n"
        'eval "$(prismatic-connector completion bash)" || exit 9\n'
        f"COMP_LINE={shlex.quote(line)}; COMP_POINT=${{#COMP_LINE}}; COMP_TYPE=9\n"
        f"COMP_WORDS=({shlex.join(words)}); COMP_CWORD={len(words) - 1}\n"
        f"_python_argcomplete prismatic-connector {shlex.quote(words[-1])} "
        f"{shlex.quote(words[-2])}\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    done = run("bash", "--norc", "--noprofile", "-c", script, env={"PATH": path})
    assert done.returncode == 0, done.stderr
    return [reply for reply in done.stdout.split("\n") if reply]


def test_bash_completes_through_the_registered_function(tmp_path: Path) -> None:
    assert bash_tab(tmp_path, "prismatic-connector invoke disable") == [
        "disableInstnce",
        "disableInstance",
    ]
    assert bash_tab(tmp_path, "prismatic-connector invoke getInstance -i ") == ["instanceId="]
    assert bash_tab(tmp_path, "prismatic-connector desc") == ["describe "]


def test_without_argcomplete_completion_names_the_extra() -> None:
    done = run(sys.executable, "-c", WITHOUT_ARGCOMPLETE, "completion", "bash")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("prismatic-connector: error: ")
    assert INSTALL in done.stderr


def test_without_argcomplete_tab_does_nothing_quietly(tmp_path: Path) -> None:
    out = tmp_path / "candidates"
    line = "prismatic-connector invoke list"
    done = run(sys.executable, "-c", WITHOUT_ARGCOMPLETE, env=asking(line, out))
    assert (done.returncode, done.stdout, done.stderr) == (1, "", "")
    assert not out.exists()


def test_a_malformed_request_does_nothing_quietly(tmp_path: Path) -> None:
    out = tmp_path / "candidates"
    env = {**asking("prismatic-connector inv", out), "COMP_POINT": "not a number"}
    done = run(sys.executable, "-m", "prismatic_connector", env=env)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", "")
    assert not out.exists()


def test_a_call_of_main_with_arguments_runs_them_even_under_a_completing_shell(
    tmp_path: Path,
) -> None:
    probe = "import sys\nfrom prismatic_connector.cli import main\nsys.exit(main(['actions']))"
    env = asking("prismatic-connector inv", tmp_path / "candidates")
    done = run(sys.executable, "-c", probe, env=env)
    assert done.returncode == 0, done.stderr
    assert "listInstances" in done.stdout


def imported(stderr: str) -> set[str]:
    """The modules ``python -X importtime`` reports."""
    return {line.rsplit("|", 1)[-1].strip() for line in stderr.splitlines() if "|" in line}


def test_a_cold_invoke_imports_neither_argcomplete_nor_the_completion(
    server: RecordingServer,
) -> None:
    data = {"instances": {"nodes": [], "pageInfo": {"hasNextPage": False}, "totalCount": 0}}
    server.reply_data(data)
    env = {"PRISM_REFRESH_TOKEN": REFRESH_TOKEN, "PRISMATIC_URL": server.url}
    cli = (sys.executable, "-X", "importtime", "-m", "prismatic_connector")
    done = run(*cli, "invoke", "listInstances", "-i", "first=1", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"data": {"status": 200, "data": data}}
    for modules in (imported(done.stderr), imported(run(*cli, "invoke", "--help").stderr)):
        assert "prismatic_connector.cli" in modules  # the report is read right
        assert "argcomplete" not in modules
        assert "prismatic_connector.cli.complete" not in modules
