"""A job's state file: JSON lines that survive a crash, a kill or Ctrl-C.

The first line is the header: the job's kind, its subject (the integration of a
rollout), its target, the plan (each item in order), a hash of that plan and the
tool's version. Every later line is one step of one item (``{"item": ID, "step":
..., ...}``), written, flushed and fsynced before the job goes on, so after any
crash the file says, for every item, the last step that began or ended. A torn
last line (the kill came mid-write) is ignored: its step is re-settled from the API.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .._version import __version__
from ..errors import InputError

__all__ = ["Header", "StateFile", "plan_hash", "read_state"]


def plan_hash(kind: str, subject: str, target: Any, plan: Sequence[Mapping[str, Any]]) -> str:
    """A digest of what the job means to do, to refuse another job's state file."""
    text = json.dumps([kind, subject, target, list(plan)], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Header:
    kind: str
    subject: str
    target: Any
    plan: list[dict[str, Any]]
    hash: str = ""
    version: str = __version__

    def line(self) -> dict[str, Any]:
        return {
            "header": {
                "kind": self.kind,
                "subject": self.subject,
                "target": self.target,
                "plan": self.plan,
                "planHash": self.hash or plan_hash(self.kind, self.subject, self.target, self.plan),
                "version": self.version,
            }
        }


@dataclass
class State:
    """What a state file holds: its header and each item's last step record."""

    header: Header
    last: dict[str, dict[str, Any]] = field(default_factory=dict)


def read_state(path: Path, kind: str) -> State:
    """The state file at ``path``, checked to be a ``kind`` job's and whole; else InputError."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(kind, "state", f"cannot read {path}: {exc.strerror}") from None
    try:
        head = json.loads(lines[0])["header"]
        header = Header(
            head["kind"], head["subject"], head["target"], head["plan"], head["planHash"]
        )
    except (IndexError, ValueError, KeyError, TypeError):
        raise InputError(kind, "state", f"{path} is not a state file (no header)") from None
    if header.kind != kind:
        raise InputError(kind, "state", f"{path} is the state of a {header.kind} job, not {kind}")
    if plan_hash(header.kind, header.subject, header.target, header.plan) != header.hash:
        raise InputError(kind, "state", f"{path} was altered: its plan does not match its hash")
    state = State(header)
    for text in lines[1:]:
        try:
            record = json.loads(text)
        except ValueError:
            continue  # a torn last line: that step is settled from the API
        if isinstance(record, dict) and isinstance(record.get("item"), str):
            state.last[record["item"]] = record
    return state


class StateFile:
    """Appends step records, each flushed and fsynced; safe from many threads."""

    def __init__(self, path: Path, header: Header | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.records = 0
        if header is not None:
            self._stream: TextIO = path.open("w", encoding="utf-8")
            self._write(header.line())
        else:
            self._stream = path.open("a", encoding="utf-8")

    def record(self, item: str, step: str, **details: Any) -> None:
        self._write({"item": item, "step": step, **details})

    def record_all(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Several records made durable together (a plan's, before anything is sent)."""
        self._write(*records)

    def _write(self, *lines: Mapping[str, Any]) -> None:
        text = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines)
        with self._lock:
            self._stream.write(text)
            self._stream.flush()
            os.fsync(self._stream.fileno())
            self.records += len(lines)

    def close(self) -> None:
        with self._lock:
            self._stream.close()
