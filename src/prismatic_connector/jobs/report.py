"""A job's report as it goes: a JSON line per item when it finishes, then the summary.

stdout carries one object per item and a last ``{"summary": {...}}`` line; stderr
carries the progress bar (on a terminal only, so logs and pipes stay clean) and a
human summary. The exit status follows the results: 0 when every item is done, 1
when any failed, is unknown or was not started, or the job halted; 130 when it was
interrupted.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
# The results that leave an item done.
DONE = frozenset({"upgraded", "deployed", "skipped", "replayed"})
__all__ = ["DONE", "Reporter", "exit_status", "summary"]


def summary(results: Iterable[str], *, halted: bool, interrupted: bool = False) -> dict[str, Any]:
    counts = Counter(results)
    return {"counts": dict(sorted(counts.items())), "halted": halted, "interrupted": interrupted}


def exit_status(results: Iterable[str], *, halted: bool, interrupted: bool = False) -> int:
    if interrupted:
        return EXIT_INTERRUPTED
    if halted or any(r not in DONE for r in results):
        return EXIT_FAILED
    return EXIT_OK


class Reporter:
    """Writes each item's line as it finishes, and ticks the progress bar."""

    def __init__(self, out: TextIO | None, err: TextIO | None, *, total: int, label: str) -> None:
        self.out = out
        self.err = err
        self._lock = threading.Lock()
        self._bar: Any = None
        if err is not None and total and err.isatty():
            from tqdm import tqdm  # type: ignore[import-untyped]

            self._bar = tqdm(total=total, file=err, unit=label, leave=False)

    def item(self, line: Mapping[str, Any]) -> None:
        with self._lock:
            if self.out is not None:
                self.out.write(json.dumps(line) + "\n")
                self.out.flush()
            if self._bar is not None:
                self._bar.update(1)

    def finish(self, totals: Mapping[str, Any], human: str) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.close()
            if self.out is not None:
                self.out.write(json.dumps({"summary": dict(totals)}) + "\n")
                self.out.flush()
            if self.err is not None:
                self.err.write(human + "\n")
                self.err.flush()
