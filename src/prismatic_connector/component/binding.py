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
import math
import reprlib
from collections.abc import Mapping
from typing import Any

from ..errors import InputError
from .manifest import ActionSpec, InputSpec

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}
# GraphQL's Int is a signed 32-bit integer.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
# Deeper JSON than this is refused rather than risk the recursion limit anywhere.
MAX_JSON_DEPTH = 64
# Integers in JSON values are kept to what every JSON parser reads back exactly enough.
MAX_JSON_INT_BITS = 1024


def bind(action: ActionSpec, given: Mapping[str, Any]) -> dict[str, Any]:
    """Every input that has a value, coerced, keyed by input key.

    The connection is not an input value and is not accepted here.
    """
    known = {spec.key for spec in action.value_inputs}
    unknown = sorted(str(key)[:60] for key in given if not isinstance(key, str) or key not in known)
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
        if raw is None or (isinstance(raw, str) and raw == ""):
            if spec.required:
                raise InputError(action.key, spec.key, f"is required ({_expected(spec)})")
            continue
        values[spec.key] = coerce(action.key, spec, raw)
    return values


def coerce(action: str, spec: InputSpec, raw: Any) -> Any:
    kind = spec.type
    if isinstance(raw, str) and not _valid_text(raw):
        raise InputError(action, spec.key, "is not valid Unicode text (it holds a lone surrogate)")
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
    elif kind == "integer":
        number = _integer(raw)
        if number is not None:
            if not INT_MIN <= number <= INT_MAX:
                raise InputError(
                    action, spec.key, f"expected an integer from {INT_MIN} to {INT_MAX}"
                )
            return number
    elif kind == "json":
        value = _parse_json(action, spec, raw) if isinstance(raw, str) else raw
        problem = json_problem(value)
        if problem:
            raise InputError(action, spec.key, f"expected a JSON value, but {problem}")
        return value
    elif isinstance(raw, str):
        return raw
    elif isinstance(raw, int) and not isinstance(raw, bool) and raw.bit_length() <= 64:
        # IDs and names typed as numbers by a runner are still meant as text.
        return str(raw)
    elif isinstance(raw, float) and math.isfinite(raw):
        return repr(raw)
    raise InputError(action, spec.key, f"expected {_expected(spec)}, got {_show(raw)}")


def json_problem(value: Any) -> str:
    """What keeps ``value`` from being sent as JSON, or "" if nothing does.

    Walks without recursion, and visits a container met twice (YAML anchors can
    share one many times) only once, so neither depth nor aliasing can blow up.
    """
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return f"it is nested deeper than {MAX_JSON_DEPTH} levels"
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if item.bit_length() > MAX_JSON_INT_BITS:
                return f"it holds an integer of more than {MAX_JSON_INT_BITS} bits"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return "it holds NaN or infinity, which JSON cannot carry"
        elif isinstance(item, str):
            if not _valid_text(item):
                return "it holds text with a lone surrogate (invalid Unicode)"
        elif isinstance(item, (dict, list, tuple)):
            if id(item) in seen:
                continue
            seen.add(id(item))
            if isinstance(item, dict):
                for key, child in item.items():
                    if not isinstance(key, str):
                        return f"it has a key that is not text ({type(key).__name__})"
                    stack.append((key, depth + 1))
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
        else:
            return f"it holds a {type(item).__name__}, which JSON cannot carry"
    return ""


def _parse_json(action: str, spec: InputSpec, raw: str) -> Any:
    problem = ""
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except ValueError as exc:
        problem = f"it does not parse: {exc}"
    except RecursionError:
        problem = f"it is nested deeper than {MAX_JSON_DEPTH} levels"
    raise InputError(action, spec.key, f"expected JSON, but {problem}")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _integer(raw: Any) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and len(raw) <= 40:
        try:
            return int(raw.strip(), 10)
        except ValueError:
            return None
    return None


def _valid_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
    """A short, safe picture of a value: never fails, whatever the value."""
    name = type(raw).__name__
    if isinstance(raw, int) and raw.bit_length() > 200:
        return f"{name} of {raw.bit_length()} bits"
    try:
        text = reprlib.repr(raw)
    except Exception:  # a hostile __repr__ must not replace the InputError
        return name
    return f"{name} {text[:60]}{'...' if len(text) > 60 else ''}"
