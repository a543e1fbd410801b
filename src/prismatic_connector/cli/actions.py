"""The action commands: ``actions``, ``describe``, ``invoke`` and ``token``."""

from __future__ import annotations

import argparse
import sys

from ..errors import PayloadError
from .shared import (
    EXIT_OK,
    Command,
    Parser,
    Subcommands,
    call_options,
    connection_options,
    example,
    example_env,
    gather_inputs,
    print_json,
    wait_watcher,
)


def add_parsers(sub: Subcommands) -> dict[str, Command]:
    actions = sub.add_parser("actions", help="list the actions", epilog=example("actions --json"))
    actions.add_argument("--json", action="store_true", help="the whole manifest view as JSON")

    describe = sub.add_parser(
        "describe", help="show one action and its inputs", epilog=example("describe listInstances")
    )
    describe.add_argument("key", help="the action's key or alias")
    _invoke_parser(sub)

    token = sub.add_parser(
        "token",
        help="revoke the refresh token, so that it stops working",
        description="Manage the refresh token that $PRISM_REFRESH_TOKEN holds.",
        epilog=example_env("token revoke"),
    )
    token_sub = token.add_subparsers(dest="token_command", required=True, parser_class=Parser)
    revoke = token_sub.add_parser(
        "revoke",
        help="revoke the refresh token in $PRISM_REFRESH_TOKEN, with every other refresh token"
        " of the same user",
        epilog=example_env("token revoke --url https://app.prismatic.io"),
    )
    connection_options(revoke)
    return {"actions": _actions, "describe": _describe, "invoke": _invoke, "token": _token}


def _invoke_parser(sub: Subcommands) -> None:
    invoke = sub.add_parser(
        "invoke",
        help="run one action and print its result as JSON",
        epilog=example_env(
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
    connection_options(invoke)
    call_options(invoke)
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
    invoke.add_argument(
        "--all", action="store_true", help="list actions: every node, page by page, as JSON lines"
    )
    invoke.add_argument(
        "--format",
        choices=("lines", "envelope"),
        default="lines",
        help="with --all: a JSON line per node, or one envelope holding every node",
    )
    invoke.add_argument(
        "-v", "--verbose", action="count", default=argparse.SUPPRESS, help="as above"
    )


def _actions(args: argparse.Namespace) -> int:
    from ..component.runner import load_component

    component = load_component()
    if args.json:
        from .views import manifest_view

        print_json(manifest_view(component))
        return EXIT_OK
    width = max(len(a.key) for a in component.actions)
    for action in component.actions:
        added = "  (added by this connector)" if action.added else ""
        print(f"{action.key.ljust(width)}  {action.label}{added}")
    return EXIT_OK


def _describe(args: argparse.Namespace) -> int:
    from ..component.runner import load_component
    from .views import describe

    print("\n".join(describe(load_component(), args.key)))
    return EXIT_OK


def _invoke(args: argparse.Namespace) -> int:
    from ..component.runner import load_component
    from ..connection import Connection

    component = load_component()
    component.action(args.key)  # an unknown action is named before any input is read
    inputs = gather_inputs(args)
    if args.all:
        from .listing import run_all

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


def _token(args: argparse.Namespace) -> int:
    from ..component.runner import load_component
    from ..connection import Connection

    with Connection(tenant_id=args.tenant_id, base_url=args.url) as connection:
        load_component().revoke(connection)
    print(f"revoked: the refresh token no longer works at {connection.base_url}")
    return EXIT_OK
