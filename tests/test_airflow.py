"""Apache Airflow runs the component: the example DAG with dag.test(), one task with
`airflow tasks test` as a worker would, the provider, the hook and the operator's rules.

Each runs in a subprocess with its own AIRFLOW_HOME and SQLite metadata database, as
Airflow reads its settings once per process; the connection comes from the
environment (AIRFLOW_CONN_PRISMATIC_DEFAULT), as a deployment's secrets backend would
give it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from prismatic_connector.emulator import Emulator, Faults

from .conftest import ROOT

pytestmark = pytest.mark.airflow

DAGS = ROOT / "examples" / "airflow"


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("airflow")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return env


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(seed="demo") as running:
        yield running


def connection(emu: Emulator, token: str | None = None) -> str:
    return json.dumps(
        {"conn_type": "prismatic", "host": emu.url, "password": token or emu.refresh_token}
    )


def python(env: dict[str, str], code: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**env, **extra},
        capture_output=True,
        text=True,
        timeout=300,
    )


DAG_TEST = f"""
import importlib.util
spec = importlib.util.spec_from_file_location("example", {str(DAGS / "deploy_new_version.py")!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
run = module.dag.test()
print("STATE", run.state)
"""


def test_the_example_dag_releases_and_deploys_a_new_version(
    airflow_env: dict[str, str], emu: Emulator
) -> None:
    done = python(airflow_env, DAG_TEST, AIRFLOW_CONN_PRISMATIC_DEFAULT=connection(emu))
    assert "STATE success" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    found = emu.execute(
        '{ instances(name: "Acme Inventory") { nodes { deployedVersion needsDeploy '
        "integration { versionNumber versionComment } } } }"
    )["instances"]["nodes"][0]
    assert found["integration"]["versionNumber"] == 2
    assert found["integration"]["versionComment"].startswith("Released by Airflow run ")
    assert (found["deployedVersion"], found["needsDeploy"]) == (2, False)
    assert emu.refresh_token not in done.stdout + done.stderr


def test_one_task_runs_through_airflow_tasks_test_as_a_worker_would(
    airflow_env: dict[str, str], emu: Emulator
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "airflow",
            "tasks",
            "test",
            "prismatic_deploy_new_version",
            "list_integrations",
        ],
        env={**airflow_env, "AIRFLOW_CONN_PRISMATIC_DEFAULT": connection(emu)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "new_state=success" in done.stdout + done.stderr
    assert emu.refresh_token not in done.stdout + done.stderr


PROVIDER_AND_HOOK = """
from airflow.providers_manager import ProvidersManager
from prismatic_connector.airflow.hook import PrismaticHook
manager = ProvidersManager()
print("PROVIDER", "prismatic-connector" in manager.providers)
print("TYPE", manager.hooks["prismatic"].hook_class_name)
print("GOOD", PrismaticHook().test_connection())
print("BAD", PrismaticHook("bad").test_connection())
"""


def test_the_provider_registers_the_connection_type_and_the_test_button_works(
    airflow_env: dict[str, str], emu: Emulator
) -> None:
    done = python(
        airflow_env,
        PROVIDER_AND_HOOK,
        AIRFLOW_CONN_PRISMATIC_DEFAULT=connection(emu),
        AIRFLOW_CONN_BAD=connection(emu, "not-a-refresh-token"),
    )
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    assert lines.get("PROVIDER") == "True", done.stderr[-3000:]
    assert lines["TYPE"] == "prismatic_connector.airflow.hook.PrismaticHook"
    assert lines["GOOD"].startswith("(True, 'Connected as ")
    assert lines["BAD"].startswith("(False, 'CredentialError: the refresh token was refused")


OPERATOR_RULES = """
import sys
from airflow.sdk.exceptions import AirflowFailException
from prismatic_connector.airflow.operator import PrismaticOperator
op = PrismaticOperator(
    task_id="t",
    action=sys.argv[1],
    inputs={"query": sys.argv[2]},
    fail_on_payload_errors=sys.argv[3:] != ["allow"],
)
try:
    op.execute({})
except AirflowFailException as exc:
    print("FAILED", str(exc)[:300])
else:
    print("PASSED")
"""
CREATE = (
    'mutation { createCustomer(input: {name: "%s"}) { customer { id } errors { field messages } } }'
)


@pytest.mark.parametrize(
    ("faults", "name", "said", "extra"),
    [
        (None, "FTL Rockets", "FAILED rawRequest answered payload errors: name", []),
        (None, "FTL Rockets", "PASSED", ["allow"]),
        (Faults(rate_drop_after_apply=1.0), "Maybe Rockets", "FAILED action 'rawRequest'", []),
        (None, "New Rockets", "PASSED", []),
        (None, "No Token Rockets", "FAILED no refresh token", ["no token"]),
    ],
    ids=["payload errors", "payload errors allowed", "outcome unknown", "fine", "no token"],
)
def test_the_operator_fails_on_payload_errors_and_unknown_outcomes_without_retry(
    airflow_env: dict[str, str], faults: Faults | None, name: str, said: str, extra: list[str]
) -> None:
    with Emulator(seed="demo", faults=faults) as emu:
        stored = connection(emu)
        if extra == ["no token"]:  # a connection saved without its password
            stored = json.dumps({"conn_type": "prismatic", "host": emu.url})
        done = subprocess.run(
            [sys.executable, "-c", OPERATOR_RULES, "rawRequest", CREATE % name, *extra],
            env={**airflow_env, "AIRFLOW_CONN_PRISMATIC_DEFAULT": stored},
            capture_output=True,
            text=True,
            timeout=300,
        )
        applied = emu.applied().get("createCustomer", 0)
    assert said in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
    if faults is not None:
        assert "may or may not have been applied" in done.stdout
    assert applied >= 1  # the demo's own customers, plus at most this one, once


def test_the_example_dag_is_in_the_dags_folder() -> None:
    assert (DAGS / "deploy_new_version.py").is_file()
    assert (
        Path(DAGS / "acme-inventory-v2.yml")
        .read_text(encoding="utf-8")
        .startswith("definitionVersion: 7")
    )
