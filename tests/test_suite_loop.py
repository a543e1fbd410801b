"""The suite's own loop: the slow groups are marked, a missing tool skips a test on a
workstation and fails it in CI, and a hung test is ended by a timeout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, SLOW_GROUPS

PRISM_TEST = "tests/emulator/test_prism_login.py::test_serve_prints_the_ca_for_node"
AIRFLOW_TEST = "tests/test_airflow.py::test_the_example_dag_is_in_the_dags_folder"


def pytest_run(
    *args: str, env: dict[str, str], cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rsf", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def without_ci() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "CI"}


@pytest.mark.parametrize(
    ("test", "hide", "says"),
    [
        (PRISM_TEST, "node", "Node.js and Prismatic's CLI (`npm ci --prefix tests/compat`)"),
        (AIRFLOW_TEST, "airflow", "Apache Airflow (`pip install -e '.[airflow]'`)"),
    ],
    ids=["node", "airflow"],
)
def test_a_missing_tool_skips_on_a_workstation_and_fails_in_ci(
    tmp_path: Path, test: str, hide: str, says: str
) -> None:
    env = without_ci()
    if hide == "node":
        env["PATH"] = str(tmp_path)  # a PATH without node
    else:  # Python reads this at start-up: airflow looks uninstalled
        (tmp_path / "sitecustomize.py").write_text("import sys\nsys.modules['airflow'] = None\n")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), env.get("PYTHONPATH")]))
    skipped = pytest_run(test, env=env)
    assert skipped.returncode == 0, skipped.stdout[-2000:]
    assert f"needs {says}" in skipped.stdout
    assert "1 skipped" in skipped.stdout

    failed = pytest_run(test, env={**env, "CI": "true"})
    assert failed.returncode == 1
    assert f"{says} is missing, and CI runs every test" in failed.stdout
    assert "1 error" in failed.stdout  # in its setup, before any fixture


def test_not_slow_leaves_out_every_slow_group() -> None:
    done = pytest_run("--collect-only", "-q", "-m", "not slow", env=without_ci())
    collected = done.stdout
    assert done.returncode == 0, collected[-2000:]
    assert "test_prism_" not in collected
    for module in ("test_airflow.py", "test_wheel.py", "test_bench.py", "test_scale.py"):
        assert f"{module}::" not in collected
    assert "tests/test_cli.py::" in collected
    assert len(SLOW_GROUPS) == 5


def test_a_hung_test_is_ended_by_the_timeout(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    assert request.config.getini("timeout") == "300"
    (tmp_path / "test_hangs.py").write_text(
        "import time\n\ndef test_hangs():\n    time.sleep(60)\n", encoding="utf-8"
    )
    done = pytest_run(
        "-o", "timeout=1", "-p", "no:randomly", str(tmp_path), env=without_ci(), cwd=tmp_path
    )
    assert done.returncode == 1
    assert "Timeout (>1.0s) from pytest-timeout" in done.stdout
