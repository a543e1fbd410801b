"""``prismatic-connector emulator clock|fault|script|journal|snapshot``: the control surface of
a running emulator (``emulator/controls.py``), through ``EmulatorClient``.

Each command prints what the emulator answers as JSON. A refused request exits 2
naming the field; an emulator that cannot be reached exits 1.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ..emulator.ruleargs import ARGUMENTS
from ..errors import ControlError
from .shared import EXIT_OK, EXIT_USAGE, fail, print_json

Command = Callable[[str, str, "str | None"], argparse.ArgumentParser]

# A field the control surface names -> the option that gives it.
FLAGS = {"seconds": "--advance"}
# ---- fault rules
FLAGS |= {name: "--" + name.replace("_", "-") for name in (*ARGUMENTS, "since", "applied")}
FLAGS["id"] = "ID"
EXAMPLES = {
    "clock": "example:\n  prismatic-connector emulator serve --manual-clock --port 8484 &\n"
    "  prismatic-connector emulator clock --url http://127.0.0.1:8484 --advance 90",
    "fault": "example:\n  prismatic-connector emulator fault add --operation deployInstance"
    " --status 503 --times 2\n  prismatic-connector emulator fault list\n"
    "  prismatic-connector emulator fault clear",
    "journal": "example:\n  prismatic-connector emulator journal --operation deployInstance"
    " --applied true\n  prismatic-connector emulator journal --clear",
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
    _fault_parsers(command)
    _journal_parser(command)
    _snapshot_parsers(command)


# ---- fault rules


def _fault_parsers(command: Command) -> None:
    fault = command(
        "fault", "add, list, remove or clear a running emulator's fault rules", EXAMPLES["fault"]
    )
    actions = fault.add_subparsers(dest="fault_command", required=True)

    def action(name: str, help: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(
            name, help=help, formatter_class=fault.formatter_class, epilog=EXAMPLES["fault"]
        )
        return parser

    add = action("add", "a rule: which requests go wrong, and how")
    _target(add)
    add.add_argument("--operation", help="a root field of the request's document")
    add.add_argument("--kind", choices=("query", "mutation"), help="the operation's kind")
    add.add_argument("--path", help="the route (default: /api; or /auth/refresh, ...)")
    add.add_argument("--variables", metavar="JSON", help="variables to match (a list: any of)")
    add.add_argument("--status", type=int, help="answer 429 (with Retry-After) or a 5xx")
    add.add_argument("--drop", choices=("before", "after"), help="close the connection")
    add.add_argument("--payload-errors", metavar="JSON", help='[{"field", "messages"}]')
    add.add_argument("--graphql-error", metavar="TEXT", help="answer a GraphQL error")
    add.add_argument("--latency-ms", type=float, default=0, help="wait first, on its clock")
    add.add_argument("--probability", type=float, default=1.0, help="chance to strike")
    add.add_argument("--times", type=int, help="strike at most this many times")
    add.add_argument("--seed", type=int, help="make the probability repeatable")
    _target(action("list", "the rules, in the order they are tried"))
    remove = action("remove", "remove one rule")
    _target(remove)
    remove.add_argument("id", help="the rule's ID, as add printed it")
    _target(action("clear", "remove every rule"))


def _fault(client: Any, args: argparse.Namespace) -> Any:
    if args.fault_command == "list":
        return client.faults()
    if args.fault_command == "remove":
        return client.fault_remove(args.id)
    if args.fault_command == "clear":
        return client.faults_clear()
    given = {name: getattr(args, name) for name in ARGUMENTS}
    for name in ("variables", "payload_errors"):
        given[name] = _json(given[name], "--" + name.replace("_", "-"))
    return {"id": client.fault_add(**given)}


# ---- the journal


def _journal_parser(command: Command) -> None:
    journal = command(
        "journal", "the requests a running emulator served (JSON lines)", EXAMPLES["journal"]
    )
    _target(journal)
    journal.add_argument("--operation", help="a root field, or the operation's name")
    journal.add_argument("--kind", choices=("query", "mutation"), help="the operation's kind")
    journal.add_argument("--since", metavar="ISO", help="from this time (the emulator's clock)")
    journal.add_argument("--applied", choices=("true", "false"), help="applied mutations or not")
    journal.add_argument("--clear", action="store_true", help="empty the journal instead")


def _journal(client: Any, args: argparse.Namespace) -> Any:
    if args.clear:
        return client.journal_clear()
    applied = None if args.applied is None else args.applied == "true"
    return Lines(client.journal(args.operation, args.kind, args.since, applied))


class Lines(list[Any]):
    """Printed one JSON object a line, as the journal is exported."""


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
    if isinstance(answer, Lines):
        import json

        for entry in answer:
            print(json.dumps(entry, ensure_ascii=False))
    else:
        print_json(answer)
    return EXIT_OK


def _clock(client: Any, args: argparse.Namespace) -> Any:
    if args.advance is not None:
        return client.clock_advance(args.advance)
    return client.clock()


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


# ---- snapshots

EXAMPLES["snapshot"] = (
    "example:\n  prismatic-connector emulator snapshot save before-sync\n"
    "  prismatic-connector emulator snapshot load before-sync\n"
    "  prismatic-connector emulator serve --from-snapshot before-sync --snapshot-dir DIR"
)


def _snapshot_parsers(command: Command) -> None:
    snapshot = command(
        "snapshot",
        "save, load, list or delete a running emulator's snapshots of its whole state",
        EXAMPLES["snapshot"],
    )
    actions = snapshot.add_subparsers(dest="snapshot_command", required=True)
    for name, help in (
        ("save", "save the state as NAME (replacing a snapshot of that name)"),
        ("load", "put the state saved as NAME in place; tokens stay good, the journal empties"),
        ("list", "the snapshots saved: name, created, records by type, size, format"),
        ("delete", "delete the snapshot NAME"),
    ):
        action = actions.add_parser(
            name, help=help, formatter_class=snapshot.formatter_class, epilog=EXAMPLES["snapshot"]
        )
        if name != "list":
            action.add_argument("name", metavar="NAME", help="[A-Za-z0-9._-], 64 at most")
        _target(action)


def _snapshot(client: Any, args: argparse.Namespace) -> Any:
    if args.snapshot_command == "list":
        return {"snapshots": client.snapshots()}
    method = getattr(client, f"snapshot_{args.snapshot_command}")
    return method(args.name)


FLAGS.update({"name": "NAME", "snapshot": "NAME"})

HANDLERS: dict[str, Callable[[Any, argparse.Namespace], Any]] = {
    "clock": _clock,
    "fault": _fault,
    "journal": _journal,
    "script": _script,
    "run": _run,
    "snapshot": _snapshot,
}
