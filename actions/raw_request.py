"""rawRequest: send the user's own GraphQL document with the user's variables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prismatic_connector.hooks import InputError, Request


def prepare(request: Request) -> Request:
    return request.with_(
        query=request.inputs["query"],
        variables=_variables(request.action, request.inputs.get("variables")),
    )


def _variables(action: str, raw: Any) -> dict[str, Any]:
    """A JSON object as is; Prismatic's YAML list of {name, value} pairs as an object."""
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return dict(raw)
    if isinstance(raw, list) and all(isinstance(p, Mapping) and "name" in p for p in raw):
        return {str(pair["name"]): pair.get("value") for pair in raw}
    raise InputError(
        action,
        "variables",
        "expected a JSON object, or a list of {name, value} pairs",
    )
