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
    _add_script_parsers(command)


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
            flag = FLAGS.get(refused.field.partition("[")[0], refused.field)
            return fail(f"{flag}: {refused.problem}" if flag else refused.problem, EXIT_USAGE)
    print_json(answer)
    return EXIT_OK


def _clock(client: Any, args: argparse.Namespace) -> Any:
    if args.advance is not None:
        return client.clock_advance(args.advance)
    return client.clock()


HANDLERS: dict[str, Callable[[Any, argparse.Namespace], Any]] = {"clock": _clock}


# ------------------------------------------------------------------ scripted runs

FLAGS.update(
    {
        "target": "TARGET",
        "status": "--status",
        "error": "--error",
        "duration_s": "--duration-s",
        "polls": "--polls",
        "logs": "--log",
        "result": "--result",
        "times": "--times",
        "payload": "--payload",
    }
)
EXAMPLES["script"] = (
    "example:\n  prismatic-connector emulator script 'Sync contacts' --status ERROR"
    " --error 'quota exceeded' --duration-s 30 --log 5:INFO:starting --log 10+20:WARN:late\n"
    "  prismatic-connector emulator run 'Sync contacts' --payload '{\"id\": 1}'"
)
TARGET_HELP = "a flow's ID (one version), a flow's name (every version), or a flow config's ID"


def _add_script_parsers(command: Command) -> None:
    script = command("script", "script what the next runs of a flow do", EXAMPLES["script"])
    script.add_argument("target", nargs="?", default=None, metavar="TARGET", help=TARGET_HELP)
    _target(script)
    script.add_argument("--status", choices=("SUCCESS", "ERROR"), default="SUCCESS")
    script.add_argument("--error", default=None, help="an ERROR run's error")
    script.add_argument("--duration-s", type=float, default=0.0, help="the run's time, seconds")
    script.add_argument("--polls", type=int, default=None, help="end after N status reads")
    script.add_argument(
        "--log",
        action="append",
        default=[],
        metavar="OFFSET[+LATE]:SEVERITY:MESSAGE",
        help="a line logged OFFSET seconds in (shown LATE seconds later); repeatable",
    )
    script.add_argument("--result", default=None, metavar="JSON", help="the flow's result")
    script.add_argument("--times", type=int, default=None, help="how many runs (default: all)")
    script.add_argument("--list", action="store_true", help="list the scripts instead")
    script.add_argument("--clear", action="store_true", help="drop every script instead")
    run = command("run", "start runs of a flow, as a webhook call would", EXAMPLES["script"])
    run.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    _target(run)
    run.add_argument("--payload", default=None, metavar="JSON", help="the body the run gets")
    run.add_argument("--times", type=int, default=1, help="how many runs (default: 1)")


def _json(text: str | None, flag: str) -> Any:
    import json

    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ControlError(flag, f"expected JSON ({exc})") from None


def _log_line(text: str) -> dict[str, Any]:
    """``OFFSET[+LATE]:SEVERITY:MESSAGE`` as the line the control surface takes."""
    offset, _, rest = text.partition(":")
    severity, sep, message = rest.partition(":")
    at, _, late = offset.partition("+")
    try:
        if not sep:
            raise ValueError(text)
        return {
            "offset_s": float(at),
            "late_by_s": float(late or 0),
            "severity": severity.upper(),
            "message": message,
        }
    except ValueError:
        problem = f"expected OFFSET[+LATE]:SEVERITY:MESSAGE, got {text!r}"
        raise ControlError("--log", problem) from None


def _script(client: Any, args: argparse.Namespace) -> Any:
    if args.clear:
        return {"cleared": client.clear_scripts()}
    if args.list:
        return {"scripts": client.scripts()}
    if args.target is None:
        raise ControlError("target", "expected the flow to script (or --list, --clear)")
    logs = [_log_line(text) for text in args.log]
    script_id = client.script_flow(
        args.target,
        status=args.status,
        error=args.error,
        duration_s=args.duration_s,
        polls=args.polls,
        logs=logs,
        result=_json(args.result, "--result"),
        times=args.times,
    )
    return {"id": script_id}


def _run(client: Any, args: argparse.Namespace) -> Any:
    payload = _json(args.payload, "--payload")
    return {"executions": client.run_flow(args.target, payload, args.times)}


HANDLERS.update({"script": _script, "run": _run})
