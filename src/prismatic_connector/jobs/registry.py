"""The jobs a runner can start by name: ``{"job": NAME, "options": {...}}``.

Each job's module is imported only when its job runs; it answers ``run_job(options,
connection=..., component=...)`` with the step's answer (``{"data": {...}}``) and the
exit status its command line would end with. Options are the Python function's
keyword arguments, in camelCase or snake_case.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from typing import Any, Protocol, cast

from ..errors import InputError

# Each job by name: the module that runs it.
JOBS = {
    "rollout": "prismatic_connector.jobs.rollout_job",
    "logs": "prismatic_connector.jobs.logs_job",
    "replay": "prismatic_connector.jobs.replay_job",
}
__all__ = ["JOBS", "run", "snake_options"]


class Job(Protocol):
    def run_job(
        self, options: Mapping[str, Any], *, connection: Any, component: Any
    ) -> tuple[dict[str, Any], int]: ...


def run(
    name: Any, options: Any, *, connection: Any = None, component: Any = None
) -> tuple[dict[str, Any], int]:
    """Run the named job; an unknown job or options that are not an object: InputError."""
    if name not in JOBS:
        known = ", ".join(sorted(JOBS))
        raise InputError(str(name), None, f"is not a job; expected one of {known}")
    if not isinstance(options, Mapping):
        raise InputError(name, "options", "expected a JSON object of the job's options")
    module = cast(Job, importlib.import_module(JOBS[name]))
    return module.run_job(options, connection=connection, component=component)


def snake_options(job: str, options: Mapping[str, Any], known: set[str]) -> dict[str, Any]:
    """The options with snake_case names, each one the job takes; else InputError."""
    out = {}
    for key, value in options.items():
        name = re.sub(r"(?<!^)([A-Z])", r"_\1", str(key)).lower()
        if name not in known:
            expected = ", ".join(sorted(known))
            raise InputError(
                job, str(key), f"is not an option of {job}; expected one of {expected}"
            )
        out[name] = value
    return out
