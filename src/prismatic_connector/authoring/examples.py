"""Example payloads: what each action answers, taken from the emulator, never written by hand.

The demo session runs on an embedded emulator with numbered IDs and a fixed
clock, then the actions it does not reach; each action's first answer is kept
as ``queries/<key>.example.json``. The emulator's address becomes Prismatic's,
so a re-run writes the same bytes.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..component.runner import Component
    from .demo import Demo

PUBLIC_URL = "https://app.prismatic.io"


def path(component: Component, key: str) -> Path:
    return component.bundle.root / "queries" / f"{key}.example.json"


def read(component: Component, key: str) -> Any:
    """The action's example payload, or None when it has none."""
    found = path(component, key)
    return json.loads(found.read_text(encoding="utf-8")) if found.is_file() else None


def generate(component: Component) -> dict[str, str]:
    """Each action's example payload as the text of its file."""
    from ..connection import Connection
    from ..emulator import Emulator
    from ..emulator.ids import Fixed, use
    from .demo import Demo, session
    from .emulator_seed import connector_seed

    seeded = connector_seed(component.spec)
    with use(Fixed()), Emulator(seed="demo", connector=seeded) as emulator:
        with Connection(emulator.refresh_token, base_url=emulator.url, rate_limit=None) as conn:
            demo = Demo(component, conn, io.StringIO())
            session(demo)
            _the_rest(demo)
            _executions(demo)
        url = emulator.url
    out = {}
    for action in component.actions:
        text = json.dumps(demo.envelopes[action.key], indent=2, ensure_ascii=False)
        out[action.key] = text.replace(url, PUBLIC_URL) + "\n"
    return out


def _the_rest(demo: Demo) -> None:
    """The actions the demo session does not call, on what it made."""
    customer = demo.call("listCustomers", "")["customers"]["nodes"][0]
    demo.call("getCustomer", "", {"customer": customer["id"]})
    listed = demo.call("listIntegrations", "", {"hasUnpublishedChanges": ""})
    integrations = listed["integrations"]["nodes"]
    integration = next(i for i in integrations if i["name"] == "Rocket Telemetry")
    demo.call("getIntegration", "", {"integrationId": integration["id"]})
    demo.call("listFlows", "", {"integrationId": integration["id"]})
    demo.call(
        "updateIntegration",
        "",
        {"integrationId": integration["id"], "description": "Launch telemetry to the data lake"},
    )
    instance = demo.call("listInstances", "", {"enabled": "", "needsDeploy": ""})["instances"]
    demo.call("getInstance", "", {"instanceId": instance["nodes"][0]["id"]})
    demo.call("listComponents", "")
    _fleet(demo, instance["nodes"])


def _fleet(demo: Demo, instances: list[dict[str, Any]]) -> None:
    """The actions added for moving instances between versions."""
    acme = next(i for i in instances if i["integration"]["name"] == "Acme Inventory")
    version = acme["integration"]["id"]
    demo.call("updateInstanceVersion", "", {"instanceId": acme["id"], "versionId": version})
    demo.call(
        "updateInstanceConfigVariables",
        "",
        {
            "instanceId": acme["id"],
            "configVariables": [
                {"key": "Acme Inventory Endpoint", "value": "https://acme.example/v2"}
            ],
        },
    )
    demo.call("bulkUpdateInstancesToLatestVersion", "", {"integrationId": version})


def _executions(demo: Demo) -> None:
    """The actions on runs the connector adds: the demo's latest run, replayed, and its logs."""
    runs = demo.call("listExecutions", "", {"first": 2})["executionResults"]["nodes"]
    replayed = demo.call("replayExecution", "", {"executionId": runs[0]["id"]})
    run = replayed["replayExecution"]["instanceExecutionResult"]
    demo.call("listLogs", "", {"execution": run["id"], "first": 5})
