"""``prismatic-connector emulator clock|fault|script|journal``: the control surface of
a running emulator (``emulator/controls.py``), through ``EmulatorClient``.

Each command prints what the emulator answers as JSON. A refused request exits 2
naming the field; an emulator that cannot be reached exits 1.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ..errors import ControlError
from .shared import EXIT_OK, EXIT_USAGE, fail, print_json

Command = Callable[[str, str, "str | None"], argparse.ArgumentParser]

# A field the control surface names -> the option that gives it.
FLAGS = {"seconds": "--advance"}
EXAMPLES = {
    "clock": "example:\n  prismatic-connector emulator serve --manual-clock --port 8484 &\n"
    "  prismatic-connector emulator clock --url http://127.0.0.1:8484 --advance 90",
}


def add_parsers(command: Command) -> None:
    """The control commands, as subcommands of ``emulator``."""
    clock = command(
        "clock", "show a running emulator's time, or move its manual clock", EXAMPLES["clock"]
    )
    _target(clock)
    clock.add_argument(
        "--advance",
        type=float,
        metavar="SECONDS",
        default=None,
        help="move the clock on (an emulator served with --manual-clock only)",
    )


def _target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url", default=None, help="the emulator's base URL (default: $PRISMATIC_URL)"
    )
    parser.add_argument(
        "--admin-key-file",
        default=None,
        help="the key file `emulator serve` wrote (default: found from the URL)",
    )


def run(args: argparse.Namespace) -> int:
    from ..emulator.client import EmulatorClient

    with EmulatorClient(args.url, admin_key_file=args.admin_key_file) as client:
        try:
            answer = HANDLERS[args.emulator_command](client, args)
        except ControlError as refused:
            # The emulator names its own field; the command line names the option.
            flag = FLAGS.get(refused.field, refused.field)
            return fail(f"{flag}: {refused.problem}" if flag else refused.problem, EXIT_USAGE)
    print_json(answer)
    return EXIT_OK


def _clock(client: Any, args: argparse.Namespace) -> Any:
    if args.advance is not None:
        return client.clock_advance(args.advance)
    return client.clock()


HANDLERS: dict[str, Callable[[Any, argparse.Namespace], Any]] = {"clock": _clock}
