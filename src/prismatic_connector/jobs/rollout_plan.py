"""A rollout's decisions, apart from any request: pure functions of what the API read back.

- ``order``: the plan order (customer name, then instance ID), the same for a dry
  run, a run and a resume.
- ``batches``: the canaries first, then batches of ``size``.
- ``next_move``: what an instance needs next to be done at the target.
- ``missing_variables``: the target's config variables the instance lacks.
- ``over_limit``: whether the failures so far pass ``--max-failures``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import InputError

__all__ = [
    "Observed",
    "Target",
    "batches",
    "failure_limit",
    "missing_variables",
    "next_move",
    "observed",
    "order",
    "over_limit",
]

Move = Literal["move", "deploy", "done"]


@dataclass(frozen=True)
class Target:
    id: str
    number: int
    required: tuple[tuple[str, str, Any], ...] = ()  # (key, dataType, defaultValue)
    flows: tuple[str, ...] = ()  # the version's flows by name


@dataclass(frozen=True)
class Observed:
    """An instance as the API answered it."""

    id: str
    name: str
    customer: str
    customer_id: str
    enabled: bool
    version_id: str
    version: int
    deployed_version: int | None
    needs_deploy: bool
    in_failed_state: bool
    active_keys: frozenset[str] = field(default_factory=frozenset)
    flow_configs: tuple[tuple[str, str], ...] = ()  # (flow name, flow config ID), when read


def observed(node: dict[str, Any]) -> Observed:
    """An ``Observed`` from an instance node (see ``rollout_api.INSTANCE_FIELDS``)."""
    variables = (node.get("configVariables") or {}).get("nodes") or []
    active = frozenset(
        v["requiredConfigVariable"]["key"]
        for v in variables
        if v.get("status") == "ACTIVE" and v.get("requiredConfigVariable")
    )
    customer = node.get("customer") or {}
    integration = node.get("integration") or {}
    return Observed(
        id=node["id"],
        name=node.get("name") or "",
        customer=customer.get("name") or "",
        customer_id=customer.get("id") or "",
        enabled=bool(node.get("enabled")),
        version_id=integration.get("id") or "",
        version=int(integration.get("versionNumber") or 0),
        deployed_version=node.get("deployedVersion"),
        needs_deploy=bool(node.get("needsDeploy")),
        in_failed_state=bool(node.get("inFailedState")),
        active_keys=active,
        flow_configs=tuple(
            (c["flow"]["name"], c["id"])
            for c in (node.get("flowConfigs") or {}).get("nodes") or []
            if c.get("flow")
        ),
    )


def order(instances: Iterable[Observed]) -> list[Observed]:
    return sorted(instances, key=lambda i: (i.customer, i.id))


def batches(
    plan: Sequence[Observed],
    *,
    size: int,
    canary: int = 0,
    canary_customers: Sequence[str] = (),
) -> list[list[Observed]]:
    """The canaries (the first ``canary``, or the named customers' by ID or name) as the
    first batch, then the rest in plan order, ``size`` at a time."""
    if canary_customers:
        named = set(canary_customers)
        first = [i for i in plan if i.customer_id in named or i.customer in named]
    else:
        first = list(plan[:canary])
    chosen = {i.id for i in first}
    rest = [i for i in plan if i.id not in chosen]
    out = [first] if first else []
    out.extend(rest[n : n + size] for n in range(0, len(rest), size))
    return out


def next_move(item: Observed, target: Target) -> Move:
    """Done when deployed at the target and needing no deploy; a disabled instance is
    done once moved (it is not deployed); one at the target but not deployed is deployed."""
    if item.version_id != target.id:
        return "move"
    if not item.enabled:
        return "done"
    if item.deployed_version == target.number and not item.needs_deploy:
        return "done"
    return "deploy"


def gate_problem(item: Observed, target: Target) -> str | None:
    """Why a deployed instance does not pass the gate, or None."""
    if item.version_id != target.id or item.deployed_version != target.number:
        return f"deployed version is {item.deployed_version}, not {target.number}"
    if item.needs_deploy:
        return "still needs a deploy"
    if item.in_failed_state:
        return "the instance is in a failed state"
    return None


def missing_variables(item: Observed, target: Target) -> list[str]:
    """The target's config variables this instance has no value for: a connection not
    fully set, or a variable with no default."""
    return [
        key
        for key, data_type, default in target.required
        if key not in item.active_keys and (data_type == "CONNECTION" or default is None)
    ]


_LIMIT = re.compile(r"^(\d+)(%?)$")


def failure_limit(text: str | int, total: int) -> int:
    """``--max-failures``: a count, or a percentage of the plan (rounded down)."""
    match = _LIMIT.match(str(text).strip())
    if not match:
        raise InputError("rollout", "max_failures", f"expected N or P% (such as 5 or 2%): {text!r}")
    number = int(match.group(1))
    if match.group(2):
        if number > 100:
            raise InputError("rollout", "max_failures", f"a percentage is at most 100%: {text!r}")
        return total * number // 100
    return number


def over_limit(failures: int, limit: int) -> bool:
    return failures > limit
