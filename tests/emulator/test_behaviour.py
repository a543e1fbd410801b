"""Behaviour the guides document, beyond what the connector's actions touch."""

from __future__ import annotations

import threading

import requests

from prismatic_connector.emulator import Emulator
from prismatic_connector.emulator.seed import ACME_INVENTORY

CREATE = "mutation ($n: String!) { createCustomer(input: {name: $n}) { customer { id } errors { field messages } } }"


def test_concurrent_requests_are_safe(prismatic_emulator: Emulator) -> None:
    emu = prismatic_emulator
    token = emu.access_token()
    outcomes: list[bool] = []
    lock = threading.Lock()

    def create(name: str) -> None:
        answer = requests.post(
            f"{emu.url}/api",
            json={"query": CREATE, "variables": {"n": name}},
            timeout=30,
            headers={"Authorization": f"Bearer {token}"},
        )
        ok = not answer.json()["data"]["createCustomer"]["errors"]
        with lock:
            outcomes.append(ok)

    # 40 distinct names, each sent twice at once: exactly one of each pair may win.
    threads = [threading.Thread(target=create, args=(f"Racer {n % 40}",)) for n in range(80)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(True) == 40
    total = emu.execute('{ customers(name_Istartswith: "racer") { totalCount } }')["customers"][
        "totalCount"
    ]
    assert total == 40
    assert emu.applied()["createCustomer"] == 4 + 40


def test_is_system_filter_hides_test_customers(prismatic_emulator: Emulator) -> None:
    every = prismatic_emulator.execute("{ customers { nodes { name } } }")["customers"]["nodes"]
    real = prismatic_emulator.execute("{ customers(isSystem: false) { nodes { name } } }")[
        "customers"
    ]["nodes"]
    assert len(every) == len(real) + 1


def test_customer_users(prismatic_emulator: Emulator) -> None:
    emu = prismatic_emulator
    customer = emu.execute('{ customers(externalId: "abc-123") { nodes { id } } }')["customers"][
        "nodes"
    ][0]["id"]
    role = next(
        r["id"]
        for r in emu.execute("{ customerRoles { id name } }")["customerRoles"]
        if r["name"] == "Admin"
    )
    created = emu.execute(
        "mutation ($c: ID!, $r: ID!) { createCustomerUser(input: {customer: $c, role: $r, email: "
        '"pat@ftl.example", name: "Pat"}) { user { id customer { name } role { name } } errors { field messages } } }',
        {"c": customer, "r": role},
    )["createCustomerUser"]
    assert created["errors"] == []
    assert created["user"]["customer"]["name"] == "FTL Rockets"
    assert created["user"]["role"]["name"] == "Admin"
    users = emu.execute(
        "query ($id: ID!) { customer(id: $id) { users { nodes { email } } } }", {"id": customer}
    )
    assert users["customer"]["users"]["nodes"] == [{"email": "pat@ftl.example"}]
    duplicate = emu.execute(
        "mutation ($c: ID!, $r: ID!) { createCustomerUser(input: {customer: $c, role: $r, email: "
        '"PAT@ftl.example"}) { errors { field messages } } }',
        {"c": customer, "r": role},
    )
    assert duplicate["createCustomerUser"]["errors"][0]["field"] == "email"
    emu.execute(
        "mutation ($id: ID!) { deleteUser(input: {id: $id}) { errors { field } } }",
        {"id": created["user"]["id"]},
    )
    users = emu.execute(
        "query ($id: ID!) { customer(id: $id) { users { totalCount } } }", {"id": customer}
    )
    assert users["customer"]["users"]["totalCount"] == 0


def test_publishing_lists_the_version(prismatic_emulator: Emulator) -> None:
    emu = prismatic_emulator
    draft = emu.execute('{ integrations(name: "Acme Inventory") { nodes { id } } }')[
        "integrations"
    ]["nodes"][0]["id"]
    emu.execute(
        'mutation ($id: ID!) { updateIntegration(input: {id: $id, description: "v2 work"}) { errors { field } } }',
        {"id": draft},
    )
    assert (
        emu.execute(
            "query ($id: ID!) { integration(id: $id) { hasUnpublishedChanges } }", {"id": draft}
        )["integration"]["hasUnpublishedChanges"]
        is True
    )
    emu.execute(
        'mutation ($id: ID!) { publishIntegration(input: {id: $id, comment: "Second"}) { errors { field } } }',
        {"id": draft},
    )
    result = emu.execute(
        "query ($id: ID!) { integration(id: $id) { versionNumber hasUnpublishedChanges "
        "versions { nodes { versionNumber comment isAvailable } } } }",
        {"id": draft},
    )["integration"]
    assert (result["versionNumber"], result["hasUnpublishedChanges"]) == (2, False)
    assert [(v["versionNumber"], v["comment"]) for v in result["versions"]["nodes"]] == [
        (2, "Second"),
        (1, "First release"),
    ]
    every = emu.execute(
        '{ integrations(allVersions: true, name: "Acme Inventory", '
        "sortBy: {field: VERSION_NUMBER, direction: DESC}) { nodes { versionNumber versionIsLatest } } }"
    )
    numbers = [n["versionNumber"] for n in every["integrations"]["nodes"]]
    assert numbers == [2, 2, 1]  # version 2, then the draft that carries its number, then version 1


def test_import_checks_the_definition(prismatic_emulator: Emulator) -> None:
    query = (
        "mutation ($d: String!) { importIntegration(input: {definition: $d}) "
        "{ integration { id } errors { field messages } } }"
    )
    bad = ACME_INVENTORY.replace("definitionVersion: 7", "definitionVersion: 3").replace(
        "isTrigger: true", "isTrigger: false", 1
    )
    result = prismatic_emulator.execute(query, {"d": bad})["importIntegration"]
    assert result["integration"] is None
    (error,) = result["errors"]
    assert error["field"] == "definition"
    assert any("definitionVersion" in m for m in error["messages"])
    assert any(
        "flows[0].steps[0]: the first step must be the trigger" in m for m in error["messages"]
    )
    broken = prismatic_emulator.execute(query, {"d": "name: [oops"})["importIntegration"]["errors"][
        0
    ]["messages"]
    assert broken[0].startswith("Invalid YAML at line 1")


def test_export_normalises_the_definition(prismatic_emulator: Emulator) -> None:
    text = prismatic_emulator.execute(
        '{ integrations(name: "Acme Inventory") { nodes { definition } } }'
    )["integrations"]["nodes"][0]["definition"]
    assert "version: LATEST" not in text
    assert "version: 1" in text
    assert "endpointSecurityType: customer_optional" in text


def test_instance_filters(prismatic_emulator: Emulator) -> None:
    emu = prismatic_emulator
    for args, expected in [
        ('customer_ExternalId: "abc-123"', 1),
        ('customer_ExternalId: "acme-123"', 0),
        ("needsDeploy: true, isSystem: false", 0),
        ("enabled: true, isSystem: false", 1),
        ('name_Icontains: "INVENTORY", isSystem: false', 1),
        ("isSystem: true", 2),
    ]:
        assert (
            emu.execute(f"{{ instances({args}) {{ totalCount }} }}")["instances"]["totalCount"]
            == expected
        ), args


def test_organization_users_leave_out_customer_users_unless_asked(
    prismatic_emulator: Emulator,
) -> None:
    emu = prismatic_emulator
    role = emu.execute("{ customerRoles { id } }")["customerRoles"][0]["id"]
    customer = emu.execute("{ customers(first: 1) { nodes { id } } }")["customers"]["nodes"][0]
    emu.execute(
        """mutation ($c: ID!, $r: ID!) { createCustomerUser(input: {customer: $c, role: $r,
        email: "buyer@ftl.example", name: "Buyer"}) { errors { field } } }""",
        {"c": customer["id"], "r": role},
    )
    own = emu.execute("{ organization { users { nodes { email } } } }")["organization"]["users"]
    assert "buyer@ftl.example" not in [u["email"] for u in own["nodes"]]
    theirs = emu.execute(
        "query ($c: ID) { organization { users(customer: $c) { nodes { email } } } }",
        {"c": customer["id"]},
    )["organization"]["users"]["nodes"]
    assert [u["email"] for u in theirs] == ["buyer@ftl.example"]


def test_update_organization_without_an_id_changes_the_signed_in_users(
    prismatic_emulator: Emulator,
) -> None:
    renamed = prismatic_emulator.execute(
        'mutation { updateOrganization(input: {name: "Smith Rockets II"}) {'
        " organization { name } errors { field } } }"
    )["updateOrganization"]
    assert renamed == {"organization": {"name": "Smith Rockets II"}, "errors": []}


def test_global_debug_is_kept_on_the_instance(prismatic_emulator: Emulator) -> None:
    emu = prismatic_emulator
    found = emu.execute("{ instances(isSystem: false, first: 1) { nodes { id globalDebug } } }")
    instance = found["instances"]["nodes"][0]
    assert instance["globalDebug"] is False
    updated = emu.execute(
        "mutation ($id: ID) { updateInstance(input: {id: $id, globalDebug: true}) {"
        " instance { globalDebug } errors { field } } }",
        {"id": instance["id"]},
    )["updateInstance"]
    assert updated == {"instance": {"globalDebug": True}, "errors": []}
