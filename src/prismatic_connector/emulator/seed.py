"""What a new emulator holds: an organization, its owner, roles, the built-in components and
the connector it is given (``connector.py``), and, with ``seed="demo"``, a few customers, a
published integration and a deployed instance.

The demo data is written through the emulator's own GraphQL mutations, so it is
exactly what a client would have made.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

from . import ids
from .model import components, org, scoped
from .transaction import Record, Tx

Execute = Callable[[str, dict[str, Any]], dict[str, Any]]

ORG_ROLES = [
    ("Owner", "Full access, including billing and the organization's users."),
    ("Admin", "Manage integrations, customers, instances and team members."),
    ("Integrator", "Build and publish integrations; deploy instances."),
    ("Member", "View integrations, customers and instances."),
]
CUSTOMER_ROLES = [
    ("Admin", "Manage the customer's instances and users."),
    ("Member", "View the customer's instances."),
    ("Marketplace User", "Enable integrations from the embedded marketplace."),
]
PERMISSIONS = [
    ("integration:view", "View integrations", "See integrations and their versions."),
    (
        "integration:manage",
        "Manage integrations",
        "Create, import, publish and delete integrations.",
    ),
    ("instance:manage", "Manage instances", "Create, configure, deploy and delete instances."),
    ("customer:manage", "Manage customers", "Create, update and delete customers and their users."),
]

# (key, label, description, category, [(action key, label, is trigger)])
BUILT_INS: list[tuple[str, str, str, str, list[tuple[str, str, bool]]]] = [
    (
        "webhook-triggers",
        "Webhook",
        "Invoke a flow by sending a request to its webhook URL",
        "Triggers",
        [("webhook", "Webhook", True)],
    ),
    (
        "schedule-triggers",
        "Schedule",
        "Run a flow on a schedule",
        "Triggers",
        [("schedule", "Schedule", True)],
    ),
    (
        "http",
        "HTTP",
        "Make HTTP requests to other services",
        "Application Connectors",
        [("httpGet", "GET Request", False), ("httpPost", "POST Request", False)],
    ),
    ("code", "Code", "Run a snippet of JavaScript", "Logic", [("runCode", "Code Block", False)]),
    (
        "branch",
        "Branch",
        "Take one of several paths based on conditions",
        "Logic",
        [("branchOnExpression", "Branch on Expression", False)],
    ),
    (
        "loop",
        "Loop",
        "Run steps once for each item of a list",
        "Logic",
        [("loopOverItems", "Loop Over Items", False)],
    ),
    (
        "change-data-format",
        "Change Data Format",
        "Convert between JSON, XML, CSV and YAML",
        "Data Platforms",
        [
            ("serializeJson", "Serialize to JSON", False),
            ("deserializeJson", "Deserialize JSON", False),
        ],
    ),
]


def base(tx: Tx, connector: Mapping[str, Any]) -> str:
    """The organization, its owner and roles, the built-in components and ``connector``
    (as ``connector.check`` gives it); the owner's ID."""
    found = tx.insert(
        "Organization",
        org.organization(
            name="Smith Rockets",
            tenant_id=ids.new_uuid(),
            marketplace_name="Smith Rockets Marketplace",
        ),
    )
    permissions = [org.permission(*p) for p in PERMISSIONS]
    owner_role = ""
    for scope, roles in (("org", ORG_ROLES), ("customer", CUSTOMER_ROLES)):
        for level, (name, text) in enumerate(roles):
            role = org.role(
                scope=scope,
                name=name,
                description=text,
                level=level,
                permissions=permissions[: len(permissions) - level],
            )
            tx.insert("Role", role)
            owner_role = owner_role or role["id"]
    owner = org.user(
        email="owner@smith-rockets.example",
        name="Lisa Nguyen",
        role=owner_role,
        tenant_id=found["tenantId"],
        org=found["id"],
        joined=True,
        owner=True,
    )
    tx.insert("User", owner)
    for key, label, description, category, actions in BUILT_INS:
        record = _component(key, label, description, category)
        record["actions"] = [
            components.action(record["id"], key, key=a, label=al, trigger=trig)
            for a, al, trig in actions
        ]
        tx.insert("Component", record)
    tx.insert("Component", _connector(connector))
    return str(owner["id"])


def _connector(connector: Mapping[str, Any]) -> Record:
    """The connector's component record, with its actions and its connection."""
    key = connector["key"]
    record = _component(key, connector["label"], connector["description"], "Application Connectors")
    record["actions"] = [
        components.action(
            record["id"],
            key,
            key=a["key"],
            label=a["label"],
            description=a["description"],
            inputs=[_input(f"{key}:{a['key']}", i) for i in a["inputs"]],
        )
        for a in connector["actions"]
    ]
    connection = connector["connection"]
    record["connections"] = [
        components.connection(
            record["id"],
            key,
            key=connection["key"],
            label=connection["label"],
            comments=connection["comments"],
            inputs=[_input(f"{key}:{connection['key']}", i) for i in connection["inputs"]],
        )
    ]
    return record


def _component(key: str, label: str, description: str, category: str) -> Record:
    return components.component(
        id=ids.new_id("Component"),
        key=key,
        label=label,
        description=description,
        category=category,
    )


def _input(owner: str, spec: Mapping[str, Any]) -> Record:
    default, kind = spec["default"], spec["type"]
    return components.input_field(
        owner,
        key=spec["key"],
        label=spec["label"],
        type={"integer": "STRING", "json": "CODE"}.get(kind, kind.upper()),
        required=spec["required"],
        default=json.dumps(default) if isinstance(default, bool) else default,
        comments=spec["comments"],
    )


DATA = resources.files(__package__).joinpath("data")
ACME_INVENTORY = DATA.joinpath("acme-inventory.yaml").read_text(encoding="utf-8")
SALESFORCE_CONTACTS = DATA.joinpath("salesforce-contacts.yaml").read_text(encoding="utf-8")

_CREATE_CUSTOMER = """
mutation ($name: String!, $externalId: String, $description: String, $labels: [String]) {
  createCustomer(
    input: {name: $name, externalId: $externalId, description: $description, labels: $labels}
  ) { customer { id } errors { field messages } }
}"""
_IMPORT = """
mutation ($definition: String!) {
  importIntegration(input: {definition: $definition}) {
    integration { id } errors { field messages }
  }
}"""
_PUBLISH = """
mutation ($id: ID!, $comment: String) {
  publishIntegration(input: {id: $id, comment: $comment}) {
    integration { id } errors { field messages }
  }
}"""
_CREATE_INSTANCE = """mutation ($name: String!, $customer: ID!, $integration: ID!,
    $configVariables: [InputInstanceConfigVariable]) {
  createInstance(input: {name: $name, customer: $customer, integration: $integration,
                         configVariables: $configVariables}) {
    instance { id } errors { field messages } } }"""
_DEPLOY = """
mutation ($id: ID!) {
  deployInstance(input: {id: $id}) { instance { id } errors { field messages } }
}"""


def demo(execute: Execute) -> None:
    """Customers, a published integration with a deployed instance, and a draft."""
    customers = {}
    for name, external, description, labels in [
        ("FTL Rockets", "abc-123", "Faster-than-light Rocket Company, LLC", ["gold"]),
        ("Acme Corp", "acme-123", "Anvils, rockets and roller skates", ["silver"]),
        ("Hooli", "hooli-001", "Making the world a better place", []),
        ("Initech", "initech-42", "TPS reports, on time", ["bronze"]),
    ]:
        created = execute(
            _CREATE_CUSTOMER,
            {"name": name, "externalId": external, "description": description, "labels": labels},
        )
        customers[name] = created["createCustomer"]["customer"]["id"]
    draft = execute(_IMPORT, {"definition": ACME_INVENTORY})["importIntegration"]["integration"][
        "id"
    ]
    version = execute(_PUBLISH, {"id": draft, "comment": "First release"})["publishIntegration"][
        "integration"
    ]["id"]
    login = json.dumps(
        [
            {"name": "username", "type": "value", "value": "ftl-sync"},
            {"name": "password", "type": "value", "value": "demo-password"},
        ]
    )
    instance = execute(
        _CREATE_INSTANCE,
        {
            "name": "Acme Inventory",
            "customer": customers["FTL Rockets"],
            "integration": version,
            "configVariables": [
                {"key": "Acme Inventory Endpoint", "value": "https://acme.example/api"},
                {"key": "Acme Inventory User/Pass", "values": login},
            ],
        },
    )["createInstance"]["instance"]["id"]
    execute(_DEPLOY, {"id": instance})
    execute(_IMPORT, {"definition": SALESFORCE_CONTACTS})


def demo_connections(tx: Tx, connector_key: str) -> None:
    """The connector's connection activated for the organization and for FTL Rockets."""
    component = tx.first("Component", key=connector_key)
    customer = tx.first("Customer", externalId="abc-123")
    if component is None or customer is None or not component["connections"]:
        return
    connection = component["connections"][0]
    scoped.add(
        tx,
        stable_key="prismatic-api",
        description="Prismatic API, for every customer's instances",
        connection=connection,
    )
    scoped.add(
        tx,
        stable_key="ftl-prismatic-api",
        description="FTL Rockets' own Prismatic API credentials",
        connection=connection,
        customer=customer["id"],
    )
