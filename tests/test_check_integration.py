"""check-integration on a realistic definition, sound and broken in each way it looks for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from prismatic_connector import Component
from prismatic_connector.authoring.integration_check import check_integration

SOUND = (Path(__file__).parent / "data" / "update-instances.yml").read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_the_sound_definition_has_no_findings(component: Component) -> None:
    assert check_integration(component, SOUND) == []


def test_aliases_resolve(component: Component) -> None:
    text = SOUND.replace("key: deployInstance,", "key: disableInstance,").replace(
        "deployInstance.results.data.data.deployInstance.errors",
        "deployInstance.results.data.data.updateInstance.errors",
    )
    assert check_integration(component, text) == []


@pytest.mark.parametrize(
    ("old", "new", "step", "input_", "problem"),
    [
        (
            "key: deployInstance,",
            "key: deployInstanse,",
            "Deploy Instance",
            "",
            "no action 'deployInstanse'",
        ),
        (
            "comments: {type: value",
            "comment: {type: value",
            "Publish Integration",
            "comment",
            "has no such input",
        ),
        (
            "connection: {type: configVar, value: Prismatic Connection}\n          enabled",
            "connection: {type: value, value: Prismatic Connection}\n          enabled",
            "List Instances",
            "connection",
            "cannot be given as value",
        ),
        (
            'enabled: {type: value, value: "true"}',
            "enabled: {type: value, value: maybe}",
            "List Instances",
            "enabled",
            "expected true or false",
        ),
        (
            "first: {type: value, value: 50}",
            "first: {type: value, value: fifty}",
            "List Instances",
            "first",
            "expected an integer",
        ),
        (
            "first: {type: value, value: 50}",
            "first: {type: shout, value: 50}",
            "List Instances",
            "first",
            "is not one of",
        ),
        (
            "              instanceId: {type: reference, value: moveInstance.results.data.data.updateInstance.instance.id}\n",
            "",
            "Deploy Instance",
            "instanceId",
            "is required but not given",
        ),
        ("instance { id name }", "instance { id name", "Move Instance", "query", "does not parse"),
        (
            "instance { id name }",
            "instance { id nope }",
            "Move Instance",
            "query",
            "Cannot query field 'nope'",
        ),
        (
            "deployInstance.results.data.data.deployInstance.errors",
            "deployInstance.results.data.data.deployInstance.errorz",
            "Fail On Errors",
            "errors",
            "selects no 'errorz'",
        ),
        (
            "deployInstance.results.data.data.deployInstance.errors",
            "deployInstance.results.deployInstance.errors",
            "Fail On Errors",
            "errors",
            "read results.data.data",
        ),
        (
            "moveInstance.results.data.data.updateInstance.instance.id",
            "moveInstance.results.data.data.updateInstance.instance.name.first",
            "Deploy Instance",
            "instanceId",
            "selects no 'first'",
        ),
        (
            "publishIntegration.results.data.data.publishIntegration.integration.id}",
            "publishIntegration.results.data.data.publishIntegration.integration.idd}",
            "Move Instance",
            "variables",
            "selects no 'idd'",
        ),
    ],
)
def test_each_kind_of_mistake_is_named_with_its_line(
    component: Component, old: str, new: str, step: str, input_: str, problem: str
) -> None:
    assert old in SOUND
    text = SOUND.replace(old, new, 1)
    findings = check_integration(component, text)
    assert len(findings) == 1, findings
    finding = findings[0]
    assert (finding.flow, finding.step, finding.input) == ("Update All", step, input_)
    assert problem in finding.problem
    step_at = text.index(f"- name: {step}")
    if input_ and not problem.startswith("is required"):
        # the line of the input's key, within its step
        assert finding.line == text[: text.index(f" {input_}:", step_at)].count("\n") + 1
    else:
        assert finding.line == text[:step_at].count("\n") + 1


def test_yaml_that_does_not_load_is_a_finding_with_its_line(component: Component) -> None:
    text = SOUND.replace("category: Operations", "category: [Operations")
    (finding,) = check_integration(component, text)
    assert "invalid YAML" in finding.problem
    assert finding.line > 0


def test_the_command_exits_1_on_findings_and_0_when_sound(tmp_path: Path) -> None:
    sound = Path(__file__).parent / "data" / "update-instances.yml"
    command = [sys.executable, "-m", "prismatic_connector", "check-integration"]
    ok = subprocess.run([*command, str(sound)], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(
        SOUND.replace("comments: {type: value", "comment: {type: value"), encoding="utf-8"
    )
    bad = subprocess.run([*command, str(broken)], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert (
        f"line {line_of(broken.read_text(), 'comment: {type')}: flow 'Update All', step 'Publish Integration', input 'comment'"
        in bad.stdout
    )
    missing = subprocess.run(
        [*command, str(tmp_path / "none.yml")], capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr


@pytest.mark.parametrize("version", [6, 7])
def test_the_definition_versions_prismatic_reads_are_accepted(
    component: Component, version: int
) -> None:
    text = SOUND.replace("definitionVersion: 7", f"definitionVersion: {version}", 1)
    assert check_integration(component, text) == []


@pytest.mark.parametrize(
    ("version", "shown"), [("99", "99"), ('"7"', "'7'"), ("true", "True"), ("null", "None")]
)
def test_another_definition_version_is_refused_on_its_line(
    component: Component, version: str, shown: str
) -> None:
    text = "# exported\n" + SOUND.replace("definitionVersion: 7", f"definitionVersion: {version}")
    found = check_integration(component, text)
    assert [str(f) for f in found] == [
        f"line 2: definitionVersion {shown} is not supported (supported: 6, 7)"
    ]


def test_a_definition_without_a_version_is_refused(component: Component) -> None:
    text = SOUND.replace("definitionVersion: 7\n", "", 1)
    assert [str(f) for f in check_integration(component, text)] == [
        "line 1: definitionVersion is missing (supported: 6, 7)"
    ]
