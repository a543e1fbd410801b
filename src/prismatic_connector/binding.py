"""Inputs to GraphQL variables: defaults, coercion, and unset kept apart from null.

The rules, in the order they apply to each input of an action:

* not given at all: the manifest default applies, if there is one;
* given as ``None`` or an empty string: no value, and no default either. This is
  how a runner says "don't filter" for a boolean filter that has a default;
* given: coerced to the input's declared type. Strings from a runner or the
  command line become booleans ("true"/"false"), integers or JSON.

An input without a value is left out of ``variables``; it is never sent as null.
A required input without a value, or a value that cannot be coerced, is an
``InputError`` that names the action, the input and what was expected.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .errors import InputError
from .manifest import ActionSpec, InputSpec

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def bind(action: ActionSpec, given: Mapping[str, Any]) -> dict[str, Any]:
    """Every input that has a value, coerced, keyed by input key.

    The connection is not an input value and is not accepted here.
    """
    known = {spec.key for spec in action.value_inputs}
    unknown = sorted(set(given) - known)
    if unknown:
        valid = ", ".join(sorted(known)) or "none"
        raise InputError(
            action.key, unknown[0], f"is not an input of this action (inputs: {valid})"
        )
    values: dict[str, Any] = {}
    for spec in action.value_inputs:
        if spec.key in given:
            raw = given[spec.key]
        elif spec.has_default:
            raw = spec.default
        else:
            raw = None
        if raw is None or raw == "":
            if spec.required:
                raise InputError(action.key, spec.key, f"is required ({_expected(spec)})")
            continue
        values[spec.key] = coerce(action.key, spec, raw)
    return values


def coerce(action: str, spec: InputSpec, raw: Any) -> Any:
    kind = spec.type
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
    elif kind == "integer":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            try:
                return int(raw.strip(), 10)
            except ValueError:
                pass
    elif kind == "json":
        if isinstance(raw, str):
            try:
                return json.loads(raw)
            except ValueError as exc:
                raise InputError(
                    action, spec.key, f"expected JSON, but it does not parse: {exc}"
                ) from exc
        if isinstance(raw, (dict, list, int, float, bool)):
            return raw
    elif isinstance(raw, str):
        return raw
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        # IDs and names typed as numbers by a runner are still meant as text.
        return str(raw)
    raise InputError(action, spec.key, f"expected {_expected(spec)}, got {_show(raw)}")


def _expected(spec: InputSpec) -> str:
    return {
        "boolean": 'a boolean (true or false, or the text "true"/"false")',
        "integer": "an integer",
        "json": "a JSON value or JSON text",
        "code": "a text value",
        "string": "a text value",
        "connection": "a connection",
    }[spec.type]


def _show(raw: Any) -> str:
    text = repr(raw)
    return f"{type(raw).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"
