"""The emulator's coverage table, the demo, and the pytest plugin."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

from prismatic_connector.emulator import Emulator
from prismatic_connector.emulator.coverage import render, rows

from ..conftest import ROOT


def test_coverage_lists_every_root_operation_and_the_committed_table_is_current() -> None:
    table = rows()
    assert len(table) == 80
    emulated = {name for _, name, done in table if done}
    assert {"customers", "importIntegration", "deployInstance", "publishComponent"} <= emulated
    assert {"alertMonitors", "importWorkflow", "convertLowCodeIntegration"} <= emulated
    assert emulated == {name for _, name, _ in table}
    assert (ROOT / "docs/emulator-coverage.md").read_text() == render()


def test_coverage_command_prints_the_table() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "prismatic_connector", "emulator", "coverage"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "| `deployInstance` | mutation | yes |" in done.stdout


def test_demo_runs_the_session() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "prismatic_connector", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for line in (
        "Signed in as Lisa Nguyen",
        "Imported 'Rocket Telemetry' as a draft",
        "Published version 1",
        "Deployed version 1",
        "execution SUCCESS",
        "Ending Instance Execution",
        "Enabled: False",
        "Rocket Telemetry (EU)  FTL Rockets  False",
    ):
        assert line in done.stdout
    assert done.stderr == ""


def test_plugin_is_registered_and_gives_a_running_emulator(prismatic_emulator: Emulator) -> None:
    plugins = {ep.name: ep.value for ep in metadata.entry_points(group="pytest11")}
    assert plugins["prismatic_connector"] == "prismatic_connector.pytest_plugin"
    assert prismatic_emulator.url.startswith("http://127.0.0.1:")
    assert prismatic_emulator.execute("{ authenticatedUser { name } }") == {
        "authenticatedUser": {"name": "Lisa Nguyen"}
    }
