"""The command line: a thin layer over the public API.

Exit status: 0 success, 1 the action (or the check) failed, a mutation included that
Prismatic refused with payload errors, 2 bad usage or input (nothing was sent, a
missing refresh token included), 130 interrupted (Ctrl-C). Errors go to stderr as
one line, never a traceback; results go to stdout.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from .._version import __version__
from ..component.failures import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, exit_status
from ..errors import (
    ConfigurationError,
    ConnectorError,
    InputError,
    ManifestError,
    PayloadError,
)
from ..redaction import scrub
from .authoring import add_parsers as add_authoring_parsers
from .authoring import cmd_check, cmd_check_integration, cmd_docs
from .lazy import OnlyNamed
from .paging import add_arguments as add_paging_arguments
from .paging import run_all
from .publishing import add_parsers, cmd_examples, cmd_package, cmd_publish
from .shared import (
    ENVIRONMENT,
    UsageError,
    gather_inputs,
    make_output_safe,
    print_json,
    wait_watcher,
)


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


def _example_env(*lines: str) -> str:
    """The examples, then the environment variables a command that calls the API reads."""
    return f"{_example(*lines)}\n\n{ENVIRONMENT}"


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
        epilog=_example_env(
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
        "--wait",
        action="store_true",
        help="testFlow: wait for the execution and print it (its status on stderr meanwhile,"
        " on a terminal)",
    )
    invoke.add_argument(
        "--allow-payload-errors",
        action="store_true",
        help="exit 0 when Prismatic refuses a mutation with payload errors (default: exit 1)",
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
        )
        + "\n\na request's connection values come first; what they leave out is read from the"
        + f" environment.\n\n{ENVIRONMENT}",
    )
    step.add_argument(
        "--jsonl", action="store_true", help="serve one request per line until stdin ends"
    )

    token = sub.add_parser(
        "token",
        help="revoke the refresh token, so that it stops working",
        description="Manage the refresh token that $PRISM_REFRESH_TOKEN holds.",
        epilog=_example_env("token revoke"),
    )
    token_sub = token.add_subparsers(dest="token_command", required=True, parser_class=_Parser)
    revoke = token_sub.add_parser(
        "revoke",
        help="revoke the refresh token in $PRISM_REFRESH_TOKEN, with every other refresh token"
        " of the same user",
        epilog=_example_env("token revoke --url https://app.prismatic.io"),
    )
    _connection_options(revoke)

    add_authoring_parsers(sub, _example)
    sub.add_parser(
        "demo",
        help="a session against an embedded emulator, through the actions",
        epilog=_example("demo"),
    )

    if command == "emulator":
        from .emulator import add_parser

        add_parser(sub, _Formatter)
    else:
        sub.add_parser("emulator", help="run the local Prismatic API emulator", add_help=False)

    add_parsers(sub, _example, _connection_options)

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
        from .complete import complete

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
    except ConnectorError as exc:
        return _fail(_described(exc), exit_status(exc))
    except (BrokenPipeError, KeyboardInterrupt):
        raise
    except Exception as exc:  # a bug must still end in one line, and with no secret in it
        secrets = [os.environ.get("PRISM_REFRESH_TOKEN")]
        return _fail(f"unexpected {type(exc).__name__}: {scrub(str(exc), secrets)}", EXIT_FAILED)


# The settings the command line takes as options, by the options' names.
_FLAGS = {"timeout": "--timeout", "retries": "--retries", "base_url": "--url"}


def _described(exc: ConnectorError) -> str:
    """A setting by its option; an input's or the manifest's own message; others by kind."""
    if isinstance(exc, ConfigurationError):
        return f"{_FLAGS.get(exc.setting, exc.setting)}: {exc.problem}"
    if isinstance(exc, (InputError, ManifestError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


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
    from ..component.runner import load_component

    component = load_component()
    if args.json:
        from .views import manifest_view

        print_json(manifest_view(component))
        return EXIT_OK
    width = max(len(a.key) for a in component.actions)
    for action in component.actions:
        print(f"{action.key.ljust(width)}  {action.label}")
    return EXIT_OK


def _cmd_describe(args: argparse.Namespace) -> int:
    from ..component.runner import load_component
    from .views import describe

    print("\n".join(describe(load_component(), args.key)))
    return EXIT_OK


def _cmd_invoke(args: argparse.Namespace) -> int:
    from ..component.runner import load_component
    from ..connection import Connection

    component = load_component()
    component.action(args.key)  # an unknown action is named before any input is read
    inputs = gather_inputs(args)
    if args.all:
        with Connection(tenant_id=args.tenant_id, base_url=args.url) as connection:
            return run_all(component, args.key, inputs, connection, args.format)
    with Connection(tenant_id=args.tenant_id, base_url=args.url) as connection:
        try:
            envelope = component.invoke(
                args.key,
                inputs,
                connection=connection,
                timeout=args.timeout,
                retries=args.retries,
                wait=args.wait,
                raise_on_payload_errors=not args.allow_payload_errors,
                on_wait=wait_watcher(args.key, sys.stderr) if args.wait else None,
            )
        except PayloadError as exc:
            print_json(exc.envelope)  # the refusal is the result too: a script may read it
            raise
    print_json(envelope)
    return EXIT_OK


def _cmd_step(args: argparse.Namespace) -> int:
    from ..component.runner import load_component
    from .step import serve_lines, serve_one

    component = load_component()
    if args.jsonl:
        return serve_lines(component, sys.stdin, sys.stdout)
    return serve_one(component, sys.stdin, sys.stdout)


def _cmd_token(args: argparse.Namespace) -> int:
    from ..component.runner import load_component
    from ..connection import Connection

    with Connection(tenant_id=args.tenant_id, base_url=args.url) as connection:
        load_component().revoke(connection)
    print(f"revoked: the refresh token no longer works at {connection.base_url}")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from ..authoring.demo import run

    return run(sys.stdout)


def _cmd_emulator(args: argparse.Namespace) -> int:
    from .emulator import run

    return run(args)


def _cmd_completion(args: argparse.Namespace) -> int:
    from .complete import shell_code

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
    "check": cmd_check,
    "check-integration": cmd_check_integration,
    "docs": cmd_docs,
    "demo": _cmd_demo,
    "emulator": _cmd_emulator,
    "completion": _cmd_completion,
}
