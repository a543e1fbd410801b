"""The command line's entry: the parser, the dispatch to a command group, the one error line.

Exit status: 0 success, 1 the action (or the check) failed, a mutation included that
Prismatic refused with payload errors, 2 bad usage or input (nothing was sent, a
missing refresh token or a wrong setting included), 130 interrupted (Ctrl-C). Errors
go to stderr as one line, never a traceback; results go to stdout.

Each command lives in one group module, imported only when a command of its group
runs (or when every command is listed): a cold ``invoke`` imports ``actions`` and
nothing of the others.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Protocol, cast

from .._version import __version__
from ..errors import ConnectorError
from ..redaction import scrub
from .shared import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    Command,
    Parser,
    Subcommands,
    UsageError,
    described,
    example,
    exit_status,
    fail,
    make_output_safe,
)


class Group(Protocol):
    """A command group module: adds its commands' parsers and answers what runs each."""

    def add_parsers(self, sub: Subcommands) -> dict[str, Command]: ...


# Every command, by the group module that holds it, in the order --help lists them.
GROUPS = {
    "actions": "actions",
    "describe": "actions",
    "invoke": "actions",
    "token": "actions",
    "step": "step",
    "logs": "logs",
    "rollout": "rollout",
    "replay": "replay",
    "check": "authoring",
    "check-integration": "authoring",
    "docs": "authoring",
    "package": "authoring",
    "examples": "authoring",
    "publish": "authoring",
    "demo": "authoring",
    "emulator": "emulator",
    "completion": "complete",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser: only ``command``'s when it is one (its group's module alone is
    imported), every command's otherwise (``--help``, no command, an unknown one)."""
    parser, _ = _parser_and_commands(command)
    return parser


def _parser_and_commands(command: str | None) -> tuple[argparse.ArgumentParser, dict[str, Command]]:
    parser = Parser(
        prog="prismatic-connector",
        description="Drive Prismatic's GraphQL API.",
        epilog=example("invoke listInstances -i first=5", "demo"),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="-v logs the connector's records to stderr; -vv adds the HTTP library's",
    )
    only = command if command in GROUPS else None
    sub = Subcommands(
        parser.add_subparsers(dest="command", required=True, parser_class=Parser), only
    )
    groups = [GROUPS[only]] if only else list(dict.fromkeys(GROUPS.values()))
    commands: dict[str, Command] = {}
    for group in groups:
        module = cast(Group, importlib.import_module(f"{__package__}.{group}"))
        commands.update(module.add_parsers(sub))
    return parser, commands


def main(argv: Sequence[str] | None = None) -> int:
    make_output_safe()
    try:
        code = _run(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, as the output is not wanted.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_INTERRUPTED)
    return code


def _run(argv: Sequence[str] | None) -> int:
    if argv is None and "_ARGCOMPLETE" in os.environ:  # the shell asks what TAB offers
        from .complete import complete

        return complete(build_parser)
    argv = list(sys.argv[1:] if argv is None else argv)
    # Global options take no value, so the first other word is the command.
    command = next((word for word in argv if not word.startswith("-")), None)
    try:
        parser, commands = _parser_and_commands(command)
        args = parser.parse_args(argv)
        _configure_logging(args.verbose)
        return commands[args.command](args)
    except UsageError as exc:
        return fail(str(exc), EXIT_USAGE)
    except ConnectorError as exc:
        return fail(described(exc), exit_status(exc))
    except (BrokenPipeError, KeyboardInterrupt):
        raise
    except Exception as exc:  # a bug must still end in one line, and with no secret in it
        secrets = [os.environ.get("PRISM_REFRESH_TOKEN")]
        return fail(f"unexpected {type(exc).__name__}: {scrub(str(exc), secrets)}", EXIT_FAILED)


def _configure_logging(verbosity: int) -> None:
    if not verbosity:
        return
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    logging.getLogger("prismatic_connector").setLevel(logging.DEBUG)
    if verbosity > 1:
        logging.getLogger("urllib3").setLevel(logging.DEBUG)
