"""The command line: a thin layer over the public API.

Exit status: 0 success, 1 the action (or the check) failed, 2 bad usage or input,
130 interrupted (Ctrl-C). Errors go to stderr as one line, never a traceback;
results go to stdout.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._version import __version__
from .cli_io import UsageError, gather_inputs, make_output_safe, print_json, read_value
from .cli_lazy import OnlyNamed
from .cli_paging import add_arguments as add_paging_arguments
from .cli_paging import run_all
from .cli_publish import add_parsers, cmd_examples, cmd_package, cmd_publish
from .errors import ConnectorError, InputError, ManifestError
from .redaction import scrub

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Every option's default after its help (unless the help says it); examples as written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "(default" in text or action.default is argparse.SUPPRESS or not action.option_strings:
            return text
        if action.default is None:
            return f"{text} (default: none)"
        return f"{text} (default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> Any:  # one line, exit 2, as for every other usage error
        raise UsageError(message)


def _example(*lines: str) -> str:
    return "example:\n" + "\n".join(f"  prismatic-connector {line}" for line in lines)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; the emulator's options are described only when ``command`` is ``emulator``,
    so other commands never import the emulator's modules.
    """
    parser = _Parser(
        prog="prismatic-connector",
        description="Drive Prismatic's GraphQL API.",
        epilog=_example("invoke listInstances -i first=5", "demo"),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="-v logs the connector's records to stderr; -vv adds the HTTP library's",
    )
    sub: Any = OnlyNamed(
        parser.add_subparsers(dest="command", required=True, parser_class=_Parser),
        command,
        _COMMANDS,
    )

    actions = sub.add_parser("actions", help="list the actions", epilog=_example("actions --json"))
    actions.add_argument("--json", action="store_true", help="the whole manifest view as JSON")

    describe = sub.add_parser(
        "describe", help="show one action and its inputs", epilog=_example("describe listInstances")
    )
    describe.add_argument("key", help="the action's key or alias")

    invoke = sub.add_parser(
        "invoke",
        help="run one action and print its result as JSON",
        epilog=_example(
            "invoke getInstance -i instanceId=SW5zdGFuY2U6MQ==",
            "invoke importIntegration -i yamlDefinition=@integration.yml",
            "invoke rawRequest -i query=@- < query.graphql",
        ),
    )
    invoke.add_argument("key", help="the action's key or alias")
    invoke.add_argument(
        "--input",
        "-i",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="one input; VALUE @FILE reads a file, @- standard input, @@ a literal @",
    )
    invoke.add_argument(
        "--inputs-json", metavar="JSON|@FILE", help="inputs as a JSON object (@FILE, @- work too)"
    )
    _connection_options(invoke)
    invoke.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="deadline of the whole call, retries included (default: the connection's, 60 s)",
    )
    invoke.add_argument(
        "--retries",
        type=int,
        default=None,
        metavar="N",
        help="most retries after the first attempt (default: the connection's, 4)",
    )
    invoke.add_argument(
        "--wait", action="store_true", help="testFlow: wait for the execution and print it"
    )
    add_paging_arguments(invoke)
    invoke.add_argument(
        "-v", "--verbose", action="count", default=argparse.SUPPRESS, help="as above"
    )

    step = sub.add_parser(
        "step",
        help="run steps sent as JSON on stdin: the out-of-process step protocol",
        epilog=_example(
            'step <<< \'{"action": "listInstances", "inputs": {"first": 5}, '
            '"connection": {"apiKey": "...", "baseUrl": "https://app.prismatic.io"}}\'',
            "step --jsonl < requests.jsonl > answers.jsonl",
        ),
    )
    step.add_argument(
        "--jsonl", action="store_true", help="serve one request per line until stdin ends"
    )

    token = sub.add_parser(
        "token", help="manage the refresh token", epilog=_example("token revoke")
    )
    token_sub = token.add_subparsers(dest="token_command", required=True, parser_class=_Parser)
    revoke = token_sub.add_parser(
        "revoke",
        help="revoke the refresh token ($PRISM_REFRESH_TOKEN), and every one of its user",
        epilog=_example("token revoke --url https://app.prismatic.io"),
    )
    _connection_options(revoke)

    sub.add_parser(
        "check",
        help="check the manifest against the operations and the schema",
        epilog=_example("check"),
    )
    check_integration = sub.add_parser(
        "check-integration",
        help="check an integration definition's steps of this component",
        epilog=_example("check-integration integration.yml"),
    )
    check_integration.add_argument("file", help="the integration's YAML (- for standard input)")

    sub.add_parser(
        "demo",
        help="a session against an embedded emulator, through the actions",
        epilog=_example("demo"),
    )

    if command == "emulator":
        from .emulator.commands import add_parser

        add_parser(sub, _Formatter)
    else:
        sub.add_parser("emulator", help="run the local Prismatic API emulator", add_help=False)

    add_parsers(sub, _example, _connection_options)

    docs = sub.add_parser(
        "docs",
        help="write the connector reference from the manifest",
        epilog=_example("docs --check"),
    )
    docs.add_argument("--output", default=None, help="where to write (default: docs/connector.md)")
    docs.add_argument("--check", action="store_true", help="fail if the file is not current")

    completion = sub.add_parser(
        "completion",
        help="print the shell code that completes commands, actions and inputs",
        epilog='example:\n  eval "$(prismatic-connector completion bash)"  # in ~/.bashrc\n'
        '  eval "$(prismatic-connector completion zsh)"   # in ~/.zshrc, after compinit',
    )
    completion.add_argument("shell", choices=("bash", "zsh"), help="the shell to complete in")
    return parser


def _connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url", help="Prismatic base URL (default: $PRISMATIC_URL, else https://app.prismatic.io)"
    )
    parser.add_argument("--tenant-id", help="tenant to act in (default: $PRISMATIC_TENANT_ID)")


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
        return _fail("interrupted", EXIT_INTERRUPTED)
    return code


def _run(argv: Sequence[str] | None) -> int:
    if argv is None and "_ARGCOMPLETE" in os.environ:  # the shell asks what TAB offers
        from .cli_complete import complete

        return complete(build_parser)
    argv = list(sys.argv[1:] if argv is None else argv)
    # Global options take no value, so the first other word is the command.
    command = next((word for word in argv if not word.startswith("-")), None)
    try:
        args = build_parser(command).parse_args(argv)
        _configure_logging(args.verbose)
        return int(_COMMANDS[args.command](args))
    except UsageError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except (InputError, ManifestError) as exc:
        return _fail(str(exc), EXIT_USAGE)
    except ConnectorError as exc:
        return _fail(f"{type(exc).__name__}: {exc}", EXIT_FAILED)
    except (BrokenPipeError, KeyboardInterrupt):
        raise
    except Exception as exc:  # a bug must still end in one line, and with no secret in it
        secrets = [os.environ.get("PRISM_REFRESH_TOKEN")]
        return _fail(f"unexpected {type(exc).__name__}: {scrub(str(exc), secrets)}", EXIT_FAILED)


def _configure_logging(verbosity: int) -> None:
    if not verbosity:
        return
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    logging.getLogger("prismatic_connector").setLevel(logging.DEBUG)
    if verbosity > 1:
        logging.getLogger("urllib3").setLevel(logging.DEBUG)


def _fail(message: str, code: int) -> int:
    print(f"prismatic-connector: error: {' '.join(message.split())}", file=sys.stderr)
    return code


def _cmd_actions(args: argparse.Namespace) -> int:
    from .runner import load_component

    component = load_component()
    if args.json:
        from .cli_views import manifest_view

        print_json(manifest_view(component))
        return EXIT_OK
    width = max(len(a.key) for a in component.actions)
    for action in component.actions:
        print(f"{action.key.ljust(width)}  {action.label}")
    return EXIT_OK


def _cmd_describe(args: argparse.Namespace) -> int:
    from .cli_views import describe
    from .runner import load_component

    print("\n".join(describe(load_component(), args.key)))
    return EXIT_OK


def _cmd_invoke(args: argparse.Namespace) -> int:
    from .auth import Connection
    from .runner import load_component

    component = load_component()
    component.action(args.key)  # an unknown action is named before any input is read
    inputs = gather_inputs(args)
    if args.all:
        with Connection(tenant_id=args.tenant_id, base_url=args.url) as connection:
            return run_all(component, args.key, inputs, connection, args.format)
    with Connection(tenant_id=args.tenant_id, base_url=args.url) as connection:
        envelope = component.invoke(
            args.key,
            inputs,
            connection=connection,
            timeout=args.timeout,
            retries=args.retries,
            wait=args.wait,
        )
    print_json(envelope)
    return EXIT_OK


def _cmd_step(args: argparse.Namespace) -> int:
    from .runner import load_component
    from .step_protocol import serve_lines, serve_one

    component = load_component()
    if args.jsonl:
        return serve_lines(component, sys.stdin, sys.stdout)
    return serve_one(component, sys.stdin, sys.stdout)


def _cmd_token(args: argparse.Namespace) -> int:
    from .auth import Connection
    from .runner import load_component

    with Connection(tenant_id=args.tenant_id, base_url=args.url) as connection:
        load_component().revoke(connection)
    print(f"revoked: the refresh token no longer works at {connection.base_url}")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from .checks import check_component
    from .runner import load_component

    component = load_component()
    return _report(
        check_component(component),
        f"ok: {len(component.actions)} actions match their operations and the schema",
    )


def _cmd_check_integration(args: argparse.Namespace) -> int:
    from .integration_check import check_integration
    from .runner import load_component

    text = read_value("@" + args.file, "check-integration")
    return _report(
        check_integration(load_component(), text), f"ok: {args.file} uses the component soundly"
    )


def _report(findings: Sequence[object], ok: str) -> int:
    """Findings on stdout, one a line, and exit 1; else the ``ok`` line."""
    for finding in findings:
        print(finding)
    if findings:
        print(f"{len(findings)} problem(s) found", file=sys.stderr)
        return EXIT_FAILED
    print(ok)
    return EXIT_OK


def _cmd_docs(args: argparse.Namespace) -> int:
    from .docs import DOCS_PATH, render
    from .examples import read
    from .runner import load_component

    component = load_component()
    if component.bundle.installed and not args.output:
        # The installed copy is read-only data; the reference lives in a checkout.
        raise UsageError(
            "docs works on a checkout of the component; give --output to write elsewhere"
        )
    target = Path(args.output) if args.output else component.bundle.root / DOCS_PATH
    examples = {a.key: read(component, a.key) for a in component.actions}
    text = render(component.spec, examples=examples)
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


def _cmd_completion(args: argparse.Namespace) -> int:
    from .cli_complete import shell_code

    print(shell_code(args.shell), end="")
    return EXIT_OK


_COMMANDS = {
    "package": cmd_package,
    "examples": cmd_examples,
    "publish": cmd_publish,
    "actions": _cmd_actions,
    "describe": _cmd_describe,
    "invoke": _cmd_invoke,
    "step": _cmd_step,
    "token": _cmd_token,
    "check": _cmd_check,
    "check-integration": _cmd_check_integration,
    "docs": _cmd_docs,
    "demo": _cmd_demo,
    "emulator": _cmd_emulator,
    "completion": _cmd_completion,
}
