"""Components: the built-ins and the published ones, with their actions, connections and inputs."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from .. import ids
from ..query import Listing
from ..transaction import Record, Tx, Where, field_sql
from .base import require

LISTING = Listing(
    order_fields={
        "CATEGORY": "category",
        "CUSTOMER": "customer",
        "DESCRIPTION": "description",
        "LABEL": "label",
        "VERSION_CREATED_AT": "versionCreatedAt",
        "VERSION_NUMBER": "versionNumber",
    },
    handled=(
        "allVersions",
        "includeComponentsForCodeNativeIntegrations",
        "filterQuery",
        "hasDataSourcesOfType",
        "searchTerms_Fulltext",
        "hasActions",
        "hasTriggers",
        "hasCommonTriggers",
        "hasDataSources",
        "hasConnections",
        "hasConnectionTemplates",
    ),
)
ACTIONS = Listing(
    order_fields={
        "LABEL": "label",
        "IS_TRIGGER": "isTrigger",
        "IS_COMMON_TRIGGER": "isCommonTrigger",
        "IS_DATA_SOURCE": "isDataSource",
        "IS_POLLING_TRIGGER": "isPollingTrigger",
    },
    handled=("filterQuery", "dataSourceType"),
)
CONNECTIONS = Listing(
    order_fields={"KEY": "key", "LABEL": "label"}, handled=("hasTemplates", "component")
)


def input_field(
    owner: str,
    *,
    key: str,
    label: str,
    type: str,
    required: bool = False,
    default: Any = None,
    comments: str | None = None,
) -> Record:
    return {
        "id": ids.encode("InputField", f"{owner}:{key}"),
        "key": key,
        "label": label,
        "type": type,
        "required": required,
        "default": default,
        "comments": comments,
        "shown": True,
        "collection": None,
        "placeholder": None,
        "example": None,
        "keyLabel": None,
        "model": None,
        "onPremiseControlled": False,
        "language": None,
    }


def action(
    component: str,
    component_key: str,
    *,
    key: str,
    label: str,
    description: str = "",
    trigger: bool = False,
    inputs: list[Record] | None = None,
) -> Record:
    return {
        "id": ids.encode("Action", f"{component_key}:{key}"),
        "component": component,
        "key": key,
        "label": label,
        "description": description or label,
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
        "inputs": inputs or [],
    }


def connection(
    component: str,
    component_key: str,
    *,
    key: str,
    label: str,
    comments: str = "",
    inputs: list[Record] | None = None,
) -> Record:
    return {
        "id": ids.encode("Connection", f"{component_key}:{key}"),
        "component": component,
        "key": key,
        "label": label,
        "comments": comments,
        "default": True,
        "order": 0,
        "oauth2Type": None,
        "onPremiseAvailable": False,
        "iconUrl": None,
        "inputs": inputs or [],
    }


def component(
    *, id: str, key: str, label: str, description: str, category: str, version: int = 1
) -> Record:
    """A public component's version; ``actions`` and ``connections`` are filled in after."""
    return {
        "id": id,
        "key": key,
        "label": label,
        "description": description,
        "public": True,
        "category": category,
        "labels": [],
        "customer": None,
        "signature": hashlib.sha1(f"{key}:{version}".encode(), usedforsecurity=False).hexdigest(),
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
        "actions": [],
        "connections": [],
    }


def list_scope(args: dict[str, Any]) -> Where:
    """What the ``components`` arguments the plain filters do not cover select."""
    scope = Where()
    if not args.get("allVersions"):
        scope.equal("versionIsLatest", True)
    if not args.get("includeComponentsForCodeNativeIntegrations"):
        scope.add(f"NOT coalesce({field_sql('forCodeNativeIntegration')}, 0)")
    tests = {
        "hasActions": _exists("actions", "NOT {isTrigger} AND NOT {isDataSource}"),
        "hasTriggers": _exists("actions", "{isTrigger}"),
        "hasCommonTriggers": _exists("actions", "coalesce({isCommonTrigger}, 0)"),
        "hasDataSources": _exists("actions", "{isDataSource}"),
        "hasConnections": "json_array_length(r.data, '$.connections') > 0",
        "hasConnectionTemplates": "0",
    }
    for name, test in tests.items():
        if args.get(name) is not None:
            scope.add(f"({test}) = ?", bool(args[name]))
    return scope


def _exists(items: str, test: str) -> str:
    fields = {
        name: field_sql(name, "a.value")
        for name in ("isTrigger", "isDataSource", "isCommonTrigger")
    }
    return f"EXISTS (SELECT 1 FROM json_each(r.data, '$.{items}') a WHERE {test.format(**fields)})"


def latest_version(tx: Tx, key: str | None) -> Record | None:
    found = tx.select(
        "Component",
        Where().equal("key", key),
        order=(f"{field_sql('versionNumber')} DESC",),
        limit=1,
    )
    return found[0] if found else None


def versions(tx: Tx, record: Record) -> list[Record]:
    same = tx.select(
        "Component",
        Where().equal("key", record["key"]),
        order=(f"{field_sql('versionNumber')} DESC",),
    )
    return [
        {
            "id": ids.encode("Version", c["id"]),
            "versionNumber": c["versionNumber"],
            "publishedBy": None,
            "publishedAt": c["versionCreatedAt"],
            "comment": c.get("versionComment"),
            "isAvailable": True,
        }
        for c in same
    ]


def find_action(
    tx: Tx, component_key: str | None, action_key: str | None, *, is_trigger: bool
) -> Record:
    """The action a flow step names, from the latest component with that key."""
    latest = latest_version(tx, component_key)
    for found in latest["actions"] if latest else []:
        if found["key"] == action_key:
            return dict(found)
    # A step may name a component the emulator does not know; describe it as best we can.
    return {
        **action("", str(component_key), key=str(action_key), label=str(action_key)),
        "key": action_key,
        "label": action_key,
        "component": None,
        "description": "",
        "isTrigger": is_trigger,
        "isCommonTrigger": False,
        "synchronousResponseSupport": None,
        "scheduleSupport": "VALID" if is_trigger else None,
    }


def delete(tx: Tx, component_id: Any) -> Record:
    found = require(tx, "Component", component_id)
    tx.delete("Component", found["id"])
    return found
