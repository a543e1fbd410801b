"""The connector's reference page, written from the manifest.

The layout follows Prismatic's published connector reference: the connection's
inputs, then each action's inputs as Input | Comments | Default. Comments that
the published reference got wrong are corrected here and listed at the end.
"""

from __future__ import annotations

from collections.abc import Sequence

from .manifest import ComponentSpec, InputSpec

DOCS_PATH = "docs/connector.md"


def render(spec: ComponentSpec, *, icon_link: str = "../assets/icon.png") -> str:
    lines = [
        "---",
        f"title: {spec.label} Connector",
        f"sidebar_label: {spec.label}",
        f"description: {spec.description}",
        "---",
        "",
        "<!-- Written by `prismatic-connector docs` from component.yaml. Do not edit by hand. -->",
        "",
        f"![{spec.label}]({icon_link}#connector-icon)",
        spec.description,
        "",
        f"Component key: `{spec.key}`",
        "",
    ]
    if spec.documentation:
        lines += [spec.documentation, ""]
    conn = spec.connection
    lines += [
        "## Connections",
        "",
        f"### {conn.label}",
        "",
        f"Key: `{conn.key}`",
        "",
        conn.comments,
        "",
    ]
    lines += _table(conn.inputs)
    lines += ["", "## Actions", ""]
    for action in sorted(spec.actions, key=lambda a: a.label):
        aliases = "".join(f" (alias: `{alias}`)" for alias in action.aliases)
        lines += [
            f"### {action.label}",
            "",
            f"{action.description} | key: `{action.key}`{aliases}",
            "",
        ]
        if action.notes:
            lines += [action.notes, ""]
        lines += _table(action.inputs)
        lines += [""]
    corrections = [
        (action.label, spec_)
        for action in sorted(spec.actions, key=lambda a: a.label)
        for spec_ in action.inputs
        if spec_.documented_comments
    ]
    if corrections:
        lines += [
            "## Corrections to the published reference",
            "",
            "Prismatic's published reference gives these inputs a comment copied from another",
            "input. This connector describes them as follows.",
            "",
        ]
        rows = [
            [label, spec_.label, _cell(spec_.documented_comments or ""), _cell(spec_.comments)]
            for label, spec_ in corrections
        ]
        lines += _grid(["Action", "Input", "Published comment", "Comment here"], rows)
        lines += [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _table(inputs: Sequence[InputSpec]) -> list[str]:
    rows = [[spec.label, _cell(spec.comments), _cell(_default(spec))] for spec in inputs]
    return _grid(["Input", "Comments", "Default"], rows)


def _default(spec: InputSpec) -> str:
    if spec.default is None:
        return ""
    if isinstance(spec.default, bool):
        return "true" if spec.default else "false"
    return str(spec.default).rstrip("\n")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br />")


def _grid(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        return "| " + " | ".join(padded) + " |"

    return [line(header), line(["-" * w for w in widths]), *(line(row) for row in rows)]
