"""A realistic session against an embedded emulator, through the connector's own actions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from ..component.runner import Component, load_component
from ..connection import Connection

DEMO_INTEGRATION = """\
definitionVersion: 7
name: Rocket Telemetry
description: Forward launch telemetry to the customer's data lake
category: Data
labels: [telemetry]
flows:
  - name: Receive Telemetry
    description: Accept a telemetry batch and forward it
    isSynchronous: false
    steps:
      - name: Integration Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}
      - name: Normalize Readings
        action: {key: runCode, component: {key: code, version: LATEST, isPublic: true}}
      - name: Send to Data Lake
        action: {key: httpPost, component: {key: http, version: LATEST, isPublic: true}}
"""

CREATE_INSTANCE = """mutation ($name: String!, $customer: ID!, $integration: ID!) {
  createInstance(input: {name: $name, customer: $customer, integration: $integration}) {
    instance { id name needsDeploy flowConfigs { nodes { flow { name } webhookUrl } } }
    errors { field messages }
  }
}"""


class Demo:
    def __init__(self, component: Component, connection: Connection, out: TextIO) -> None:
        self.component = component
        self.connection = connection
        self.out = out
        self.step = 0
        # The first answer of each action, for example payloads.
        self.envelopes: dict[str, Any] = {}

    def call(self, key: str, why: str, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
        self.step += 1
        label = self.component.action(key).label
        self.say(f"\n{self.step:>2}. {label} ({key}): {why}")
        envelope = self.component.invoke(key, inputs or {}, connection=self.connection)
        self.envelopes.setdefault(key, envelope)
        data: dict[str, Any] = envelope["data"]["data"]
        for value in data.values():
            errors = value.get("errors") if isinstance(value, dict) else None
            if errors:
                raise RuntimeError(f"{key} reported {json.dumps(errors)}")
        return data

    def say(self, line: str = "") -> None:
        print(line, file=self.out)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        cells = [
            [str(c) for c in header],
            *[["" if c is None else str(c) for c in row] for row in rows],
        ]
        widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
        for n, row in enumerate(cells):
            self.say(
                "    "
                + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
            if n == 0:
                self.say("    " + "  ".join("-" * w for w in widths))


def run(out: TextIO, *, component: Component | None = None) -> int:
    from ..emulator import Emulator
    from .emulator_seed import connector_seed

    component = component or load_component()
    with Emulator(seed="demo", connector=connector_seed(component.spec)) as emulator:
        connection = Connection(emulator.refresh_token, base_url=emulator.url)
        print(
            f"Prismatic API emulator on {emulator.url}, seeded with a demo organization.", file=out
        )
        session(Demo(component, connection, out))
        connection.close()
    print(
        "\nDone: every step above went over HTTP to the emulator, through the connector's actions.",
        file=out,
    )
    return 0


def session(demo: Demo) -> None:
    user = demo.call("getCurrentUser", "who the refresh token belongs to")["authenticatedUser"]
    demo.say(f"    Signed in as {user['name']} <{user['email']}> of {user['org']['name']}")

    customers = demo.call("listCustomers", "the organization's customers")["customers"]
    demo.table(
        ["Customer", "External ID", "Labels"],
        [(c["name"], c["externalId"], ", ".join(c["labels"])) for c in customers["nodes"]],
    )
    customer = customers["nodes"][0]

    imported = demo.call(
        "importIntegration",
        "create an integration from its YAML definition",
        {"yamlDefinition": DEMO_INTEGRATION},
    )["importIntegration"]["integration"]
    flows = ", ".join(f["name"] for f in imported["flows"]["nodes"])
    demo.say(f"    Imported '{imported['name']}' as a draft with flow(s): {flows}")

    published = demo.call(
        "publishIntegration",
        "release the draft as a version",
        {"integrationId": imported["id"], "comments": "First release"},
    )
    version = published["publishIntegration"]["integration"]
    demo.say(
        f"    Published version {version['versionNumber']} ({version['versionComment']}); "
        f"unpublished changes: {version['hasUnpublishedChanges']}"
    )

    created = demo.call(
        "rawRequest",
        f"create an instance of it for {customer['name']}",
        {
            "query": CREATE_INSTANCE,
            "variables": {
                "name": "Rocket Telemetry",
                "customer": customer["id"],
                "integration": version["id"],
            },
        },
    )["createInstance"]["instance"]
    demo.say(f"    Instance '{created['name']}' created; needs a deploy: {created['needsDeploy']}")
    for config in created["flowConfigs"]["nodes"]:
        demo.say(f"    Webhook of '{config['flow']['name']}': {config['webhookUrl']}")

    deployed = demo.call("deployInstance", "put it live", {"instanceId": created["id"]})[
        "deployInstance"
    ]
    demo.say(
        f"    Deployed version {deployed['instance']['deployedVersion']} at "
        f"{deployed['instance']['lastDeployedAt']}"
    )

    flow = imported["flows"]["nodes"][0]
    tested = demo.call(
        "testFlow",
        f"run '{flow['name']}' with a sample payload",
        {
            "flowId": flow["id"],
            "payload": json.dumps({"rocket": "Falcon", "altitudeKm": 412}),
            "contentType": "application/json",
        },
    )["testIntegrationFlow"]["testIntegrationFlowResult"]
    demo.say(
        f"    Flow answered HTTP {tested['statusCode']}; execution {tested['execution']['status']}"
    )

    execution = demo.call(
        "getExecution",
        "fetch the run's step results and logs",
        {"executionId": tested["execution"]["id"]},
    )["executionResult"]
    demo.table(
        ["Step", "Started", "Error"],
        [
            (s["displayStepName"], s["startedAt"][11:23], s["hasError"])
            for s in execution["stepResults"]["nodes"]
        ],
    )
    logs = execution["logs"]["nodes"]
    demo.say(f"    {len(logs)} log lines, the last: {logs[-1]['message']!r}")

    updated = demo.call(
        "updateInstance",
        "rename the instance",
        {"instanceId": created["id"], "name": "Rocket Telemetry (EU)"},
    )["updateInstance"]["instance"]
    demo.say(f"    Now named '{updated['name']}'")

    disabled = demo.call("disableInstnce", "pause it", {"instanceId": created["id"]})[
        "updateInstance"
    ]["instance"]
    demo.say(f"    Enabled: {disabled['enabled']}")

    listed = demo.call(
        "listInstances",
        "every instance, enabled or not (Enabled left empty)",
        {"enabled": "", "needsDeploy": ""},
    )["instances"]
    demo.table(
        ["Instance", "Customer", "Enabled", "Version", "Needs deploy"],
        [
            (i["name"], i["customer"]["name"], i["enabled"], i["deployedVersion"], i["needsDeploy"])
            for i in listed["nodes"]
        ],
    )
