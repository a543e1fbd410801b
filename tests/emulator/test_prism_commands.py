"""Prismatic's CLI through the commands the other prism tests leave out: alerts, log
severities, signing keys, on-prem resources, the organization's connections,
workflows, conversion, and a flow config's test with --tail.

Each scenario has an emulator of its own, so they run side by side; every command's
effect is checked on the emulator's state, not only on prism's output.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from prismatic_connector.emulator import Emulator
from prismatic_connector.emulator.seed import ACME_INVENTORY

from .prism import env, run
from .receiver import Receiver

pytestmark = pytest.mark.prism

Prism = Callable[..., str]


def _scenario(test: Callable[[Prism, Emulator, Path], None], home: Path) -> None:
    with Emulator(seed="demo") as emu:
        environment = env(emu, home)

        def prism(*args: str, fails: bool = False) -> str:
            """prism's output; with ``fails``, its error, having checked that it failed."""
            done = run(environment, *args, cwd=home)
            said = f"prism {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
            assert (done.returncode != 0) == fails, said
            return done.stderr if fails else done.stdout

        test(prism, emu, home)


def _query(emu: Emulator, query: str, **variables: Any) -> Any:
    return emu.execute(query, variables)


def _deployed_instance(emu: Emulator) -> dict[str, Any]:
    found = _query(
        emu,
        "{ instances(isSystem: false) { nodes { id flowConfigs { nodes { id flow { name } } } } } }",
    )
    return dict(found["instances"]["nodes"][0])


def alerts(prism: Prism, emu: Emulator, home: Path) -> None:
    assert "Log Severity Level Matched" in prism("alerts:triggers:list")
    assert "INFO" in prism("logs:severities:list")
    triggers = json.loads(prism("alerts:triggers:list", "--output", "json", "--extended"))
    by_name = {t["name"]: t["id"] for t in triggers}

    pager = Receiver()
    webhook = prism(
        "alerts:webhooks:create",
        "--name=Pager",
        f"--url={pager.url}",
        '--payloadTemplate={"alert": "$NAME: $TRIGGER"}',
        '--headers={"X-Team": "ops"}',
    ).strip()
    owner = _query(emu, "{ authenticatedUser { id } }")["authenticatedUser"]["id"]
    group = prism(
        "alerts:groups:create",
        "--name=Ops",
        f"--users={json.dumps([owner])}",
        f"--webhooks={json.dumps([webhook])}",
    ).strip()
    stored = _query(
        emu,
        "query ($id: ID!) { alertGroup(id: $id) { name users { nodes { id } }"
        " webhooks { nodes { url headers } } } }",
        id=group,
    )["alertGroup"]
    assert stored["name"] == "Ops"
    assert stored["users"]["nodes"] == [{"id": owner}]
    assert stored["webhooks"]["nodes"] == [{"url": pager.url, "headers": '{"X-Team": "ops"}'}]
    assert "Pager" in prism("alerts:webhooks:list")
    assert "Ops" in prism("alerts:groups:list")

    instance = _deployed_instance(emu)
    monitor = prism(
        "alerts:monitors:create",
        "--name=Noisy logs",
        f"--instance={instance['id']}",
        f"--triggers={json.dumps([by_name['Log Severity Level Matched']])}",
        "--log-severity=3",
        f"--groups={json.dumps([group])}",
    ).strip()
    listed = json.loads(prism("alerts:monitors:list", "--output", "json", "--extended"))
    assert [(m["id"], str(m["triggered"])) for m in listed] == [(monitor, "false")]

    # A run that logs at INFO trips the monitor; clearing it resets it.
    config = instance["flowConfigs"]["nodes"][0]["id"]
    prism("instances:flow-configs:test", config)
    events = prism("alerts:events:list", monitor)
    assert "Log Severity Level Matched" in events
    state = "query ($id: ID!) { alertMonitor(id: $id) { triggered events { totalCount } } }"
    assert _query(emu, state, id=monitor)["alertMonitor"] == {
        "triggered": True,
        "events": {"totalCount": 1},
    }
    assert pager.arrived.wait(10)
    [(headers, body)] = pager.posted
    assert headers["X-Team"] == "ops"
    assert json.loads(body) == {"alert": "Noisy logs: Log Severity Level Matched"}
    pager.close()
    prism("alerts:monitors:clear", monitor)
    assert _query(emu, state, id=monitor)["alertMonitor"]["triggered"] is False

    prism("alerts:monitors:delete", monitor)
    prism("alerts:groups:delete", group)
    prism("alerts:webhooks:delete", webhook)
    left = _query(
        emu,
        "{ alertMonitors { totalCount } alertGroups { totalCount } alertWebhooks { totalCount }"
        " alertEvents { totalCount } }",
    )
    assert {name: value["totalCount"] for name, value in left.items()} == {
        "alertMonitors": 0,
        "alertGroups": 0,
        "alertWebhooks": 0,
        "alertEvents": 0,
    }


def organization(prism: Prism, emu: Emulator, home: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    private = prism("organization:signing-keys:generate")
    assert "-----BEGIN PRIVATE KEY-----" in private
    key = serialization.load_pem_private_key(
        private[private.index("-----BEGIN") :].strip().encode(), password=None
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    keys = "{ organization { signingKeys { nodes { id publicKey imported } } } }"
    generated = _query(emu, keys)["organization"]["signingKeys"]["nodes"]
    assert [(k["publicKey"].encode(), k["imported"]) for k in generated] == [(public, False)]
    (home / "public.pem").write_bytes(public)
    imported = prism("organization:signing-keys:import", "-p", str(home / "public.pem")).strip()
    listing = prism("organization:signing-keys:list", "--extended")
    assert imported in listing
    assert generated[0]["id"] in listing
    prism("organization:signing-keys:delete", generated[0]["id"])
    left = _query(emu, keys)["organization"]["signingKeys"]["nodes"]
    assert [(k["id"], k["imported"]) for k in left] == [(imported, True)]

    jwt = prism("on-prem-resources:registration-jwt", "--orgOnly").strip()
    assert jwt.count(".") == 2
    resources = _query(emu, "{ onPremiseResources { nodes { id status customer { id } } } }")
    [resource] = resources["onPremiseResources"]["nodes"]
    assert resource["status"] == "PENDING"
    assert resource["customer"] is None
    assert resource["id"] in prism("on-prem-resources:list", "--extended")
    rotated = prism(
        "on-prem-resources:registration-jwt", "--rotate", f"--resourceId={resource['id']}"
    ).strip()
    assert rotated.count(".") == 2
    assert rotated != jwt
    prism("on-prem-resources:delete", resource["id"])
    assert _query(emu, "{ onPremiseResources { totalCount } }")["onPremiseResources"] == {
        "totalCount": 0
    }

    for managed_by, expected in (
        ("customer", [("ftl-prismatic-api", "FTL Rockets (abc-123)")]),
        ("org", [("prismatic-api", "N/A")]),
    ):
        listed = prism("organization:connections:list", f"--managed-by={managed_by}", "-x")
        rows = json.loads(
            prism("organization:connections:list", f"--managed-by={managed_by}", "--output=json")
        )
        assert [(r["stableKey"], r["customer"]) for r in rows] == expected, listed


def authoring(prism: Prism, emu: Emulator, home: Path) -> None:
    definition = home / "workflow.yml"
    definition.write_text(ACME_INVENTORY.replace("Acme Inventory", "Stock Watch"))
    workflow = prism("workflows:import", "--path", str(definition)).strip()
    exported = prism("workflows:export", workflow)
    assert "name: Stock Watch" in exported
    assert "version: LATEST" in exported
    stored = _query(
        emu, "query ($id: ID!) { workflow(id: $id) { name customer { id } } }", id=workflow
    )
    assert stored["workflow"] == {"name": "Stock Watch", "customer": None}

    integrations = _query(emu, '{ integrations(name: "Acme Inventory") { nodes { id } } }')
    integration = integrations["integrations"]["nodes"][0]["id"]
    answer = prism("integrations:convert", integration, "--includeComments")
    url = next(line.strip() for line in answer.splitlines() if "/media/" in line)
    archive = zipfile.ZipFile(io.BytesIO(requests.get(url, timeout=10).content))
    assert sorted(archive.namelist()) == [
        "package.json",
        "src/configPages.ts",
        "src/flows.ts",
        "src/index.ts",
    ]
    flows = archive.read("src/flows.ts").decode()
    assert 'name: "Sync Inventory"' in flows
    assert "// Step 'Fetch Item'" in flows

    variables = json.dumps([{"key": "Acme Inventory Endpoint", "value": "https://stock.example"}])
    prism("integrations:update", integration, f"--test-config-vars={variables}")
    values = _query(
        emu,
        "query ($id: ID!) { integration(id: $id) { testConfigVariables { nodes"
        " { value requiredConfigVariable { key } } } } }",
        id=integration,
    )["integration"]["testConfigVariables"]["nodes"]
    by_key = {v["requiredConfigVariable"]["key"]: v["value"] for v in values}
    assert by_key["Acme Inventory Endpoint"] == "https://stock.example"


def flow_config_tail(prism: Prism, emu: Emulator, home: Path) -> None:
    instance = _deployed_instance(emu)
    config = instance["flowConfigs"]["nodes"][0]
    tailed = prism("instances:flow-configs:test", config["id"], "--tail", "-p", '{"sku": 7}')
    assert "Ending Instance Execution for 'Acme Inventory'" in tailed
    runs = _query(
        emu,
        "query ($id: ID!) { executionResults(instance: $id) { nodes { flow { name } } } }",
        id=instance["id"],
    )["executionResults"]["nodes"]
    assert runs == [{"flow": {"name": config["flow"]["name"]}}]


def people(prism: Prism, emu: Emulator, home: Path) -> None:
    customer = prism("customers:create", "--name=Globex", "--externalId=globex-1", "-l", "Gold")
    customer = customer.strip()
    prism("customers:update", customer, "--name=Globex Corp")
    roles = _query(emu, "{ customerRoles { id name } organizationRoles { id name } }")
    customer_admin = roles["customerRoles"][0]["id"]
    assert "Marketplace User" in prism("customers:users:roles")
    user = prism(
        "customers:users:create", f"-c={customer}", "-e=hank@globex.example", f"-r={customer_admin}"
    ).strip()
    prism("customers:users:update", user, "--name=Hank Scorpio")
    assert "Hank Scorpio" in prism("customers:users:list", customer)
    stored = _query(
        emu,
        "query ($id: ID!) { customer(id: $id) { name externalId labels users { nodes { name } } } }",
        id=customer,
    )["customer"]
    assert stored == {
        "name": "Globex Corp",
        "externalId": "globex-1",
        "labels": ["gold"],
        "users": {"nodes": [{"name": "Hank Scorpio"}]},
    }
    prism("customers:users:delete", user)
    prism("customers:delete", customer)
    assert _query(
        emu, "query ($id: String) { customers(externalId: $id) { totalCount } }", id="globex-1"
    )["customers"] == {"totalCount": 0}

    admin = next(r["id"] for r in roles["organizationRoles"] if r["name"] == "Admin")
    assert "Integrator" in prism("organization:users:roles")
    member = prism("organization:users:create", "-e=ops@smith.example", f"-r={admin}").strip()
    prism("organization:users:update", member, "--name=Ops Desk", "--phone=555-0100")
    listed = prism("organization:users:list")
    assert "Ops Desk" in listed
    assert "Lisa Nguyen" in listed
    prism("organization:users:delete", member)
    emails = _query(emu, "{ organization { users { nodes { email } } } }")["organization"]
    assert [u["email"] for u in emails["users"]["nodes"]] == ["owner@smith-rockets.example"]

    organization = prism("organization:update", "--name=Smith Rockets Intl").strip()
    prism(
        "organization:updateAvatarUrl",
        f"--organizationId={organization}",
        "--avatarUrl=https://cdn.example/smith.png",
    )
    assert _query(emu, "{ organization { name avatarUrl } }")["organization"] == {
        "name": "Smith Rockets Intl",
        "avatarUrl": "https://cdn.example/smith.png",
    }
    token = prism("me:token").strip()
    assert token.count(".") == 2
    # Phrases come from the marketplace's integrations, their definitions included.
    found = _query(emu, '{ integrations(name: "Acme Inventory") { nodes { id } } }')
    prism("integrations:marketplace", found["integrations"]["nodes"][0]["id"], "--available")
    prism("translations:list", "-o", str(home / "phrases.json"))
    phrases = json.loads((home / "phrases.json").read_text())
    assert {"Acme Inventory", "Sync Inventory", "Inventory Field Mapping"} <= set(phrases)


def integrations(prism: Prism, emu: Emulator, home: Path) -> None:
    found = _query(emu, '{ integrations(name: "Acme Inventory") { nodes { id } } }')
    acme = found["integrations"]["nodes"][0]["id"]
    blank = prism("integrations:create", "--name=Blank", "--description=Nothing yet").strip()
    fork = prism("integrations:fork", acme, "--name=Acme Fork", "--description=Ours").strip()
    prism("integrations:set-debug", "true", f"--integration-id={acme}")
    definition = home / "acme.yml"
    definition.write_text(ACME_INVENTORY)
    assert "valid" in prism("integrations:validate-yaml", str(definition))
    listen = prism(
        "integrations:flows:listen", "-i", acme, "--flow-name=Sync Inventory", "--timeout=1"
    )
    assert "Listening for webhook executions" in listen
    state = _query(
        emu,
        "query ($a: ID!, $f: ID!, $b: ID!) { a: integration(id: $a) { name }"
        " f: integration(id: $f) { name parent { id } } b: integration(id: $b) { name } }",
        a=acme,
        f=fork,
        b=blank,
    )
    assert state["f"] == {"name": "Acme Fork", "parent": {"id": acme}}
    assert state["b"] == {"name": "Blank"}
    test = _query(
        emu,
        "query ($a: ID!) { integration(id: $a) { instances(isSystem: true) { nodes { globalDebug } } } }",
        a=acme,
    )
    assert test["integration"]["instances"]["nodes"] == [{"globalDebug": True}]
    versions = _query(
        emu,
        '{ integrations(name: "Acme Inventory", allVersions: true)'
        " { nodes { id versionNumber } } }",
    )["integrations"]["nodes"]
    published = next(v["id"] for v in versions if v["versionNumber"] == 1)
    prism("integrations:available", published, "--no-available")
    availability = "query ($v: ID!) { integration(id: $v) { versionIsAvailable } }"
    assert _query(emu, availability, v=published)["integration"] == {"versionIsAvailable": False}
    prism("integrations:available", published, "--available")
    assert _query(emu, availability, v=published)["integration"] == {"versionIsAvailable": True}
    prism("integrations:delete", blank)
    assert _query(emu, '{ integrations(name: "Blank") { totalCount } }') == {
        "integrations": {"totalCount": 0}
    }

    instance = _deployed_instance(emu)["id"]
    connection = prism(
        "components:dev:run",
        f"--instanceId={instance}",
        "--connectionKey=Acme Inventory User/Pass",
        "--",
        "printenv",
        "PRISMATIC_CONNECTION_VALUE",
    )
    assert json.loads(connection)["fields"] == {"username": "ftl-sync", "password": "demo-password"}
    prism("instances:update", instance, "--name=Acme Inventory (FTL)")
    assert "https://acme.example/api" in prism("instances:config-vars:list", instance)
    assert "Nightly Reconcile" in prism("instances:flow-configs:list", instance)
    names = "query ($i: ID!) { instance(id: $i) { name } }"
    assert _query(emu, names, i=instance)["instance"] == {"name": "Acme Inventory (FTL)"}

    searched = json.loads(prism("components:list", "--search=http", "--output=json", "-x"))
    assert [c["key"] for c in searched] == ["http"]
    assert "Webhook" in prism("components:triggers:list", "webhook-triggers")
    prism("components:data-sources:list", "http")
    http = searched[0]["id"]
    refused_by_prism = prism("components:delete", http, fails=True)
    assert "Public components provided by Prismatic cannot be deleted." in refused_by_prism
    refused = _query(
        emu,
        "mutation ($id: ID!) { deleteComponent(input: {id: $id}) { errors { messages } } }",
        id=http,
    )
    assert refused["deleteComponent"]["errors"] == [
        {"messages": ["Public components provided by Prismatic cannot be deleted."]}
    ]
    assert _query(emu, "query ($id: ID!) { component(id: $id) { key } }", id=http) == {
        "component": {"key": "http"}
    }


def test_every_other_prism_command_against_the_emulator(tmp_path: Path) -> None:
    scenarios = [alerts, organization, authoring, flow_config_tail, people, integrations]
    homes = []
    for scenario in scenarios:
        home = tmp_path / scenario.__name__
        home.mkdir()
        homes.append(home)
    with ThreadPoolExecutor(max_workers=len(scenarios)) as pool:
        for done in [pool.submit(_scenario, s, h) for s, h in zip(scenarios, homes, strict=True)]:
            done.result()
