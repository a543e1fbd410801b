"""Roll an integration version out to every instance: planned, batched, gated, resumable.

    report = rollout("SW50ZWdyYXRpb246...", canary=2, batch=50, state="rollout.state")
    report.exit_status, report.summary()

The plan: every non-system instance of any version of the integration, in customer
name then instance ID order. Canaries go first and any canary failure halts; past
``max_failures`` (over the whole rollout) the batch in flight finishes and no new one
starts. Each instance is moved (no config variables sent), deployed and read back
(the gate); a disabled one is moved and not deployed. There is no automatic rollback:
a failed instance's line carries its previous version.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..component.runner import Component, ConnectionLike, load_component
from ..errors import InputError
from ..policy import Clock
from . import report as reporting
from .executor import DEFAULT_WORKERS, run_batch
from .rollout_api import Api
from .rollout_item import ItemResult, Worker, not_started
from .rollout_plan import Observed, Target, batches, failure_limit, missing_variables, next_move
from .rollout_plan import order as plan_order
from .smoke import DEFAULT_TIMEOUT_S, Smoke
from .state import Header, StateFile, read_state

DEFAULT_BATCH = 50
__all__ = ["RolloutReport", "rollout"]


@dataclass
class RolloutReport:
    integration: str
    target: int
    results: list[ItemResult] = field(default_factory=list)
    plan: list[dict[str, Any]] = field(default_factory=list)  # the dry run's lines
    halted: bool = False
    interrupted: bool = False
    dry_run: bool = False

    def summary(self) -> dict[str, Any]:
        return reporting.summary(
            (r.result for r in self.results), halted=self.halted, interrupted=self.interrupted
        )

    @property
    def exit_status(self) -> int:
        if self.dry_run:
            return reporting.EXIT_OK
        return reporting.exit_status(
            (r.result for r in self.results), halted=self.halted, interrupted=self.interrupted
        )


@dataclass(frozen=True)
class _Options:
    customers: tuple[str, ...]
    canary: int
    canary_customers: tuple[str, ...]
    batch: int
    max_failures: str
    concurrency: int


def rollout(
    integration_id: str,
    *,
    to_version: int | None = None,
    customers: Sequence[str] = (),
    canary: int = 0,
    canary_customers: Sequence[str] = (),
    batch: int = DEFAULT_BATCH,
    max_failures: str | int = 0,
    concurrency: int = DEFAULT_WORKERS,
    smoke_flow: str | None = None,
    smoke_timeout: float = DEFAULT_TIMEOUT_S,
    state: str | Path | None = None,
    resume: bool = False,
    dry_run: bool = False,
    connection: ConnectionLike = None,
    component: Component | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> RolloutReport:
    """Move every instance of the integration to the target version and deploy it.

    Bad input (an unknown integration or version, another rollout's state file, a
    wrong option) raises ``InputError`` before anything is sent. ``out`` receives a
    JSON line per instance and the summary; ``err`` the progress bar and a human summary.
    """
    options = _Options(
        tuple(customers), canary, tuple(canary_customers), batch, str(max_failures), concurrency
    )
    _check(options, state, resume)
    component = component or load_component()
    conn = component.connection(connection, action="rollout")
    api = Api(component, conn)
    saved = read_state(Path(state), "rollout") if resume and state else None
    if saved is not None and saved.header.subject != integration_id:
        raise InputError(
            "rollout", "state", f"{state} is the rollout of {saved.header.subject}, not this one"
        )
    name, sequence, target = api.resolve(integration_id, to_version)
    smoke = _smoke(smoke_flow, smoke_timeout, target, conn.clock)
    if saved is not None and saved.header.target != {"id": target.id, "number": target.number}:
        raise InputError("rollout", "state", f"{state} rolls out another version")
    found = [i for i in api.instances(sequence) if _wanted(i, options.customers)]
    plan = plan_order(found)
    groups = batches(
        plan,
        size=batch,
        canary=canary,
        canary_customers=options.canary_customers,
    )
    entries = [{"id": i.id, "batch": n} for n, group in enumerate(groups) for i in group]
    head_target = {"id": target.id, "number": target.number}
    if saved is not None:
        groups = _saved_groups(saved.header.plan, {i.id: i for i in found})
    header = Header("rollout", integration_id, head_target, entries)
    result = RolloutReport(integration_id, target.number, dry_run=dry_run)
    if dry_run:
        return _dry_run(result, groups, target, bool(canary or canary_customers), out, err)
    file = _open_state(state, header, resume)
    try:
        finals = {k: v for k, v in (saved.last if saved else {}).items() if _final(v)}
        _run(result, groups, options, Worker(api, target, file, smoke), finals, out, err, name)
    finally:
        if file is not None:
            file.close()
    return result


def _check(options: _Options, state: str | Path | None, resume: bool) -> None:
    def bad(key: str, problem: str) -> InputError:
        return InputError("rollout", key, problem)

    if options.batch < 1:
        raise bad("batch", "expected a whole number of instances, at least 1")
    if not 1 <= options.concurrency <= 64:
        raise bad("concurrency", "expected a whole number from 1 to 64")
    if options.canary < 0:
        raise bad("canary", "expected a whole number of instances, 0 or more")
    if options.canary and options.canary_customers:
        raise bad("canary", "give --canary or --canary-customer, not both")
    if resume and not state:
        raise bad("resume", "--resume needs --state FILE, the state file to resume")
    failure_limit(options.max_failures, 0)
    if state and not resume and Path(state).exists():
        raise bad("state", f"{state} exists: add --resume to continue it, or remove it")


def _smoke(flow: str | None, timeout: float, target: Target, clock: Clock) -> Smoke | None:
    if flow is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise InputError("rollout", "smoke_timeout", "expected a positive number of seconds")
    if flow not in target.flows:
        known = ", ".join(repr(f) for f in target.flows) or "none"
        problem = f"version {target.number} has no flow named {flow!r} (its flows: {known})"
        raise InputError("rollout", "smoke_flow", problem)
    return Smoke(flow, float(timeout), clock)


def _wanted(item: Observed, customers: tuple[str, ...]) -> bool:
    return not customers or item.customer_id in customers or item.customer in customers


def _saved_groups(plan: list[dict[str, Any]], found: dict[str, Observed]) -> list[list[Observed]]:
    groups: dict[int, list[Observed]] = {}
    for entry in plan:
        if entry["id"] in found:
            groups.setdefault(entry["batch"], []).append(found[entry["id"]])
    return [groups[n] for n in sorted(groups)]


def _final(record: dict[str, Any]) -> bool:
    return record.get("step") == "gated" or (
        record.get("step") == "failed" and record.get("result") == "failed"
    )


def _open_state(state: str | Path | None, header: Header, resume: bool) -> StateFile | None:
    if not state:
        return None
    path = Path(state)
    if resume:
        return StateFile(path, None)
    file = StateFile(path, header)
    planned = [{"item": e["id"], "step": "planned", "batch": e["batch"]} for e in header.plan]
    file.record_all(planned)
    return file


def _dry_run(
    result: RolloutReport,
    groups: list[list[Observed]],
    target: Target,
    canaries: bool,
    out: TextIO | None,
    err: TextIO | None,
) -> RolloutReport:
    for n, group in enumerate(groups):
        for item in group:
            line = {
                "customer": item.customer,
                "instance": item.id,
                "name": item.name,
                "batch": n,
                "canary": canaries and n == 0,
                "current": item.version,
                "deployed": item.deployed_version,
                "target": target.number,
                "action": next_move(item, target),
                "missingConfigVariables": missing_variables(item, target)
                if next_move(item, target) == "move"
                else [],
            }
            result.plan.append(line)
    reporter = reporting.Reporter(out, err, total=0, label="instance")
    for line in result.plan:
        reporter.item(line)
    failing = sum(1 for line in result.plan if line["missingConfigVariables"])
    actions = reporting.summary((str(line["action"]) for line in result.plan), halted=False)
    totals = {"dryRun": True, "actions": actions["counts"], "wouldFail": failing}
    human = (
        f"dry run: {len(result.plan)} instance(s) in {len(groups)} batch(es) to version "
        f"{target.number}; {failing} would fail for a missing config variable; nothing sent"
    )
    reporter.finish(totals, human)
    return result


def _run(
    result: RolloutReport,
    groups: list[list[Observed]],
    options: _Options,
    worker: Worker,
    finals: dict[str, dict[str, Any]],
    out: TextIO | None,
    err: TextIO | None,
    name: str,
) -> None:
    total = sum(len(g) for g in groups)
    limit = failure_limit(options.max_failures, total)
    reporter = reporting.Reporter(out, err, total=total, label="instance")
    stop = threading.Event()
    canaries = bool(options.canary or options.canary_customers)

    def done(item: Observed, outcome: ItemResult) -> None:
        result.results.append(outcome)
        reporter.item(outcome.line())

    try:
        for n, group in enumerate(groups):
            if stop.is_set():
                for item in group:
                    done(item, not_started(item))
                continue
            todo = [i for i in group if i.id not in finals]
            for item in group:
                if item.id in finals:
                    done(item, _carried(item, finals[item.id]))
            left = run_batch(todo, worker, workers=options.concurrency, stop=stop, done=done)
            for item in left:
                done(item, not_started(item))
            failures = sum(1 for r in result.results if r.result in ("failed", "unknown"))
            if failures and ((canaries and n == 0) or failures > limit):
                result.halted = True
                stop.set()
    except KeyboardInterrupt:
        result.interrupted = True
        seen = {r.instance for r in result.results}
        for group in groups:
            for item in group:
                if item.id not in seen:
                    done(item, not_started(item))
    totals = result.summary()
    counts = ", ".join(f"{k} {v}" for k, v in totals["counts"].items()) or "no instances"
    state = "halted" if result.halted else "interrupted" if result.interrupted else "finished"
    human = f"rollout of {name} to version {result.target} {state}: {counts}"
    reporter.finish(totals, human)


def _carried(item: Observed, record: dict[str, Any]) -> ItemResult:
    """An instance a resumed rollout finished before, as its state file says."""
    outcome = ItemResult(item.customer, item.id, item.name, item.version, item.version, "")
    outcome.result = record.get("result") or "failed"
    outcome.error = record.get("error")
    return outcome
