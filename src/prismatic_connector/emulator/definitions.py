"""Integration YAML definitions (``definitionVersion`` 7): check, normalise, export.

Like the real API, the emulator stores a normalised definition: component
versions given as LATEST become the component's current version, and omitted
flow settings get their defaults, so an export is not byte-identical to the
import.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml

CURRENT_VERSION = 7
SUPPORTED_VERSIONS = {6, 7}
FLOW_DEFAULTS: dict[str, Any] = {
    "description": "",
    "isSynchronous": False,
    "endpointSecurityType": "customer_optional",
    "retryConfig": {"maxAttempts": 0, "delayMinutes": 0, "usesExponentialBackoff": False},
}
SECURITY_TYPES = {"customer_optional", "customer_required", "organization", "unsecured"}


class DefinitionError(Exception):
    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("; ".join(messages))


def parse(text: str, component_version: Callable[[str], int | None]) -> dict[str, Any]:
    """The normalised definition; ``DefinitionError`` lists every problem found."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DefinitionError(
            [f"Invalid YAML{where}: {getattr(exc, 'problem', None) or exc}"]
        ) from None
    if not isinstance(data, dict):
        raise DefinitionError(["The definition must be a YAML mapping."])
    problems: list[str] = []
    version = data.get("definitionVersion")
    if version not in SUPPORTED_VERSIONS:
        problems.append(
            f"definitionVersion must be one of {sorted(SUPPORTED_VERSIONS)}, not {version!r}."
        )
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        problems.append("name is required.")
    flows = data.get("flows")
    if not isinstance(flows, list) or not flows:
        problems.append("flows must list at least one flow.")
        flows = []
    names: set[str] = set()
    for n, flow in enumerate(flows):
        problems += _check_flow(n, flow, names, component_version)
    for n, var in enumerate(data.get("requiredConfigVars") or []):
        if not isinstance(var, dict) or not var.get("key"):
            problems.append(f"requiredConfigVars[{n}]: key is required.")
            continue
        component = (var.get("connection") or {}).get("component")
        if isinstance(component, dict):
            _pin_version(component, component_version)
        if var.get("collectionType") and isinstance(var.get("defaultValue"), (list, dict)):
            # Prismatic keeps a collection's default as a JSON string, and exports it so.
            var["defaultValue"] = json.dumps(var["defaultValue"])
    if problems:
        raise DefinitionError(problems)
    data["definitionVersion"] = CURRENT_VERSION
    data.setdefault("description", "")
    data["labels"] = [str(label).lower() for label in data.get("labels") or []]
    data.setdefault("requiredConfigVars", [])
    data.setdefault("configPages", [])
    return data


def _check_flow(
    n: int, flow: Any, names: set[str], component_version: Callable[[str], int | None]
) -> list[str]:
    where = f"flows[{n}]"
    if not isinstance(flow, dict):
        return [f"{where} must be a mapping."]
    problems = []
    name = flow.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}: name is required.")
    elif name in names:
        problems.append(f"{where}: flow name {name!r} is used twice.")
    else:
        names.add(name)
    for key, value in FLOW_DEFAULTS.items():
        flow.setdefault(key, value if not isinstance(value, dict) else dict(value))
    if flow["endpointSecurityType"] not in SECURITY_TYPES:
        problems.append(f"{where}: endpointSecurityType must be one of {sorted(SECURITY_TYPES)}.")
    steps = flow.get("steps")
    if not isinstance(steps, list) or not steps:
        return [*problems, f"{where}: steps must list at least the trigger."]
    for s, step in enumerate(steps):
        problems += _check_step(f"{where}.steps[{s}]", step, component_version)
    if isinstance(steps[0], dict) and not steps[0].get("isTrigger"):
        problems.append(f"{where}.steps[0]: the first step must be the trigger (isTrigger: true).")
    return problems


def _check_step(where: str, step: Any, component_version: Callable[[str], int | None]) -> list[str]:
    if not isinstance(step, dict):
        return [f"{where} must be a mapping."]
    problems = []
    if not step.get("name"):
        problems.append(f"{where}: name is required.")
    action = step.get("action")
    component = action.get("component") if isinstance(action, dict) else None
    if not isinstance(action, dict) or not action.get("key") or not isinstance(component, dict):
        return [*problems, f"{where}: action needs a key and a component."]
    _pin_version(component, component_version)
    for branch in step.get("branches") or []:
        for s, inner in enumerate(branch.get("steps") or [] if isinstance(branch, dict) else []):
            problems += _check_step(f"{where}.branches.steps[{s}]", inner, component_version)
    for s, inner in enumerate(step.get("steps") or []):
        problems += _check_step(f"{where}.steps[{s}]", inner, component_version)
    return problems


def _pin_version(component: dict[str, Any], component_version: Callable[[str], int | None]) -> None:
    """LATEST becomes the component's current version, as the real API stores it."""
    if component.get("version") in (None, "LATEST"):
        found = component_version(str(component.get("key")))
        if found is not None:
            component["version"] = found


def dump(definition: dict[str, Any]) -> str:
    return yaml.safe_dump(definition, sort_keys=False, allow_unicode=True)


def minimal(name: str, description: str = "") -> dict[str, Any]:
    """A new integration's definition: one flow with a webhook trigger."""
    return {
        "definitionVersion": CURRENT_VERSION,
        "name": name,
        "description": description,
        "labels": [],
        "requiredConfigVars": [],
        "configPages": [],
        "flows": [
            {
                "name": "Flow 1",
                **{k: (dict(v) if isinstance(v, dict) else v) for k, v in FLOW_DEFAULTS.items()},
                "steps": [
                    {
                        "name": "Integration Trigger",
                        "isTrigger": True,
                        "action": {
                            "key": "webhook",
                            "component": {
                                "key": "webhook-triggers",
                                "version": "LATEST",
                                "isPublic": True,
                            },
                        },
                    }
                ],
            }
        ],
    }


def exported(definition: dict[str, Any], use_latest_components: Any) -> dict[str, Any]:
    """The definition as exported; with ``use_latest_components``, every component
    reference says LATEST, so an import picks up the newest version then."""
    if not use_latest_components:
        return definition

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            copied = {key: walk(item) for key, item in value.items()}
            component = copied.get("component")
            if isinstance(component, dict) and "version" in component:
                copied["component"] = {**component, "version": "LATEST"}
            return copied
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    result: dict[str, Any] = walk(definition)
    return result
