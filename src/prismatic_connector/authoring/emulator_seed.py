"""The component as the emulator seeds it, made from the manifest: ``emulator/data/connector.json``.

The emulator never loads a component (it runs without the connector's runtime),
so the shipped one is committed as plain data beside it. After a change to the
manifest, ``python -m prismatic_connector.authoring.emulator_seed`` writes the
file again; ``--check`` only says whether it is current, as a test does.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..component.manifest import ComponentSpec, InputSpec

SEED_FILE = Path(__file__).resolve().parents[1] / "emulator" / "data" / "connector.json"


def connector_seed(spec: ComponentSpec) -> dict[str, Any]:
    """What ``Emulator(connector=...)`` takes for the component ``spec``."""
    connection = spec.connection
    return {
        "key": spec.key,
        "label": spec.label,
        "description": spec.description,
        "actions": [
            {
                "key": action.key,
                "label": action.label,
                "description": action.description,
                "inputs": [_input(i) for i in action.inputs],
            }
            for action in spec.actions
        ],
        "connection": {
            "key": connection.key,
            "label": connection.label,
            "comments": connection.comments,
            "inputs": [_input(i) for i in connection.inputs],
        },
    }


def _input(spec: InputSpec) -> dict[str, Any]:
    return {
        "key": spec.key,
        "label": spec.label,
        "type": spec.type,
        "required": spec.required,
        "default": spec.default,
        "comments": spec.comments,
    }


def render(spec: ComponentSpec) -> str:
    """The text of the seed file for ``spec``."""
    return json.dumps(connector_seed(spec), indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    from ..component.runner import load_component

    parser = argparse.ArgumentParser(
        prog="python -m prismatic_connector.authoring.emulator_seed",
        description="Write the emulator's copy of the shipped component from its manifest.",
    )
    parser.add_argument("--check", action="store_true", help="only say whether it is current")
    parser.add_argument("--path", type=Path, default=SEED_FILE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    text = render(load_component().spec)
    try:
        current = args.path.read_text(encoding="utf-8") == text
    except OSError:
        current = False
    if args.check:
        if not current:
            _error(f"{args.path} is out of date: run {parser.prog}")
        return 0 if current else 1
    if not current:
        try:
            args.path.write_text(text, encoding="utf-8")
        except OSError as exc:
            _error(f"cannot write {args.path} ({exc.strerror})")
            return 1
        print(f"wrote {args.path}")
    return 0


def _error(message: str) -> None:
    print(f"prismatic-connector: error: {message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
