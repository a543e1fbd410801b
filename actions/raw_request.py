"""rawRequest: send the user's own GraphQL document with the user's variables.

The document is parsed before sending: a syntax error is refused with its line
and column, and whether it is a mutation decides what may be retried.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prismatic_connector.component.hooks import InputError, Request, parse_document

PAIRS = "a JSON object, or a list of {name, value} pairs"


def prepare(request: Request) -> Request:
    operation = parse_document(request.inputs["query"], "rawRequest", action=request.action)
    return request.with_(
        query=request.inputs["query"],
        variables=_variables(request.action, request.inputs.get("variables")),
        operation=operation,
    )


def _variables(action: str, raw: Any) -> dict[str, Any]:
    """A JSON object as is; Prismatic's YAML list of {name, value} pairs as an object."""
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return dict(raw)
    if isinstance(raw, (list, tuple)) and all(_is_pair(p) for p in raw):
        names = [pair["name"] for pair in raw]
        if len(set(names)) != len(names):
            raise InputError(action, "variables", f"names a variable twice; expected {PAIRS}")
        return {pair["name"]: pair.get("value") for pair in raw}
    raise InputError(action, "variables", f"expected {PAIRS}")


def _is_pair(item: Any) -> bool:
    return isinstance(item, Mapping) and isinstance(item.get("name"), str) and bool(item["name"])
