"""The logs as a step: ``{"job": "logs", "options": {"execution": ID, "follow": true}}``.

A step must end, so following is for an execution (it ends when the run ends); an
instance's logs are read once, up to now. The answer carries every line, oldest first,
and the gaps (lines that arrived later than the overlap window).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import InputError
from .logs import Gap, logs
from .registry import snake_options

OPTIONS = {"instance", "execution", "since", "level", "follow", "overlap_s"}


def run_job(
    options: Mapping[str, Any], *, connection: Any = None, component: Any = None
) -> tuple[dict[str, Any], int]:
    given = snake_options("logs", options, OPTIONS)
    if given.get("follow") and not given.get("execution"):
        raise InputError("logs", "follow", "a step follows an execution's logs only")
    gaps: list[Gap] = []
    lines = [
        line.as_json()
        for line in logs(connection=connection, component=component, on_gap=gaps.append, **given)
    ]
    found = [{"count": g.count, "before": g.before.isoformat() if g.before else None} for g in gaps]
    return {"data": {"job": "logs", "lines": lines, "gaps": found}}, 0
