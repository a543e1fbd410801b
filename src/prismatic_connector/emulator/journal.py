"""The request journal: every ``/api`` request and token exchange, as it went.

An entry: ``time`` it arrived (ISO, on the emulator's clock) and ``epochSeconds``, ``path``,
``operationName``, ``kind``, ``rootFields``, ``variables``, ``status`` (0: dropped
unanswered), ``payloadErrors``, ``applied`` (a mutation that ran and was not refused),
``fault`` (the ID of the fault rule that struck) and ``durationMs``. Values are masked
(``masking.py``); the oldest entries go past ``MAX_ENTRIES`` or ``MAX_BYTES``.

``called`` is ``assert_called``'s check, pure so that ``EmulatorClient`` runs it too
on the journal it fetches.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..errors import ControlError
from .clock import Clock
from .masking import mask
from .matching import differences, subset

if TYPE_CHECKING:
    from .documents import Shape

MAX_ENTRIES = 10_000
MAX_BYTES = 32 * 1024 * 1024
CLOSEST = 3


class Journal:
    def __init__(
        self,
        clock: Clock,
        secrets: Callable[[], Iterable[str]] = tuple,
        *,
        max_entries: int | None = None,
        max_bytes: int | None = None,
    ) -> None:
        """``secrets``: what to mask wherever it appears (the admin key, refresh tokens)."""
        self.clock = clock
        self.secrets = secrets
        self.max_entries = MAX_ENTRIES if max_entries is None else max_entries
        self.max_bytes = MAX_BYTES if max_bytes is None else max_bytes
        self._entries: deque[tuple[dict[str, Any], int]] = deque()
        self._bytes = 0
        self._lock = threading.Lock()

    def start(self) -> tuple[float, float]:
        """When a request arrived: ``time.perf_counter()`` and the emulator's clock."""
        return time.perf_counter(), self.clock.now()

    def record(
        self,
        path: str,
        started: tuple[float, float],
        *,
        shape: Shape | None = None,
        operation_name: str | None = None,
        variables: Mapping[str, Any] | None = None,
        status: int = 0,
        payload_errors: list[Any] | None = None,
        applied: bool = False,
        fault: str | None = None,
    ) -> None:
        """One request as it went; ``started``: what ``start`` said when it arrived."""
        chosen = shape.chosen(operation_name) if shape is not None else None
        secrets = tuple(self.secrets())
        began, now = started
        entry = {
            "time": iso(now),
            "epochSeconds": now,
            "path": path,
            "operationName": operation_name or (chosen.name if chosen else None),
            "kind": chosen.kind if chosen else None,
            "rootFields": [r.name for r in chosen.roots] if chosen else [],
            "variables": mask(dict(variables or {}), secrets),
            "status": status,
            "payloadErrors": mask(payload_errors or [], secrets),
            "applied": applied,
            "fault": fault,
            "durationMs": round((time.perf_counter() - began) * 1000, 3),
        }
        size = len(json.dumps(entry, separators=(",", ":")))
        with self._lock:
            self._entries.append((entry, size))
            self._bytes += size
            while self._entries and (
                len(self._entries) > self.max_entries or self._bytes > self.max_bytes
            ):
                self._bytes -= self._entries.popleft()[1]

    def entries(
        self,
        operation: str | None = None,
        kind: str | None = None,
        since: Any = None,
        applied: bool | None = None,
    ) -> list[dict[str, Any]]:
        """The entries, oldest first, of ``operation`` (a root field or the operation's
        name), ``kind``, from ``since`` (ISO time or epoch seconds) and ``applied`` or not."""
        after = _since(since)
        if kind is not None and kind not in ("query", "mutation"):
            raise ControlError("kind", f"expected query or mutation, got {kind!r}")
        if applied is not None and not isinstance(applied, bool):
            raise ControlError("applied", f"expected true or false, got {applied!r}")
        if operation is not None and not isinstance(operation, str):
            raise ControlError("operation", f"expected a field name, got {operation!r}")
        with self._lock:
            entries = [entry for entry, _ in self._entries]
        return [
            e
            for e in entries
            if (operation is None or of(e, operation))
            and (kind is None or e["kind"] == kind)
            and (after is None or e["epochSeconds"] >= after)
            and (applied is None or e["applied"] is applied)
        ]

    def clear(self) -> dict[str, Any]:
        with self._lock:
            removed = len(self._entries)
            self._entries.clear()
            self._bytes = 0
        return {"removed": removed}


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat().replace("+00:00", "Z")


def _since(since: Any) -> float | None:
    if since is None:
        return None
    if isinstance(since, (int, float)) and not isinstance(since, bool):
        return float(since)
    if isinstance(since, str):
        try:
            return float(since)
        except ValueError:
            pass
        try:
            moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            return moment.timestamp()
    raise ControlError("since", f"expected an ISO time or epoch seconds, got {since!r}")


def of(entry: Mapping[str, Any], operation: str) -> bool:
    """Whether ``entry`` is a call of ``operation``: a root field, or the operation's name."""
    return operation in entry["rootFields"] or entry["operationName"] == operation


def called(
    entries: list[dict[str, Any]],
    operation: str,
    times: int | None = None,
    variables: Mapping[str, Any] | None = None,
) -> None:
    """``assert_called``: an ``AssertionError`` unless ``operation`` was called (exactly
    ``times`` times, if given) with variables matching the subset ``variables``; its
    message shows the closest calls and how each differs."""
    wanted = dict(variables or {})
    matching = [e for e in entries if of(e, operation) and subset(wanted, e["variables"])]
    if (len(matching) == times) if times is not None else matching:
        return
    expected = f"exactly {times}" if times is not None else "at least 1"
    with_vars = f" with variables {wanted!r}" if wanted else ""
    lines = [f"expected {expected} call(s) of {operation}{with_vars}; got {len(matching)}"]
    ranked = sorted(entries, key=lambda e: _distance(e, operation, wanted), reverse=False)
    closest = ranked[:CLOSEST] if times is None else (matching or ranked)[:CLOSEST]
    if not entries:
        lines.append("the journal is empty")
    elif closest:
        lines.append("closest calls:")
    for entry in closest:
        lines.append(f"  {_call(entry)}: {_how(entry, operation, wanted)}")
    raise AssertionError("\n".join(lines))


def _distance(
    entry: Mapping[str, Any], operation: str, wanted: Mapping[str, Any]
) -> tuple[int, int]:
    return (0 if of(entry, operation) else 1, len(differences(wanted, entry["variables"])))


def _call(entry: Mapping[str, Any]) -> str:
    name = entry["operationName"] or ",".join(entry["rootFields"]) or entry["path"]
    return f"{entry['time']} {name}"


def _how(entry: Mapping[str, Any], operation: str, wanted: Mapping[str, Any]) -> str:
    parts = []
    if not of(entry, operation):
        got = ", ".join(entry["rootFields"]) or entry["operationName"] or entry["path"]
        parts.append(f"different operation (expected {operation}, got {got})")
    parts.extend(differences(wanted, entry["variables"]))
    return "; ".join(parts) or "matches"
