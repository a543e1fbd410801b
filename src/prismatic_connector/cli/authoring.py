"""The commands for a component's author: ``check``, ``check-integration`` and ``docs``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..component.failures import EXIT_FAILED, EXIT_OK
from .shared import UsageError, read_value


def add_parsers(sub: Any, example: Callable[..., str]) -> None:
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
