"""The control surface: what a test tells a running emulator, and asks it.

``Emulator`` has these methods; ``EmulatorClient`` has the same ones for an emulator
in another process, through the admin-key-guarded ``/emulator/`` routes
(``http/control.py``), and ``prismatic-connector emulator clock|fault|script|journal``
mirrors them. A refused request raises ``ControlError`` naming the field.

- the clock: ``clock()``, ``clock_advance(seconds)`` (a manual clock only);
- scripted runs: ``script_flow(target, ...)``, ``scripts()``, ``clear_scripts()``,
  ``run_flow(target, payload, times)`` (``model/scripts.py``);
- fault rules (``rules.py``): ``fault_add(...)`` -> ID, ``faults()`` (on ``Faults``),
  ``fault_remove(id)``, ``faults_clear()``;
- the journal (``journal.py``): ``journal(operation, kind, since, applied)``,
  ``journal_clear()``, ``assert_called(operation, times, variables)``;
- snapshots (``snapshots.py``): ``snapshot_save(name)``, ``snapshot_load(name)``,
  ``snapshots()``, ``snapshot_delete(name)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ControlError
from .clock import Clock, ManualClock, reading
from .journal import called

if TYPE_CHECKING:
    from .journal import Journal
    from .rules import Rules
    from .store import Store

MANUAL_CLOCK_ONLY = (
    "the emulator runs on the wall clock; start it with --manual-clock"
    " (Emulator(clock=ManualClock())) to move its time"
)


class Controls:
    """The control methods, mixed into ``Emulator``, over the state it holds."""

    _clock: Clock
    store: Store
    fault_rules: Rules
    journal_log: Journal
    snapshot_dir: Path
    user_id: str

    def applied(self) -> dict[str, int]:
        """How many times each mutation was applied (ran without payload errors)."""
        with self.store.read() as tx:
            return tx.applied()

    # ------------------------------------------------------------------ the clock

    def clock(self) -> dict[str, Any]:
        """``{"now": ISO time, "epochSeconds": float, "manual": bool}``."""
        return reading(self._clock)

    def clock_advance(self, seconds: float) -> dict[str, Any]:
        """Move a manual clock on by ``seconds``; what ``clock()`` then answers."""
        if not isinstance(self._clock, ManualClock):
            raise ControlError("clock", MANUAL_CLOCK_ONLY, status=409)
        number(seconds, "seconds", low=0.0, high=10 * 365 * 86_400.0)
        self._clock.advance(float(seconds))
        self.settle()
        return self.clock()

    # ------------------------------------------------------------------ scripted runs

    def script_flow(
        self,
        target: str,
        *,
        status: str = "SUCCESS",
        error: str | None = None,
        duration_s: float = 0,
        polls: int | None = None,
        logs: Iterable[Any] = (),
        result: Any = None,
        times: int | None = None,
    ) -> str:
        """Script the next runs of ``target`` (a flow's ID or name, or a flow config's ID):
        they end in ``status`` (with ``error``) after ``duration_s`` of the clock or after
        ``polls`` reads of their status, logging ``logs`` (``(offset_s, severity, message)``
        or objects with ``late_by_s``) as the clock reaches them. ``times``: how many runs
        (None: every run from now on). Answers the script's ID."""
        from .model import scripts

        given = {
            "status": status,
            "error": error,
            "duration_s": duration_s,
            "polls": polls,
            "logs": list(logs) if isinstance(logs, (list, tuple)) else logs,
            "result": result,
            "times": times,
        }
        if not isinstance(given["logs"], list):
            raise ControlError("logs", "expected a list of log lines")
        with self.store.write() as tx:
            return scripts.add(tx, target, given)

    def scripts(self) -> list[dict[str, Any]]:
        """The scripts not yet used up, oldest first."""
        from .model import scripts

        with self.store.read() as tx:
            return scripts.listed(tx)

    def clear_scripts(self) -> int:
        """Drop every script; how many there were."""
        from .model import scripts

        with self.store.write() as tx:
            return scripts.clear(tx)

    def run_flow(self, target: str, payload: Any = None, times: int = 1) -> list[str]:
        """Start ``times`` runs of every deployed flow config ``target`` names, as a webhook
        call would; their execution IDs."""
        from .model import executions

        if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= 1000:
            raise ControlError("times", f"expected a whole number from 1 to 1000, got {times!r}")
        with self.store.write() as tx:
            return executions.run_target(tx, target, payload, times)

    def settle(self) -> None:
        """Do what the runs that have ended by now do at their end (alerts, failure state)."""
        from .model import scripts

        with self.store.read() as tx:
            if not scripts.due(tx):
                return
        with self.store.write() as tx:
            scripts.settle(tx)

    # ---- fault rules

    def fault_add(
        self,
        operation: str | None = None,
        kind: str | None = None,
        path: str | None = None,
        variables: Mapping[str, Any] | None = None,
        status: int | None = None,
        drop: str | None = None,
        payload_errors: list[dict[str, Any]] | None = None,
        graphql_error: str | None = None,
        latency_ms: float = 0,
        probability: float = 1.0,
        times: int | None = None,
        seed: int | None = None,
    ) -> str:
        """A rule making requests go wrong (see ``rules.py``); its ID."""
        arguments = {k: v for k, v in locals().items() if k != "self"}
        if isinstance(variables, Mapping):
            arguments["variables"] = dict(variables)
        return self.fault_rules.add(**arguments)

    # ``faults()`` lists the rules: ``Emulator.faults`` is the start-up ``Faults``, which
    # answers the call (see ``Faults.__call__``) so that its settings stay where they were.

    def fault_remove(self, id: str) -> dict[str, Any]:
        """Remove one rule (an unknown ID: a ``ControlError``, 404)."""
        return self.fault_rules.remove(id)

    def faults_clear(self) -> dict[str, Any]:
        """Remove every rule, the start-up faults' included."""
        return self.fault_rules.clear()

    # ---- the journal

    def journal(
        self,
        operation: str | None = None,
        kind: str | None = None,
        since: Any = None,
        applied: bool | None = None,
    ) -> list[dict[str, Any]]:
        """The requests served, oldest first, masked (see ``journal.py``)."""
        return self.journal_log.entries(operation, kind, since, applied)

    def journal_clear(self) -> dict[str, Any]:
        return self.journal_log.clear()

    def assert_called(
        self,
        operation: str,
        times: int | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        """An ``AssertionError`` unless ``operation`` was called (``times`` times) with
        variables matching ``variables``; it shows the closest calls and how they differ."""
        called(self.journal(), operation, times, variables)

    # ---- snapshots

    def snapshot_save(self, name: str) -> dict[str, Any]:
        """Save the whole state (records, ID sequences, applied counts, tokens, the clock's
        time) as ``name`` in ``snapshot_dir``, replacing a snapshot of that name: what
        ``snapshots()`` lists of it, and ``replaced``."""
        from . import snapshots

        return snapshots.save(self.store, self.snapshot_dir, name, self._clock)

    def snapshot_load(self, name: str) -> dict[str, Any]:
        """Put the state saved as ``name`` in place, in one step, and a manual clock at its
        time; the URL, the admin key, the refresh token and the access tokens issued stay
        good, the fault rules stay, the journal is emptied. A damaged file, or one of
        another format: a ``ControlError``, and the state as it was."""
        from . import snapshots

        found = snapshots.read(snapshots.existing(self.snapshot_dir, name), name)
        self.user_id = snapshots.put(self.store, found, keep_tokens=True)
        self.journal_log.clear()
        snapshots.set_clock(self._clock, found.header)
        return {"name": name, "records": found.header.get("records"), "clock": self.clock()}

    def snapshots(self) -> list[dict[str, Any]]:
        """The snapshots saved, by name: ``name``, ``created``, ``format``, ``size`` (bytes),
        ``records`` (by type), ``clock``; ``problem`` for a file that cannot be read."""
        from . import snapshots

        return snapshots.listing(self.snapshot_dir)

    def snapshot_delete(self, name: str) -> dict[str, Any]:
        from . import snapshots

        snapshots.existing(self.snapshot_dir, name).unlink()
        return {"deleted": name}

    def _start_from(self, source: str | Path | None) -> None:
        """Start from a snapshot: a name in ``snapshot_dir``, or a file's path (a ``Path``);
        its tokens and keys come with it, so its refresh token is good again."""
        from . import snapshots

        if source is None:
            return
        if isinstance(source, str):
            found = snapshots.read(snapshots.existing(self.snapshot_dir, source), source)
        else:
            found = snapshots.read(Path(source), str(source))
        snapshots.put(self.store, found, keep_tokens=False)
        snapshots.set_clock(self._clock, found.header)


def number(value: Any, field: str, *, low: float, high: float) -> float:
    """``value`` as a finite number in ``[low, high]``, else a ``ControlError`` naming it."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not low <= value <= high:
        raise ControlError(field, f"expected a number from {low:g} to {high:g}, got {value!r}")
    return float(value)
