"""The component the emulator lists beside the built-in ones (the connector), as plain data.

The emulator never loads a component: it is handed what the seed needs, as
``Emulator(connector=...)``, by default ``data/connector.json`` (the component
this package ships, made from its manifest by ``authoring.emulator_seed``; a
test keeps the two the same). Its shape, where INPUT is ``{key, label, type,
required?, default?, comments?}``::

    {"key", "label", "description",
     "actions": [{"key", "label", "description", "inputs": [INPUT, ...]}, ...],
     "connection": {"key", "label", "comments"?, "inputs": [INPUT, ...]}}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

SHIPPED = "connector.json"
_KINDS = {str: "text", bool: "true or false"}


def shipped() -> dict[str, Any]:
    """The component this package ships, as the seed needs it."""
    text = resources.files(__package__).joinpath("data", SHIPPED).read_text(encoding="utf-8")
    return check(json.loads(text))


def check(connector: Any) -> dict[str, Any]:
    """A plain copy of ``connector`` with every field the seed reads; a ValueError names
    the first field that is missing or of the wrong type, and what was expected."""
    where = "connector"
    _mapping(connector, where)
    out = _texts(connector, where, "key", "label", "description")
    actions = connector.get("actions")
    if not isinstance(actions, (list, tuple)):
        raise ValueError(f"{where}.actions: expected a list of actions")
    out["actions"] = []
    for n, action in enumerate(actions):
        here = f"{where}.actions[{n}]"
        _mapping(action, here)
        made = _texts(action, here, "key", "label", "description")
        out["actions"].append({**made, "inputs": _inputs(action, here)})
    connection = connector.get("connection")
    here = f"{where}.connection"
    _mapping(connection, here)
    out["connection"] = {
        **_texts(connection, here, "key", "label"),
        "comments": _optional(connection, here, "comments", str, ""),
        "inputs": _inputs(connection, here),
    }
    return out


def _mapping(value: Any, where: str) -> None:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected a mapping, got {type(value).__name__}")


def _texts(value: Mapping[str, Any], where: str, *names: str) -> dict[str, Any]:
    for name in names:
        if not isinstance(value.get(name), str):
            raise ValueError(f"{where}.{name}: expected text")
    return {name: value[name] for name in names}


def _optional(value: Mapping[str, Any], where: str, name: str, kind: type, default: Any) -> Any:
    found = value.get(name, default)
    if found is not None and not isinstance(found, kind):
        raise ValueError(f"{where}.{name}: expected {_KINDS[kind]}, got {found!r}")
    return default if found is None else found


def _inputs(owner: Mapping[str, Any], where: str) -> list[dict[str, Any]]:
    inputs = owner.get("inputs", [])
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(f"{where}.inputs: expected a list of inputs")
    out = []
    for n, spec in enumerate(inputs):
        here = f"{where}.inputs[{n}]"
        _mapping(spec, here)
        default = spec.get("default")
        if default is not None and not isinstance(default, (str, bool, int)):
            raise ValueError(f"{here}.default: expected text, true/false or a whole number")
        out.append(
            {
                **_texts(spec, here, "key", "label", "type"),
                "required": _optional(spec, here, "required", bool, False),
                "default": default,
                "comments": _optional(spec, here, "comments", str, ""),
            }
        )
    return out
