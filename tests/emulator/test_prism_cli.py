"""Prismatic's own CLI (npm @prismatic-io/prism, pinned in tests/compat) works against the emulator.

.ci/run installs it with `npm ci --prefix tests/compat`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from prismatic_connector.emulator import Emulator
from prismatic_connector.emulator.seed import ACME_INVENTORY

from .prism import env, run

pytestmark = pytest.mark.prism

Prism = Callable[..., str]


@pytest.fixture
def prism(prismatic_emulator: Emulator, tmp_path: Path) -> Prism:
    home = tmp_path / "home"
    home.mkdir()
    environment = env(prismatic_emulator, home)

    def call(*args: str) -> str:
        done = run(environment, *args, cwd=tmp_path)
        assert done.returncode == 0, f"prism {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    return call


def _ids(output: str) -> dict[str, str]:
    """`--columns id,name --no-header` output as {name: id}."""
    rows = [line.strip().split(maxsplit=1) for line in output.splitlines() if line.strip()]
    return {name.strip(): id_ for id_, name in rows}


def test_prism_sequence(prism: Prism, prismatic_emulator: Emulator, tmp_path: Path) -> None:
    me = prism("me")
    assert "Name: Lisa Nguyen" in me
    assert "Organization: Smith Rockets" in me
    assert f"Endpoint URL: {prismatic_emulator.url}" in me

    customers = prism("customers:list", "--columns", "id,name", "--no-header")
    customer_ids = _ids(customers)
    assert set(customer_ids) == {"FTL Rockets", "Acme Corp", "Hooli", "Initech"}

    definition = tmp_path / "orbit.yml"
    definition.write_text(
        ACME_INVENTORY.replace("name: Acme Inventory\n", "name: Orbit Planner\n", 1)
    )
    integration_id = prism("integrations:import", "--path", str(definition)).strip()
    listed = prism("integrations:list", "--columns", "id,name,versionNumber", "--output", "json")
    rows = {row["name"]: row for row in json.loads(listed)}
    assert rows["Orbit Planner"]["id"] == integration_id
    assert str(rows["Orbit Planner"]["versionNumber"]) == "0"

    version_id = prism("integrations:publish", integration_id, "--comment", "From prism").strip()
    assert version_id
    assert version_id != integration_id
    versions = prism(
        "integrations:versions",
        integration_id,
        "--latest-available",
        "--columns",
        "id,versionNumber",
        "--no-header",
    )
    assert version_id in versions

    exported = prism("integrations:export", integration_id)
    assert "name: Orbit Planner" in exported
    assert "definitionVersion: 7" in exported

    flows = prism("integrations:flows:list", integration_id)
    assert "Sync Inventory" in flows
    assert "Nightly Reconcile" in flows

    credentials = json.dumps(
        [
            {"name": "username", "type": "value", "value": "u"},
            {"name": "password", "type": "value", "value": "p"},
        ]
    )
    login = json.dumps([{"key": "Acme Inventory User/Pass", "values": credentials}])
    instance_id = prism(
        "instances:create",
        "--name",
        "Orbit for Hooli",
        "--integration",
        version_id,
        "--customer",
        customer_ids["Hooli"],
        "--config-vars",
        login,
    ).strip()
    instances = prism("instances:list", "--columns", "id,name", "--no-header")
    assert _ids(instances)["Orbit for Hooli"] == instance_id

    assert prism("instances:deploy", instance_id).strip() == instance_id
    state = _instance(prismatic_emulator, instance_id)
    assert state["needsDeploy"] is False
    assert state["deployedVersion"] == 1

    prism("instances:disable", instance_id)
    assert _instance(prismatic_emulator, instance_id)["enabled"] is False
    prism("instances:enable", instance_id)
    assert _instance(prismatic_emulator, instance_id)["enabled"] is True

    components = prism("components:list", "--columns", "key", "--no-header")
    assert {"webhook-triggers", "http", "prismatic"} <= {
        line.strip() for line in components.splitlines()
    }

    answer = json.loads(
        prism(
            "graphql:query",
            "query ($id: ID!) { instance(id: $id) { name customer { name } } }",
            "--variables",
            json.dumps({"id": instance_id}),
        )
    )
    assert answer == {"instance": {"name": "Orbit for Hooli", "customer": {"name": "Hooli"}}}

    prism("instances:delete", instance_id)
    assert "Orbit for Hooli" not in prism("instances:list")
    assert prismatic_emulator.applied()["deleteInstance"] == 1


def _instance(emulator: Emulator, instance_id: str) -> dict[str, object]:
    query = "query ($id: ID!) { instance(id: $id) { enabled needsDeploy deployedVersion } }"
    result: dict[str, object] = emulator.execute(query, {"id": instance_id})["instance"]
    return result
