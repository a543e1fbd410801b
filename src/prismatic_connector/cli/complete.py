"""Shell completion (bash, zsh) through argcomplete, an optional extra.

The shell runs ``prismatic-connector`` with the line typed so far in ``COMP_LINE`` and
``_ARGCOMPLETE`` set; ``cli.main`` hands such a run over here before parsing anything,
so a command that is run rather than completed never imports this module or argcomplete.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import ConnectorError
from .shared import EXIT_OK, Command, Subcommands, UsageError

if TYPE_CHECKING:
    from ..component.runner import Component

INSTALL = "pip install 'prismatic-connector[completion]'"


def add_parsers(sub: Subcommands) -> dict[str, Command]:
    completion = sub.add_parser(
        "completion",
        help="print the shell code that completes commands, actions and inputs",
        epilog='example:\n  eval "$(prismatic-connector completion bash)"  # in ~/.bashrc\n'
        '  eval "$(prismatic-connector completion zsh)"   # in ~/.zshrc, after compinit',
    )
    completion.add_argument("shell", choices=("bash", "zsh"), help="the shell to complete in")
    return {"completion": _completion}


def _completion(args: argparse.Namespace) -> int:
    print(shell_code(args.shell), end="")
    return EXIT_OK


def shell_code(shell: str) -> str:
    """What ``eval`` in the shell's start-up file registers the completion with."""
    try:
        from argcomplete.shell_integration import shellcode
    except ImportError:
        raise UsageError(f"shell completion needs argcomplete: {INSTALL}") from None
    return shellcode(["prismatic-connector"], shell=shell)


def complete(build_parser: Callable[[str | None], argparse.ArgumentParser]) -> int:
    """Write the candidates where the shell reads them and end the process.

    Returns (1, printing nothing) only when there is nothing to offer: without argcomplete,
    or with the shell's variables unusable. A TAB must never show a traceback.
    """
    try:
        from argcomplete import autocomplete
    except ImportError:
        return 1
    try:
        parser = build_parser(_command())
        _attach_completers(parser)
        # Options are offered once a `-` is typed, as git does: TAB alone lists what comes next.
        autocomplete(parser, always_complete_options=False)  # ends the process
    except Exception:
        return 1
    return 1


def _command() -> str | None:
    """The command word, once it is typed in full: then only its parser is built.

    While the command word itself is being completed, every command is a candidate.
    """
    from argcomplete.lexers import split_line

    words = split_line(os.environ["COMP_LINE"], int(os.environ["COMP_POINT"]))[3]
    # As argcomplete reads it: where the program's own words start (1: the script itself).
    words = words[int(os.environ["_ARGCOMPLETE"]) - 1 :]
    # Global options take no value, so the first other word is the command (as in cli._run).
    return next((word for word in words[1:] if not word.startswith("-")), None)


def _attach_completers(parser: argparse.ArgumentParser) -> None:
    commands: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            commands = action.choices
    for name in ("invoke", "describe"):
        command = commands.get(name)  # absent when another command's parser alone is built
        for action in command._actions if command else ():
            if action.dest == "key":
                action.completer = _action_keys  # type: ignore[attr-defined]  # argcomplete reads it
            elif action.dest == "input":
                action.completer = _input_names  # type: ignore[attr-defined]


def _action_keys(**_: Any) -> dict[str, str]:
    """Every action's key and aliases, each with its label (zsh shows it)."""
    candidates: dict[str, str] = {}
    component = _component()
    for action in component.actions if component else ():
        candidates[action.key] = action.label
        for alias in action.aliases:
            candidates.setdefault(alias, f"{action.label} (alias of {action.key})")
    return candidates


def _input_names(parsed_args: argparse.Namespace, **_: Any) -> dict[str, str]:
    """``NAME=`` for each input of the action typed before, but those already given.

    The connection is not one: the command line makes it from --url, --tenant-id and the
    environment. No action, or an unknown one, has no inputs to offer: the run names the mistake.
    """
    component = _component()
    try:
        action = component.action(getattr(parsed_args, "key", None) or "") if component else None
    except ConnectorError:
        return {}
    given = {item.partition("=")[0] for item in getattr(parsed_args, "input", None) or ()}
    return {
        f"{spec.key}=": f"{spec.label} ({spec.type}{', required' if spec.required else ''})"
        for spec in (action.inputs if action else ())
        if spec.key not in given and spec.type != "connection"
    }


def _component() -> Component | None:
    from ..component.runner import load_component

    try:
        return load_component()
    except (ConnectorError, OSError):  # a broken checkout's manifest: nothing to offer
        return None
