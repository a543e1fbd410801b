"""Replay the executions that failed: each original once, never twice, resumable.

    report = replay(integration="SW50ZWdyYXRpb246...", since="24h", state="replay.state")
    report.exit_status, report.summary()

Originals only (not replays) that ended in ERROR, of every version of the integration
(and/or the named instances), in the window. One that has a replay that succeeded or is
still running is skipped (Prismatic's own rule); one whose replays all failed is replayed
again only with ``again_if_replay_failed``. A replay whose answer was lost is settled by
reading the original's replays back: it is never sent twice.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from ..component.runner import Component, ConnectionLike, load_component
from ..errors import ConfigurationError, ConnectorError, InputError, PayloadError
from . import report as reporting
from .executor import DEFAULT_WORKERS, run_batch
from .replay_api import Api, Original, decide
from .state import Header, StateFile, read_state
from .times import parse_time

__all__ = ["ReplayItem", "ReplayReport", "replay"]
FINAL = frozenset({"replayed", "skipped", "failed"})


@dataclass
class ReplayItem:
    instance: str
    execution: str
    flow: str
    result: str  # replayed | skipped | failed | unknown | not-started
    replay: str | None = None
    error: str | None = None
    duration: float = 0.0

    def line(self) -> dict[str, Any]:
        return {
            "instance": self.instance,
            "execution": self.execution,
            "flow": self.flow,
            "result": self.result,
            "replay": self.replay,
            "error": self.error,
            "duration": round(self.duration, 3),
        }


@dataclass
class ReplayReport:
    results: list[ReplayItem] = field(default_factory=list)
    plan: list[dict[str, Any]] = field(default_factory=list)  # the dry run's lines
    interrupted: bool = False
    dry_run: bool = False

    def summary(self) -> dict[str, Any]:
        return reporting.summary(
            (r.result for r in self.results), halted=False, interrupted=self.interrupted
        )

    @property
    def exit_status(self) -> int:
        if self.dry_run:
            return reporting.EXIT_OK
        return reporting.exit_status(
            (r.result for r in self.results), halted=False, interrupted=self.interrupted
        )


@dataclass(frozen=True)
class _Filters:
    integration: str | None
    instances: tuple[str, ...]
    flow: str | None
    since: datetime | None
    until: datetime | None
    again: bool

    def subject(self) -> str:
        return json.dumps(
            {
                "integration": self.integration,
                "instances": list(self.instances),
                "flow": self.flow,
                "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None,
                "againIfReplayFailed": self.again,
            },
            sort_keys=True,
        )


def replay(
    *,
    integration: str | None = None,
    instances: Sequence[str] = (),
    flow: str | None = None,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    again_if_replay_failed: bool = False,
    concurrency: int = DEFAULT_WORKERS,
    state: str | Path | None = None,
    resume: bool = False,
    dry_run: bool = False,
    connection: ConnectionLike = None,
    component: Component | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> ReplayReport:
    """Replay every failed original the filters name, each once.

    Bad input (a time without a zone, an unknown integration, another job's state file)
    raises ``InputError`` before anything is sent. ``out`` receives a JSON line per
    execution and the summary; ``err`` the progress bar and a human summary.
    """
    if isinstance(instances, str):
        instances = (instances,)
    filters = _Filters(
        integration,
        tuple(instances),
        flow,
        _time(since, "since"),
        _time(until, "until"),
        again_if_replay_failed,
    )
    _check(concurrency, state, resume)
    saved = read_state(Path(state), "replay") if resume and state else None
    if saved is not None and saved.header.subject != filters.subject():
        raise InputError("replay", "state", f"{state} is a replay with other filters")
    component = component or load_component()
    conn = component.connection(connection, action="replay")
    api = Api(component, conn)
    if saved is not None:
        finals = {k: v for k, v in saved.last.items() if v.get("step") in FINAL}
        plan = [_from_entry(e) for e in saved.header.plan]
    else:
        finals, plan = {}, _plan(api, filters)
    result = ReplayReport(dry_run=dry_run)
    if dry_run:
        return _dry_run(result, plan, filters.again, out, err)
    header = Header("replay", filters.subject(), None, [_entry(o) for o in plan])
    file = _open_state(state, header, resume)
    try:
        worker = _Worker(api, file, filters.again, saved.last if saved else None)
        _run(result, plan, worker, finals, concurrency, out, err)
    finally:
        if file is not None:
            file.close()
    return result


def _time(value: str | datetime | None, name: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        if isinstance(value, datetime) and value.tzinfo is None:
            raise InputError("replay", name, "a time without a zone; add one (UTC or an offset)")
        return value
    try:
        return parse_time(value, name=name)
    except ConfigurationError as exc:
        raise InputError("replay", name, str(exc).split(": ", 1)[-1]) from None


def _check(concurrency: int, state: str | Path | None, resume: bool) -> None:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int):
        raise InputError("replay", "concurrency", "expected a whole number from 1 to 64")
    if not 1 <= concurrency <= 64:
        raise InputError("replay", "concurrency", "expected a whole number from 1 to 64")
    if resume and not state:
        raise InputError(
            "replay", "resume", "--resume needs --state FILE, the state file to resume"
        )
    if state and not resume and Path(state).exists():
        raise InputError(
            "replay", "state", f"{state} exists: add --resume to continue it, or remove it"
        )


def _plan(api: Api, filters: _Filters) -> list[Original]:
    """Every failed original the filters name, oldest first (then by ID), each once."""
    sequence = None
    if filters.integration is not None:
        sequence = api.resolve(filters.integration)[1]
    found: dict[str, Original] = {}
    for instance in filters.instances or (None,):
        for run in api.originals(sequence, instance, filters.since, filters.until):
            if filters.flow is None or run.flow == filters.flow:
                found[run.id] = run
    return sorted(found.values(), key=lambda o: (o.started, o.id))


def _entry(run: Original) -> dict[str, Any]:
    return {"id": run.id, "instance": run.instance, "flow": run.flow, "started": run.started}


def _from_entry(entry: dict[str, Any]) -> Original:
    return Original(entry["id"], entry["started"], entry["instance"], "", "", entry["flow"], ())


def _open_state(state: str | Path | None, header: Header, resume: bool) -> StateFile | None:
    if not state:
        return None
    if resume:
        return StateFile(Path(state), None)
    file = StateFile(Path(state), header)
    file.record_all([{"item": e["id"], "step": "planned"} for e in header.plan])
    return file


class _Worker:
    """Replays one original, recording the step before it is sent; settles a lost answer
    by reading the original's replays back."""

    def __init__(
        self,
        api: Api,
        state: StateFile | None,
        again: bool,
        saved: dict[str, dict[str, Any]] | None,
    ) -> None:
        # ``saved``: a resumed replay's last records, by execution; None on a first run.
        self.api, self.state, self.again, self.saved = api, state, again, saved

    def __call__(self, run: Original) -> ReplayItem:
        started = time.monotonic()
        item = ReplayItem(run.instance, run.id, run.flow, "failed")
        try:
            self._settle(run, item)
        except ConnectorError as exc:
            item.result, item.error = "unknown", str(exc)
        item.duration = time.monotonic() - started
        self._record(item)
        return item

    def _settle(self, run: Original, item: ReplayItem) -> None:
        if self.saved is not None:  # a resumed run: its replays may have changed since
            run = self.api.read(run.id)
            last = self.saved.get(run.id) or {}
            if last.get("step") == "replaying" and self._landed(run, last.get("known"), item):
                return
        reason = decide(run, self.again)
        if reason is not None:
            item.result, item.error = "skipped", reason
            return
        if self.state is not None:
            self.state.record(run.id, "replaying", known=[rid for rid, _ in run.replays])
        try:
            item.replay, item.result = self.api.replay(run.id), "replayed"
        except PayloadError as exc:
            item.error = str(exc)
        except ConnectorError as exc:
            if not self._landed(self.api.read(run.id), [rid for rid, _ in run.replays], item):
                item.error = str(exc)

    @staticmethod
    def _landed(run: Original, known: Any, item: ReplayItem) -> bool:
        """Whether a replay sent before (its answer lost, or the job killed) applied: the
        original has a replay that was not there when it was sent."""
        before = set(known) if isinstance(known, list) else None
        new = [rid for rid, _ in run.replays if before is not None and rid not in before]
        if new:
            item.replay, item.result, item.error = new[-1], "replayed", None
        return bool(new)

    def _record(self, item: ReplayItem) -> None:
        if self.state is not None:
            self.state.record(
                item.execution,
                item.result,
                result=item.result,
                replay=item.replay,
                error=item.error,
            )


def _carried(run: Original, record: dict[str, Any]) -> ReplayItem:
    """An execution a resumed replay settled before, as its state file says."""
    return ReplayItem(
        run.instance,
        run.id,
        run.flow,
        str(record.get("result") or "failed"),
        record.get("replay"),
        record.get("error"),
    )


def _dry_run(
    result: ReplayReport,
    plan: list[Original],
    again: bool,
    out: TextIO | None,
    err: TextIO | None,
) -> ReplayReport:
    reporter = reporting.Reporter(out, err, total=0, label="execution")
    for run in plan:
        reason = decide(run, again)
        line = {
            "instance": run.instance,
            "execution": run.id,
            "flow": run.flow,
            "started": run.started,
            "action": "skip" if reason else "replay",
            "why": reason,
        }
        result.plan.append(line)
        reporter.item(line)
    actions = reporting.summary((str(line["action"]) for line in result.plan), halted=False)
    todo = actions["counts"].get("replay", 0)
    human = f"dry run: {todo} of {len(plan)} failed execution(s) to replay; nothing sent"
    reporter.finish({"dryRun": True, "actions": actions["counts"]}, human)
    return result


def _run(
    result: ReplayReport,
    plan: list[Original],
    worker: _Worker,
    finals: dict[str, dict[str, Any]],
    concurrency: int,
    out: TextIO | None,
    err: TextIO | None,
) -> None:
    reporter = reporting.Reporter(out, err, total=len(plan), label="execution")

    def done(run: Original, outcome: ReplayItem) -> None:
        result.results.append(outcome)
        reporter.item(outcome.line())

    for run in plan:
        if run.id in finals:
            done(run, _carried(run, finals[run.id]))
    todo = [r for r in plan if r.id not in finals]
    try:
        left = run_batch(todo, worker, workers=concurrency, stop=threading.Event(), done=done)
    except KeyboardInterrupt:
        result.interrupted = True
        seen = {r.execution for r in result.results}
        left = [r for r in todo if r.id not in seen]
    for run in left:
        done(run, ReplayItem(run.instance, run.id, run.flow, "not-started"))
    totals = result.summary()
    counts = ", ".join(f"{k} {v}" for k, v in totals["counts"].items()) or "no executions"
    human = f"replay {'interrupted' if result.interrupted else 'finished'}: {counts}"
    reporter.finish(totals, human)
