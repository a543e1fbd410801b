"""What a new emulator holds: an organization, its owner, roles, the built-in components,
and, with ``seed="demo"``, a few customers, a published integration and a deployed instance.

The demo data is written through the emulator's own GraphQL mutations, so it is
exactly what a client would have made.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from importlib import resources
from typing import Any

from ..manifest import ComponentSpec
from . import ids
from .store import Store

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


def base(store: Store, connector: ComponentSpec) -> str:
    """The organization, its owner and roles, and the built-in components; the owner's ID."""
    tenant = str(uuid.uuid4())
    org = store.insert(
        "Organization",
        {
            "id": ids.new_id("Organization"),
            "name": "Smith Rockets",
            "avatarUrl": None,
            "labels": [],
            "systemSuspended": False,
            "marketplaceName": "Smith Rockets Marketplace",
            "featureFlags": None,
            "concurrentExecutionLimit": 10,
            "planExpiresAt": None,
            "tenantId": tenant,
            "allowUpdate": True,
            "allowRemove": False,
        },
    )
    permissions = [
        {
            "id": ids.encode("Permission", tag),
            "tag": tag,
            "name": name,
            "description": text,
            "objType": None,
            "allowUpdate": False,
            "allowRemove": False,
        }
        for tag, name, text in PERMISSIONS
    ]
    owner_role = ""
    for scope, roles in (("org", ORG_ROLES), ("customer", CUSTOMER_ROLES)):
        for level, (name, text) in enumerate(roles):
            role = store.insert(
                "Role",
                {
                    "id": ids.encode("Role", f"{scope}:{name}"),
                    "name": name,
                    "description": text,
                    "level": level,
                    "scope": scope,
                    "objType": None,
                    "permissions": permissions[: len(permissions) - level],
                    "allowUpdate": False,
                    "allowRemove": False,
                },
            )
            owner_role = owner_role or role["id"]
    moment = ids.now()
    owner = store.insert(
        "User",
        {
            "id": ids.new_id("User"),
            "email": "owner@smith-rockets.example",
            "name": "Lisa Nguyen",
            "externalId": None,
            "phone": None,
            "avatarUrl": None,
            "role": owner_role,
            "org": org["id"],
            "customer": None,
            "tenantId": tenant,
            "dateJoined": moment,
            "createdAt": moment,
            "updatedAt": moment,
            "darkMode": False,
            "darkModeSyncWithOs": True,
            "appName": "Prismatic",
            "allowChangeRoles": True,
            "allowUpdate": True,
            "allowRemove": False,
        },
    )
    for key, label, description, category, actions in BUILT_INS:
        _component(
            store,
            key,
            label,
            description,
            category,
            [(a, al, "", trig, []) for a, al, trig in actions],
            [],
        )
    _component(
        store,
        connector.key,
        connector.label,
        connector.description,
        "Application Connectors",
        [
            (a.key, a.label, a.description, False, [_input(i) for i in a.inputs])
            for a in connector.actions
        ],
        [
            (
                connector.connection.key,
                connector.connection.label,
                connector.connection.comments,
                [_input(i) for i in connector.connection.inputs],
            )
        ],
    )
    return str(owner["id"])


def _input(spec: Any) -> dict[str, Any]:
    default = spec.default
    return {
        "key": spec.key,
        "label": spec.label,
        "type": {"integer": "STRING", "json": "CODE"}.get(spec.type, spec.type.upper()),
        "required": spec.required,
        "default": json.dumps(default) if isinstance(default, bool) else default,
        "comments": spec.comments,
        "shown": True,
        "collection": None,
        "placeholder": None,
        "example": None,
        "keyLabel": None,
        "model": None,
        "onPremiseControlled": False,
        "language": None,
    }


def _component(
    store: Store,
    key: str,
    label: str,
    description: str,
    category: str,
    actions: list[tuple[str, str, str, bool, list[dict[str, Any]]]],
    connections: list[tuple[str, str, str, list[dict[str, Any]]]],
) -> None:
    component_id = ids.new_id("Component")
    version = 1
    store.insert(
        "Component",
        {
            "id": component_id,
            "key": key,
            "label": label,
            "description": description,
            "public": True,
            "category": category,
            "labels": [],
            "customer": None,
            "signature": hashlib.sha1(
                f"{key}:{version}".encode(), usedforsecurity=False
            ).hexdigest(),
            "documentationUrl": None,
            "searchTerms": label.lower(),
            "forCodeNativeIntegration": False,
            "versionSequenceId": str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
            "versionIsLatest": True,
            "versionNumber": version,
            "versionCreatedAt": ids.now(),
            "versionCreatedBy": None,
            "versionComment": None,
            "versionIsAvailable": True,
            "versionAttributes": None,
            "starred": False,
            "allowUpdate": False,
            "allowRemove": False,
            "iconUrl": None,
            "actions": [
                {
                    "id": ids.encode("Action", f"{key}:{action_key}"),
                    "component": component_id,
                    "key": action_key,
                    "label": action_label,
                    "description": action_description or action_label,
                    "directions": None,
                    "important": False,
                    "terminateExecution": False,
                    "breakLoop": False,
                    "allowsBranching": False,
                    "isTrigger": trigger,
                    "isCommonTrigger": trigger,
                    "isPollingTrigger": False,
                    "isDataSource": False,
                    "dataSourceType": None,
                    "searchTerms": None,
                    "staticBranchNames": [],
                    "dynamicBranchInput": None,
                    "examplePayload": None,
                    "synchronousResponseSupport": "VALID" if trigger else None,
                    "scheduleSupport": "VALID" if trigger else "INVALID",
                    "hasOnInstanceDeploy": False,
                    "hasOnInstanceDelete": False,
                    "inputs": [
                        {**i, "id": ids.encode("InputField", f"{key}:{action_key}:{i['key']}")}
                        for i in inputs
                    ],
                }
                for action_key, action_label, action_description, trigger, inputs in actions
            ],
            "connections": [
                {
                    "id": ids.encode("Connection", f"{key}:{conn_key}"),
                    "component": component_id,
                    "key": conn_key,
                    "label": conn_label,
                    "comments": comments,
                    "default": True,
                    "order": 0,
                    "oauth2Type": None,
                    "onPremiseAvailable": False,
                    "iconUrl": None,
                    "inputs": [
                        {**i, "id": ids.encode("InputField", f"{key}:{conn_key}:{i['key']}")}
                        for i in inputs
                    ],
                }
                for conn_key, conn_label, comments, inputs in connections
            ],
        },
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
