"""The manifest as the command line shows it: ``actions --json``."""

from __future__ import annotations

import json
from typing import Any

from ..authoring.examples import read
from ..component.manifest import ActionSpec, InputSpec


def manifest_view(component: Any) -> dict[str, Any]:
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
        "actions": [
            {**_action_view(a), "examplePayload": read(component, a.key)} for a in spec.actions
        ],
    }


def _action_view(action: ActionSpec) -> dict[str, Any]:
    return {
        "key": action.key,
        "aliases": list(action.aliases),
        "label": action.label,
        "description": action.description,
        "notes": action.notes,
        "addedByConnector": action.added,
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


def describe(component: Any, key: str) -> list[str]:
    """``describe KEY``: the action, its inputs, and its example payload."""
    action = component.action(key)
    lines = [f"{action.label} ({action.key})"]
    if action.aliases:
        lines.append(f"aliases: {', '.join(action.aliases)}")
    lines.append(action.description)
    if action.added:
        lines.append("(added by this connector: not a documented action of the component)")
    if action.notes:
        lines += ["", action.notes]
    lines.append("")
    for spec in action.inputs:
        flags = [spec.type, "required" if spec.required else "optional"]
        if spec.has_default:
            default = (
                json.dumps(spec.default) if not isinstance(spec.default, str) else spec.default
            )
            flags.append(f"default: {' '.join(default.split())}")
        lines.append(f"  {spec.key}  ({', '.join(flags)})  {spec.label}")
        if spec.comments:
            lines.append(f"      {spec.comments}")
    example = read(component, action.key)
    if example is not None:
        lines += ["", "example payload:", json.dumps(example, indent=2, ensure_ascii=False)]
    return lines
