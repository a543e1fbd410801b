"""The command line: a thin layer over the public API.

Exit status: 0 success, 1 the action (or the check) failed, 2 bad usage or input.
Errors go to stderr as one line; results go to stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .auth import Connection
from .errors import ConnectorError, InputError, ManifestError
from .manifest import ActionSpec, InputSpec
from .runner import Component, load_component

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, exit 2, as for every other usage error
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="prismatic-connector", description="Drive Prismatic's GraphQL API.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each request to stderr")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    actions = sub.add_parser("actions", help="list the actions")
    actions.add_argument("--json", action="store_true", help="the whole manifest view as JSON")

    describe = sub.add_parser("describe", help="show one action and its inputs")
    describe.add_argument("key")

    invoke = sub.add_parser("invoke", help="run one action and print its result as JSON")
    invoke.add_argument("key")
    invoke.add_argument("--input", "-i", action="append", default=[], metavar="NAME=VALUE")
    invoke.add_argument("--inputs-json", metavar="JSON|@FILE", help="inputs as a JSON object")
    invoke.add_argument(
        "--url", help="Prismatic base URL (default: $PRISMATIC_URL or app.prismatic.io)"
    )
    invoke.add_argument("--tenant-id", help="tenant to act in (default: $PRISMATIC_TENANT_ID)")
    invoke.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS)

    sub.add_parser("check", help="check the manifest against the operations and the schema")

    sub.add_parser("demo", help="a session against an embedded emulator, through the actions")

    from .emulator.commands import add_parser

    add_parser(sub)

    docs = sub.add_parser("docs", help="write the connector reference from the manifest")
    docs.add_argument("--output", default=None, help="where to write (default: docs/connector.md)")
    docs.add_argument("--check", action="store_true", help="fail if the file is not current")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.verbose:
            logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
        return int(_COMMANDS[args.command](args))
    except UsageError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except (InputError, ManifestError) as exc:
        return _fail(str(exc), EXIT_USAGE)
    except ConnectorError as exc:
        return _fail(f"{type(exc).__name__}: {exc}", EXIT_FAILED)
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_FAILED)


def _fail(message: str, code: int) -> int:
    print(f"prismatic-connector: error: {' '.join(message.split())}", file=sys.stderr)
    return code


def _cmd_actions(args: argparse.Namespace) -> int:
    component = load_component()
    if args.json:
        _print_json(manifest_view(component))
        return EXIT_OK
    width = max(len(a.key) for a in component.actions)
    for action in component.actions:
        print(f"{action.key.ljust(width)}  {action.label}")
    return EXIT_OK


def manifest_view(component: Component) -> dict[str, Any]:
    spec = component.spec
    return {
        "key": spec.key,
        "label": spec.label,
        "description": spec.description,
        "connection": {
            "key": spec.connection.key,
            "label": spec.connection.label,
            "comments": spec.connection.comments,
            "inputs": [_input_view(i) for i in spec.connection.inputs],
        },
        "actions": [_action_view(a) for a in spec.actions],
    }


def _action_view(action: ActionSpec) -> dict[str, Any]:
    return {
        "key": action.key,
        "aliases": list(action.aliases),
        "label": action.label,
        "description": action.description,
        "notes": action.notes,
        "inputs": [_input_view(i) for i in action.inputs],
    }


def _input_view(spec: InputSpec) -> dict[str, Any]:
    return {
        "key": spec.key,
        "label": spec.label,
        "type": spec.type,
        "required": spec.required,
        "default": spec.default,
        "comments": spec.comments,
    }


def _cmd_describe(args: argparse.Namespace) -> int:
    action = load_component().action(args.key)
    print(f"{action.label} ({action.key})")
    if action.aliases:
        print(f"aliases: {', '.join(action.aliases)}")
    print(action.description)
    if action.notes:
        print()
        print(action.notes)
    print()
    for spec in action.inputs:
        flags = [spec.type, "required" if spec.required else "optional"]
        if spec.has_default:
            default = (
                json.dumps(spec.default) if not isinstance(spec.default, str) else spec.default
            )
            flags.append(f"default: {' '.join(default.split())}")
        print(f"  {spec.key}  ({', '.join(flags)})  {spec.label}")
        if spec.comments:
            print(f"      {spec.comments}")
    return EXIT_OK


def _cmd_invoke(args: argparse.Namespace) -> int:
    component = load_component()
    inputs = _gather_inputs(args)
    connection = Connection(tenant_id=args.tenant_id, base_url=args.url)
    envelope = component.invoke(args.key, inputs, connection=connection)
    _print_json(envelope)
    return EXIT_OK


def _gather_inputs(args: argparse.Namespace) -> dict[str, Any]:
    inputs: dict[str, Any] = {}
    if args.inputs_json:
        text = args.inputs_json
        if text.startswith("@"):
            try:
                text = Path(text[1:]).read_text(encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"--inputs-json: cannot read {text[1:]}: {exc.strerror}") from None
        try:
            loaded = json.loads(text)
        except ValueError as exc:
            raise UsageError(f"--inputs-json: not JSON: {exc}") from None
        if not isinstance(loaded, dict):
            raise UsageError("--inputs-json: expected a JSON object of input values")
        inputs.update(loaded)
    seen: set[str] = set()
    for item in args.input:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--input {item!r}: expected NAME=VALUE")
        if name in seen:
            raise UsageError(f"--input {name!r} is given twice")
        seen.add(name)
        inputs[name] = value
    return inputs


def _cmd_check(args: argparse.Namespace) -> int:
    from .checks import check_component

    component = load_component()
    findings = check_component(component)
    for finding in findings:
        print(finding)
    if findings:
        print(f"{len(findings)} problem(s) found", file=sys.stderr)
        return EXIT_FAILED
    print(f"ok: {len(component.actions)} actions match their operations and the schema")
    return EXIT_OK


def _cmd_docs(args: argparse.Namespace) -> int:
    from .docs import DOCS_PATH, render

    component = load_component()
    target = Path(args.output) if args.output else component.bundle.root / DOCS_PATH
    text = render(component.spec)
    if args.check:
        current = target.read_text(encoding="utf-8") if target.is_file() else ""
        if current != text:
            print(f"{target} is out of date: run `prismatic-connector docs`", file=sys.stderr)
            return EXIT_FAILED
        print(f"{target} is current")
        return EXIT_OK
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run

    return run(sys.stdout)


def _cmd_emulator(args: argparse.Namespace) -> int:
    from .emulator.commands import run

    return run(args)


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


_COMMANDS = {
    "actions": _cmd_actions,
    "describe": _cmd_describe,
    "invoke": _cmd_invoke,
    "check": _cmd_check,
    "docs": _cmd_docs,
    "demo": _cmd_demo,
    "emulator": _cmd_emulator,
}
