"""The rollout as a step: ``{"job": "rollout", "options": {"integration": ID, ...}}``.

A runner's retry of a failed step runs it again: without a state file the rollout
finishes from the API's state alone (instances already done are skipped).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

from ..errors import InputError
from .registry import snake_options
from .rollout import rollout

OPTIONS = {
    "integration",
    "to_version",
    "customers",
    "canary",
    "canary_customers",
    "batch",
    "max_failures",
    "concurrency",
    "smoke_flow",
    "smoke_timeout",
    "state",
    "resume",
    "dry_run",
}


def run_job(
    options: Mapping[str, Any], *, connection: Any = None, component: Any = None
) -> tuple[dict[str, Any], int]:
    given = snake_options("rollout", options, OPTIONS)
    integration = given.pop("integration", None)
    if not isinstance(integration, str) or not integration:
        raise InputError("rollout", "integration", "the integration's ID is required")
    out = io.StringIO()
    report = rollout(integration, connection=connection, component=component, out=out, **given)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    data = {"results": lines[:-1], "summary": lines[-1]["summary"] if lines else {}}
    return {"data": {"job": "rollout", **data}}, report.exit_status
