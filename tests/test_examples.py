"""Example payloads: generated from the emulator, committed, and shown wherever actions are."""

from __future__ import annotations

import json
import subprocess
import sys

from prismatic_connector import Component, examples, publishing
from prismatic_connector.authoring.docs import DOCS_PATH

from .conftest import ROOT


def test_every_committed_payload_is_what_the_emulator_answers(component: Component) -> None:
    fresh = examples.generate(component)
    assert sorted(fresh) == sorted(a.key for a in component.actions)
    for key, text in fresh.items():
        committed = (ROOT / "queries" / f"{key}.example.json").read_text(encoding="utf-8")
        assert committed == text, f"{key}: run `prismatic-connector examples`"
        envelope = json.loads(text)
        assert envelope["data"]["status"] == 200
        assert envelope["data"]["data"]
    # Nothing of the local emulator leaks into them.
    assert "127.0.0.1" not in "".join(fresh.values())


def test_a_rerun_writes_the_same_bytes(component: Component) -> None:
    assert examples.generate(component) == examples.generate(component)


def test_payloads_are_shown_by_describe_actions_docs_and_publish(component: Component) -> None:
    def cli(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "prismatic_connector", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout

    listed = json.loads(cli("actions", "--json"))["actions"]
    by_key = {a["key"]: a["examplePayload"] for a in listed}
    assert by_key["getInstance"] == examples.read(component, "getInstance")
    described = cli("describe", "getInstance")
    assert "example payload:" in described
    assert '"instance": {' in described
    docs = (ROOT / DOCS_PATH).read_text(encoding="utf-8")
    assert docs.count("#### Output Example Payload") == len(component.actions)
    variables = publishing.publish_variables(component)
    sent = {a["key"]: json.loads(a["examplePayload"]) for a in variables["actions"]}
    assert sent["listInstances"] == examples.read(component, "listInstances")
