"""The rollout's optional smoke test: run a flow on the deployed instance and wait for it.

The flow is found by name among the instance's flow configs (its target version's
flows). A run that errs fails the instance; one still going at the timeout fails it
too and is left running, as Prismatic has no way to stop a run.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..component.waiting import FINAL, FIRST_POLL_S, next_delay
from ..policy import Clock
from .rollout_api import Api
from .rollout_plan import Observed

DEFAULT_TIMEOUT_S = 300.0
__all__ = ["DEFAULT_TIMEOUT_S", "Smoke"]


@dataclass(frozen=True)
class Smoke:
    flow: str
    timeout: float
    clock: Clock

    def problem(self, api: Api, item: Observed) -> str | None:
        """Why the smoke test did not pass on ``item`` (read back with its flow configs)."""
        config = dict(item.flow_configs).get(self.flow)
        if config is None:
            return f"smoke test: the instance has no flow named {self.flow!r}"
        started = self.clock.now()
        execution = api.smoke_test(config)
        delay = FIRST_POLL_S
        while execution.get("status") not in FINAL:
            now = self.clock.now()
            if now - started >= self.timeout:
                return (
                    f"smoke test: {self.flow!r} still {execution.get('status')} after "
                    f"{self.timeout:g} s (run {execution.get('id')} left running)"
                )
            self.clock.sleep(min(delay, started + self.timeout - now))
            delay = next_delay(delay, self.clock.now() - started)
            execution = api.execution(str(execution["id"]))
        if execution["status"] != "SUCCESS":
            return (
                f"smoke test: {self.flow!r} ended {execution['status']}: {execution.get('error')}"
            )
        return None
