"""The manifest as the command line shows it: ``actions --json``."""

from __future__ import annotations

from typing import Any

from .manifest import ActionSpec, InputSpec


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
