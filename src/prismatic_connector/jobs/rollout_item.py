"""One instance's way to the target: move, deploy, gate, each step recorded before it is sent.

A mutation whose outcome is unknown (the answer was lost) is settled by reading the
instance back; it is sent again only when the read-back shows it did not apply.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ..errors import ConnectorError, GraphQLError, InputError, OutcomeUnknownError, PayloadError
from .rollout_api import Api
from .rollout_plan import Observed, Target, gate_problem, missing_variables, next_move
from .smoke import Smoke
from .state import StateFile

# How often an unsettled mutation is looked at and, if it did not apply, sent again.
ATTEMPTS = 3
__all__ = ["ItemResult", "Worker"]


@dataclass
class ItemResult:
    customer: str
    instance: str
    name: str
    before: int | None
    after: int | None
    result: str  # upgraded | deployed | skipped | failed | unknown | not-started
    error: str | None = None
    duration: float = 0.0
    previous_version: str | None = None  # the version ID to go back to by hand
    note: str | None = None

    def line(self) -> dict[str, Any]:
        out = {
            "customer": self.customer,
            "instance": self.instance,
            "name": self.name,
            "before": self.before,
            "after": self.after,
            "result": self.result,
            "error": self.error,
            "duration": round(self.duration, 3),
        }
        if self.result in ("failed", "unknown"):
            out["previousVersion"] = self.previous_version
        if self.note:
            out["note"] = self.note
        return out


def not_started(item: Observed) -> ItemResult:
    return ItemResult(item.customer, item.id, item.name, item.version, item.version, "not-started")


class _FailedError(Exception):
    def __init__(self, result: str, error: str) -> None:
        super().__init__(error)
        self.result = result
        self.error = error


class Worker:
    """Takes instances to the target through one ``Api``, recording each step."""

    def __init__(
        self, api: Api, target: Target, state: StateFile | None, smoke: Smoke | None = None
    ) -> None:
        self.api = api
        self.target = target
        self.state = state
        self.smoke = smoke

    def _record(self, item: Observed, step: str, **details: Any) -> None:
        if self.state is not None:
            self.state.record(item.id, step, **details)

    def __call__(self, item: Observed) -> ItemResult:
        started = time.monotonic()
        result = ItemResult(item.customer, item.id, item.name, item.version, item.version, "")
        try:
            self._run(item, result)
        except _FailedError as exc:
            result.result, result.error = exc.result, exc.error
        except ConnectorError as exc:
            result.result, result.error = "unknown", str(exc)
        if result.result in ("failed", "unknown"):
            result.previous_version = item.version_id
            self._record(item, "failed", result=result.result, error=result.error)
        result.duration = time.monotonic() - started
        return result

    def _run(self, item: Observed, result: ItemResult) -> None:
        target = self.target
        move = next_move(item, target)
        if move == "done":
            result.result = "skipped"
            self._record(item, "gated", result="skipped")
            return
        if move == "move":
            missing = missing_variables(item, target)
            if missing:
                lacks = ", ".join(repr(k) for k in missing)
                raise _FailedError("failed", f"version {target.number} needs {lacks}, unset here")
            item = self._settle(item, "moving", "moved", lambda: self.api.move(item.id, target.id))
            result.after = target.number
            if not item.enabled:
                result.result, result.note = "upgraded", "disabled: moved, not deployed"
                self._record(item, "gated", result="upgraded")
                return
        item = self._settle(item, "deploying", "deployed", lambda: self.api.deploy(item.id))
        checked = self.api.read(item.id)
        problem = gate_problem(checked, target)
        if problem is None and self.smoke is not None:
            try:
                problem = self.smoke.problem(self.api, checked)
            except (GraphQLError, InputError) as exc:  # the test was refused: nothing ran
                problem = f"smoke test: {exc}"
        if problem:
            raise _FailedError(
                "failed", problem if problem.startswith("smoke") else f"gate: {problem}"
            )
        result.result = "upgraded" if move == "move" else "deployed"
        result.after = target.number
        self._record(item, "gated", result=result.result)

    def _settle(self, item: Observed, begin: str, end: str, send: Any) -> Observed:
        """Send one mutation; if its outcome is unknown, read back and send again only if
        it did not apply. The instance as last known after it applied."""
        want = "move" if begin == "moving" else "deploy"
        for _ in range(ATTEMPTS):
            self._record(item, begin)
            try:
                send()
            except OutcomeUnknownError:
                item = self.api.read(item.id)
                if next_move(item, self.target) == want:
                    continue  # the read-back shows it did not apply
            except PayloadError as exc:
                raise _FailedError("failed", _refusal(exc)) from None
            except (GraphQLError, InputError) as exc:
                raise _FailedError("failed", str(exc)) from None
            self._record(item, end)
            return _after(item, self.target, want)
        raise _FailedError("unknown", f"the {want} did not settle after {ATTEMPTS} attempts")


def _after(item: Observed, target: Target, done: str) -> Observed:
    from dataclasses import replace

    if done == "move":
        return replace(item, version_id=target.id, version=target.number, needs_deploy=True)
    return replace(item, deployed_version=target.number, needs_deploy=False)


def _refusal(exc: PayloadError) -> str:
    messages = [m for e in exc.errors for m in e.get("messages") or []]
    return "; ".join(messages) or str(exc)
