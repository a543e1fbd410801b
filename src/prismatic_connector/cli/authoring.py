"""The commands for a component's author: ``check``, ``check-integration``, ``docs``,
``package``, ``examples``, ``publish`` and ``demo``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .shared import (
    ENVIRONMENT,
    EXIT_FAILED,
    EXIT_OK,
    Command,
    Subcommands,
    UsageError,
    call_options,
    connection_options,
    example,
    print_json,
    read_value,
)


def add_parsers(sub: Subcommands) -> dict[str, Command]:
    sub.add_parser(
        "check",
        help="check the manifest against the operations and the schema",
        epilog=example("check"),
    )
    check_integration = sub.add_parser(
        "check-integration",
        help="check an integration definition's steps of this component",
        epilog=example("check-integration integration.yml"),
    )
    check_integration.add_argument("file", help="the integration's YAML (- for standard input)")
    docs = sub.add_parser(
        "docs",
        help="write the connector reference from the manifest",
        epilog=example("docs --check"),
    )
    docs.add_argument("--output", default=None, help="where to write (default: docs/connector.md)")
    docs.add_argument("--check", action="store_true", help="fail if the file is not current")
    _bundle_parsers(sub)
    sub.add_parser(
        "demo",
        help="a session against an embedded emulator, through the actions",
        epilog=example("demo"),
    )
    return {
        "check": cmd_check,
        "check-integration": cmd_check_integration,
        "docs": cmd_docs,
        "package": cmd_package,
        "examples": cmd_examples,
        "publish": cmd_publish,
        "demo": cmd_demo,
    }


def _bundle_parsers(sub: Subcommands) -> None:
    package = sub.add_parser(
        "package",
        help="build the component's bundle (a reproducible zip) and print its SHA-1",
        epilog=example("package", "package --output build/prismatic.zip"),
    )
    package.add_argument(
        "--output", default=None, help="where to write (default: dist/prismatic-<version>.zip)"
    )

    examples = sub.add_parser(
        "examples",
        help="write each action's example payload (queries/<key>.example.json) from an"
        " embedded emulator",
        epilog=example("examples", "examples --check"),
    )
    examples.add_argument(
        "--check", action="store_true", help="fail if a written payload is not what is answered"
    )

    publish = sub.add_parser(
        "publish",
        help="publish the component to a registry (Prismatic, or the emulator)",
        epilog=example(
            'publish --comment "Adds listFlows paging"',
            "publish --skip-on-signature-match",
            "publish --dry-run",
        )
        + f"\n\n{ENVIRONMENT}",
    )
    publish.add_argument("--comment", default=None, help="the version's comment")
    publish.add_argument("--customer", default=None, help="publish for this customer's ID only")
    publish.add_argument(
        "--skip-on-signature-match",
        action="store_true",
        help="do nothing when the registry already has this exact package",
    )
    publish.add_argument(
        "--dry-run",
        action="store_true",
        help="print publishComponent's input and publish nothing; show the package's SHA-1 and,"
        " with $PRISM_REFRESH_TOKEN set, ask the registry (read-only) whether it would skip it",
    )
    connection_options(publish)
    call_options(publish)


def cmd_check(args: argparse.Namespace) -> int:
    from ..authoring.checks import check_component
    from ..component.runner import load_component

    component = load_component()
    return _report(
        check_component(component),
        f"ok: {len(component.actions)} actions match their operations and the schema",
    )


def cmd_check_integration(args: argparse.Namespace) -> int:
    from ..authoring.integration_check import check_integration
    from ..component.runner import load_component

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


def cmd_docs(args: argparse.Namespace) -> int:
    from ..authoring.docs import DOCS_PATH, render
    from ..authoring.examples import read
    from ..component.runner import load_component

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


def _component() -> Any:
    from ..component.runner import load_component

    return load_component()


def cmd_package(args: argparse.Namespace) -> int:
    from ..authoring import packaging

    made = packaging.write(_component().bundle, Path(args.output) if args.output else None)
    print(made.path)
    print(f"SHA-1 {made.sha1}")
    return EXIT_OK


def cmd_publish(args: argparse.Namespace) -> int:
    from ..authoring import packaging, publishing
    from ..connection import Connection

    component = _component()
    attributes = publishing.git_attributes(component.bundle.root)
    variables = publishing.publish_variables(
        component, comment=args.comment, customer=args.customer, attributes=attributes
    )
    if args.dry_run:
        print_json(variables)
        return _dry_run(component, args)
    package = packaging.build(component.bundle)
    with Connection(tenant_id=args.tenant_id, base_url=args.url) as connection:
        done = publishing.publish(
            component,
            connection,
            variables,
            package,
            skip_on_signature_match=args.skip_on_signature_match,
            confirm=_ask if sys.stdin.isatty() and sys.stderr.isatty() else None,
            timeout=args.timeout,
            retries=args.retries,
        )
    if done.skipped:
        print(f"Skipped: the registry already has this package (SHA-1 {done.sha1})")
        return EXIT_OK
    print(f"Successfully submitted {component.spec.label} (v{done.version})! SHA-1 {done.sha1}")
    return EXIT_OK


def _dry_run(component: Any, args: argparse.Namespace) -> int:
    """After the JSON: the package's SHA-1, and what the registry would do with it, on stderr."""
    from ..authoring import packaging, publishing
    from ..connection import Connection

    # The JSON on stdout comes first, also when both streams go to one terminal.
    sys.stdout.flush()
    sha1 = packaging.sha1(packaging.build(component.bundle))
    print(f"SHA-1 {sha1}", file=sys.stderr)
    if not os.environ.get("PRISM_REFRESH_TOKEN"):
        print(
            "registry not asked: no refresh token; set PRISM_REFRESH_TOKEN to ask it (read-only)"
            " whether publish would skip this package",
            file=sys.stderr,
        )
        return EXIT_OK
    with Connection(tenant_id=args.tenant_id, base_url=args.url) as connection:
        latest = publishing.latest_signature(
            component, connection, timeout=args.timeout, retries=args.retries
        )
    where, key = f"registry {connection.base_url}", component.spec.key
    if latest is None:
        verdict = f"has no version of {key}; publish would send a new version"
    elif latest.signature == sha1:
        verdict = (
            f"already has this exact package as version {latest.version};"
            " publish --skip-on-signature-match would skip it"
        )
    else:
        verdict = (
            f"its latest version of {key} is {latest.version}, another package;"
            " publish would send a new version"
        )
    print(f"{where}: {verdict}", file=sys.stderr)
    return EXIT_OK


def _ask(question: str) -> bool:
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def cmd_examples(args: argparse.Namespace) -> int:
    from ..authoring import examples

    component = _component()
    if component.bundle.installed:
        raise UsageError(
            "examples are written into a checkout of the component; this is an installed copy"
        )
    fresh = examples.generate(component)
    if args.check:
        stale = [
            key
            for key, text in fresh.items()
            if not examples.path(component, key).is_file()
            or examples.path(component, key).read_text(encoding="utf-8") != text
        ]
        for key in stale:
            print(f"{examples.path(component, key)} is not what {key} answers")
        if stale:
            print("run `prismatic-connector examples`", file=sys.stderr)
            return EXIT_FAILED
        print(f"{len(fresh)} example payloads are current")
        return EXIT_OK
    for key, text in fresh.items():
        examples.path(component, key).write_text(text, encoding="utf-8")
    print(f"wrote {len(fresh)} example payloads to {component.bundle.root / 'queries'}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from ..authoring.demo import run

    return run(sys.stdout)
