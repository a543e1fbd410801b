"""The replay as a step: ``{"job": "replay", "options": {"integration": ID, "since": "24h"}}``.

A runner's retry of the step runs it again: without a state file the replay settles
from the API's state alone (an original with a replay that succeeded or is still
running is skipped), so nothing is replayed twice.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

from .registry import snake_options
from .replay import replay

OPTIONS = {
    "integration",
    "instances",
    "flow",
    "since",
    "until",
    "again_if_replay_failed",
    "concurrency",
    "state",
    "resume",
    "dry_run",
}


def run_job(
    options: Mapping[str, Any], *, connection: Any = None, component: Any = None
) -> tuple[dict[str, Any], int]:
    given = snake_options("replay", options, OPTIONS)
    out = io.StringIO()
    report = replay(connection=connection, component=component, out=out, **given)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    data = {"results": lines[:-1], "summary": lines[-1]["summary"] if lines else {}}
    return {"data": {"job": "replay", **data}}, report.exit_status
