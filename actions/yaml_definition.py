"""importIntegration: refuse a YAML definition that does not parse, before sending it."""

from __future__ import annotations

import yaml

from prismatic_connector.hooks import InputError, Request


def prepare(request: Request) -> Request:
    text = request.inputs["yamlDefinition"]
    try:
        definition = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "it does not parse"
        raise InputError(
            request.action, "yamlDefinition", f"invalid YAML{where}: {problem}"
        ) from exc
    if not isinstance(definition, dict):
        raise InputError(
            request.action,
            "yamlDefinition",
            "expected a YAML mapping with the integration's definition "
            f"(definitionVersion, name, flows...), got {type(definition).__name__}",
        )
    # The API takes the YAML text itself; it was parsed only to catch mistakes early.
    return request
