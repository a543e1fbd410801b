"""importIntegration: refuse a YAML definition that does not parse, before sending it."""

from __future__ import annotations

from typing import Any

from prismatic_connector.component.hooks import InputError, Request, json_problem, load_yaml

INPUT = "yamlDefinition"


def prepare(request: Request) -> Request:
    definition = load_yaml(request.inputs[INPUT], action=request.action, input=INPUT)
    if not isinstance(definition, dict):
        raise InputError(
            request.action,
            INPUT,
            "expected a YAML mapping with the integration's definition "
            f"(definitionVersion, name, flows...), got {type(definition).__name__}",
        )
    # Dates and scalar keys are ordinary in YAML; everything else must be plain data.
    problem = json_problem(_as_json_data(definition))
    if problem:
        raise InputError(request.action, INPUT, f"expected plain YAML data, but {problem}")
    # The API takes the YAML text itself; it was parsed only to catch mistakes early.
    return request


def _as_json_data(value: Any) -> Any:
    import datetime

    seen: dict[int, Any] = {}

    def convert(item: Any, depth: int) -> Any:
        if isinstance(item, (datetime.date, datetime.datetime)):
            return item.isoformat()
        if depth > 80 or not isinstance(item, (dict, list)):
            return item
        if id(item) in seen:
            return seen[id(item)]
        if isinstance(item, dict):
            out: Any = {}
            seen[id(item)] = out
            for key, child in item.items():
                if key is None or isinstance(key, (bool, int, float)):
                    key = str(key)
                out[convert(key, depth + 1)] = convert(child, depth + 1)
            return out
        out = []
        seen[id(item)] = out
        out.extend(convert(child, depth + 1) for child in item)
        return out

    return convert(value, 0)
