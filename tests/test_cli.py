"""The command line: actions, describe, invoke, check, docs; output, errors and exit status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT
from .loopback import REFRESH_TOKEN, RecordingServer

INSTANCE = "SW5zdGFuY2U6MQ=="


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "prismatic_connector", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# Actions the connector adds beyond Prismatic's 18 documented ones.
ADDED = {
    "updateInstanceVersion",
    "updateInstanceConfigVariables",
    "bulkUpdateInstancesToLatestVersion",
    "listExecutions",
    "replayExecution",
    "listLogs",
}


@pytest.fixture
def api_env(server: RecordingServer) -> dict[str, str]:
    return {"PRISM_REFRESH_TOKEN": REFRESH_TOKEN, "PRISMATIC_URL": server.url}


def test_actions_lists_keys_and_labels() -> None:
    done = run("actions")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    # The 18 documented actions and those the connector adds (its fleet operations).
    assert len(lines) == 18 + len(ADDED)
    assert {line.split()[0] for line in lines} >= ADDED
    assert any(line.split()[0] == "disableInstnce" and "Disable Instance" in line for line in lines)


def test_actions_json_is_the_whole_manifest_view() -> None:
    done = run("actions", "--json")
    view = json.loads(done.stdout)
    assert sum(not a["addedByConnector"] for a in view["actions"]) == 18
    assert {a["key"] for a in view["actions"] if a["addedByConnector"]} >= ADDED
    list_instances = next(a for a in view["actions"] if a["key"] == "listInstances")
    assert list_instances["label"] == "List Instances"
    assert list_instances["description"] == "List all instances"
    enabled = next(i for i in list_instances["inputs"] if i["key"] == "enabled")
    assert enabled == {
        "key": "enabled",
        "label": "Enabled",
        "type": "boolean",
        "required": False,
        "default": True,
        "comments": "Filter for objects where enabled matches the specified value.",
    }
    assert view["connection"]["key"] == "apiKey"


def test_describe_shows_inputs_and_defaults() -> None:
    done = run("describe", "disableInstance")
    assert done.returncode == 0
    assert "Disable Instance (disableInstnce)" in done.stdout
    assert "instanceId  (string, required)" in done.stdout
    assert "default: true" in run("describe", "listInstances").stdout


def test_invoke_prints_the_envelope(server: RecordingServer, api_env: dict[str, str]) -> None:
    data = {"instances": {"nodes": [], "pageInfo": {"hasNextPage": False}, "totalCount": 0}}
    server.reply_data(data)
    done = run("invoke", "listInstances", "--input", "first=5", "--input", "enabled=", env=api_env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"data": {"status": 200, "data": data}}
    assert server.api_calls[0].body["variables"] == {"first": 5, "needsDeploy": False}


def test_invoke_takes_inputs_as_json_or_a_file(
    server: RecordingServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    server.reply_data({"updateInstance": {"instance": {"id": INSTANCE}, "errors": []}})
    file = tmp_path / "inputs.json"
    file.write_text(json.dumps({"instanceId": INSTANCE, "name": "From file"}))
    assert (
        run(
            "invoke",
            "updateInstance",
            "--inputs-json",
            f"@{file}",
            "-i",
            "name=Flag wins",
            env=api_env,
        ).returncode
        == 0
    )
    assert (
        run(
            "invoke",
            "updateInstance",
            "--inputs-json",
            json.dumps({"instanceId": INSTANCE}),
            env=api_env,
        ).returncode
        == 0
    )
    assert server.api_calls[0].body["variables"] == {"instanceId": INSTANCE, "name": "Flag wins"}
    assert server.api_calls[1].body["variables"] == {"instanceId": INSTANCE}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["invoke", "deployInstance"], "action 'deployInstance', input 'instanceId': is required"),
        (["invoke", "listInstances", "-i", "first=x"], "input 'first': expected an integer"),
        (["invoke", "listInstances", "-i", "first"], "expected NAME=VALUE"),
        (["invoke", "listInstances", "--inputs-json", "[1]"], "expected a JSON object"),
        (["invoke", "nope"], "no such action"),
        (["describe", "nope"], "no such action"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_usage_or_input_exits_2_with_one_line(
    server: RecordingServer, api_env: dict[str, str], args: list[str], message: str
) -> None:
    done = run(*args, env=api_env)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert message in done.stderr
    assert server.api_calls == []


def test_failed_action_exits_1(server: RecordingServer, api_env: dict[str, str]) -> None:
    server.responder = lambda call: __import__("tests.loopback", fromlist=["Reply"]).Reply(
        200,
        {
            "data": {"instance": None},
            "errors": [{"message": "Record not found", "path": ["instance"]}],
        },
    )
    done = run("invoke", "getInstance", "-i", f"instanceId={INSTANCE}", env=api_env)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "prismatic-connector: error: GraphQLError: action 'getInstance': Record not found (at instance)"
    )


def test_missing_refresh_token_exits_2_with_what_to_do(server: RecordingServer) -> None:
    done = run("invoke", "getCurrentUser", "--url", server.url)
    assert done.returncode == 2  # nothing was sent: bad usage, as the README's table says
    assert "CredentialError" in done.stderr
    assert "prism me:token --type refresh" in done.stderr


def test_check_passes_on_the_shipped_component() -> None:
    done = run("check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{18 + len(ADDED)} actions" in done.stdout


def test_committed_docs_are_current() -> None:
    done = run("docs", "--check")
    assert done.returncode == 0, done.stderr


def test_docs_writes_the_reference(tmp_path: Path) -> None:
    target = tmp_path / "connector.md"
    assert run("docs", "--output", str(target)).returncode == 0
    assert target.read_text() == (ROOT / "docs/connector.md").read_text()


@pytest.mark.parametrize("command", ["invoke", "step", "publish", "token"])
def test_help_names_the_environment_a_command_reads(command: str) -> None:
    done = run(command, "--help")
    assert done.returncode == 0
    for name in ("PRISM_REFRESH_TOKEN", "PRISMATIC_URL", "PRISMATIC_TENANT_ID"):
        assert f"\n  {name}  " in done.stdout, (command, name)


def test_the_token_commands_help_reads_as_sentences() -> None:
    token = run("token", "--help").stdout
    assert "\nManage the refresh token that $PRISM_REFRESH_TOKEN holds.\n" in token
    revoke = " ".join(token.split())
    assert "revoke the refresh token in $PRISM_REFRESH_TOKEN, with every other refresh token" in (
        revoke
    )
    listed = " ".join(run("--help").stdout.split())
    assert "token revoke the refresh token, so that it stops working" in listed
