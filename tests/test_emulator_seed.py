"""The emulator's copy of the shipped component (``emulator/data/connector.json``) is what
the manifest gives, and the emulator seeds it as the component it lists."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from prismatic_connector import Component
from prismatic_connector.authoring.emulator_seed import SEED_FILE, connector_seed, render
from prismatic_connector.emulator import Emulator
from prismatic_connector.emulator.connector import shipped

SEED = [sys.executable, "-m", "prismatic_connector.authoring.emulator_seed"]
LISTED = """{ components(key: "prismatic") { nodes { label description
  actions { nodes { key label inputs { nodes { key type required default } } } }
  connections { nodes { key label inputs { nodes { key } } } } } } }"""


def test_the_committed_seed_is_what_the_shipped_manifest_gives(component: Component) -> None:
    committed = SEED_FILE.read_text(encoding="utf-8")
    assert committed == render(component.spec), "run `python -m " + SEED[2] + "`"
    # And the emulator reads it back as the seed needs it, field for field.
    assert shipped() == connector_seed(component.spec)


def test_the_check_says_whether_the_file_is_current_and_a_run_makes_it_so(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "connector.json"
    stale = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    stale["actions"].pop()
    copy.write_text(json.dumps(stale), encoding="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [*SEED, *args, "--path", str(copy)]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    checked = run("--check")
    assert checked.returncode == 1
    assert checked.stderr == (
        f"prismatic-connector: error: {copy} is out of date: run python -m {SEED[2]}\n"
    )
    assert run().returncode == 0
    assert copy.read_text(encoding="utf-8") == SEED_FILE.read_text(encoding="utf-8")
    assert run("--check").returncode == 0


def test_the_emulator_lists_the_shipped_component_as_its_manifest_says(
    component: Component,
) -> None:
    with Emulator(seed="empty") as emu:
        listed = emu.execute(LISTED)["components"]["nodes"][0]
    spec = component.spec
    assert (listed["label"], listed["description"]) == (spec.label, spec.description)
    actions = listed["actions"]["nodes"]
    assert [a["key"] for a in actions] == [a.key for a in spec.actions]
    first = actions[0]["inputs"]["nodes"]
    assert [(i["key"], i["required"]) for i in first] == [
        (i.key, i.required) for i in spec.actions[0].inputs
    ]
    connection = listed["connections"]["nodes"][0]
    assert connection["key"] == spec.connection.key
    assert [i["key"] for i in connection["inputs"]["nodes"]] == [
        i.key for i in spec.connection.inputs
    ]
