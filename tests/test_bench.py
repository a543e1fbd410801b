"""The benchmarks keep working: each runs once on a tiny size, and writes nothing in the tree."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.bench


def _tree() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_every_benchmark_runs_and_reports_ratios() -> None:
    before = _tree()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        [sys.executable, "-B", str(ROOT / "bench/run.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    rows = [
        line for line in done.stdout.splitlines() if line.startswith("| ") and "---" not in line
    ]
    titles = {row.split(" | ")[0].removeprefix("| ") for row in rows[1:]}
    assert {t.split(".")[0] for t in titles} == {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}
    ratios = [row.split(" | ")[3] for row in rows[1:] if row.split(" | ")[3]]
    assert ratios
    assert all(r.endswith("x") and float(r[:-1]) > 0 for r in ratios)
    assert _tree() == before
