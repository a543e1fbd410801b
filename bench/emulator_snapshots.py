"""What saving and loading a snapshot costs at 10,000 instances.

One in-process emulator with ``scale={"instances": 10000}``. The baseline, measured
in the same run on the same database, is SQLite's own backup API copying the state
into memory (what ``reset`` does, and the least any full copy costs). Saving adds the
serializing, the checksum and a synced file; loading adds reading and checking the
file, and putting the state in place with the running emulator's tokens kept.
Medians of interleaved rounds.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import Row, options, report

from prismatic_connector.emulator import Emulator


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    args = options(__doc__)
    instances, rounds = (200, 1) if args.quick else (10_000, 5)
    with (
        tempfile.TemporaryDirectory(prefix="bench-snapshots-") as folder,
        Emulator(seed="demo", scale={"instances": instances}, snapshot_dir=Path(folder)) as emu,
    ):
        samples: dict[str, list[float]] = {"backup": [], "save": [], "load": []}
        emu.snapshot_save("bench")  # warm up: the folder, the page cache
        for _ in range(rounds):
            samples["backup"].append(timed(lambda: emu.store.snapshot().close()))
            samples["save"].append(timed(lambda: emu.snapshot_save("bench")))
            samples["load"].append(timed(lambda: emu.snapshot_load("bench")))
        size = (Path(folder) / "bench.snapshot").stat().st_size
    base = statistics.median(samples["backup"])
    save = statistics.median(samples["save"])
    load = statistics.median(samples["load"])
    rows = [
        Row(f"sqlite3 backup to memory, {instances} instances", base * 1000, "ms", 1.0),
        Row(f"snapshot save, {instances} instances", save * 1000, "ms", save / base),
        Row(f"snapshot load, {instances} instances", load * 1000, "ms", load / base, "<= 1 s"),
        Row("snapshot file size", size / 1e6, "MB"),
    ]
    report("7. emulator snapshots", rows, args)


if __name__ == "__main__":
    main()
