"""Components: the built-ins and the published ones, with their actions, connections and inputs."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from .. import ids
from ..query import Listing
from ..transaction import Record, Tx, Where, field_sql
from .base import Invalid, require

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
    handled=("dataSourceType",),
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


_VERSION_DESC = f"{field_sql('versionNumber')} DESC"


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
    """Delete one of the organization's components; Prismatic's own public ones stay."""
    found = require(tx, "Component", component_id)
    if not found.get("allowRemove"):
        raise Invalid.on("__all__", "Public components provided by Prismatic cannot be deleted.")
    tx.delete("Component", found["id"])
    return found


# ---------------------------------------------------------------- publishing


def _inputs(owner: str, given: list[dict[str, Any]] | None) -> list[Record]:
    out = []
    for item in given or []:
        field = input_field(
            owner,
            key=item["key"],
            label=item["label"],
            type=str(item["type"]).upper(),
            required=bool(item.get("required")),
            default=item.get("default"),
            comments=item.get("comments"),
        )
        for key in ("collection", "placeholder", "example", "keyLabel", "language"):
            if item.get(key) is not None:
                field[key] = item[key]
        if item.get("model"):
            field["model"] = list(item["model"])
        if item.get("shown") is not None:
            field["shown"] = bool(item["shown"])
        out.append(field)
    return out


def publish(tx: Tx, data: dict[str, Any], *, by: str) -> Record:
    """A new version of the component (``versionNumber`` + 1), listed once its package arrives."""
    definition = data["definition"]
    key = str(definition.get("key") or "").strip()
    if not key:
        raise Invalid.on("definition", "A component needs a key.")
    if data.get("customer"):
        require(tx, "Customer", data["customer"])
    display = definition["display"]
    actions = [a for a in data.get("actions") or [] if a]
    keys = [a["key"] for a in actions]
    if len(set(keys)) != len(keys):
        raise Invalid.on("actions", "Each action needs a key of its own.")
    same = Where().equal("key", key).equal("customer", data.get("customer"))
    previous = tx.select("Component", same, order=(_VERSION_DESC,), limit=1)
    number = previous[0]["versionNumber"] + 1 if previous else 1
    record = component(
        id=ids.new_id("Component"),
        key=key,
        label=display["label"],
        description=display["description"],
        category=display.get("category") or "",
        version=number,
    )
    record.update(
        public=bool(definition.get("public")),
        customer=data.get("customer"),
        documentationUrl=definition.get("documentationUrl"),
        forCodeNativeIntegration=bool(definition.get("forCodeNativeIntegration")),
        signature=None,
        versionIsLatest=False,
        versionComment=data.get("comment"),
        versionCreatedBy=by,
        versionAttributes=data.get("attributes"),
        allowUpdate=True,
        allowRemove=True,
    )
    record["actions"] = [_published_action(record["id"], key, a) for a in actions]
    record["connections"] = [
        connection(
            record["id"],
            key,
            key=c["key"],
            label=c["label"],
            comments=c.get("comments") or "",
            inputs=_inputs(f"{key}:{c['key']}", c.get("inputs")),
        )
        for c in data.get("connections") or []
        if c
    ]
    return tx.insert("Component", record)


def _published_action(component_id: str, key: str, given: dict[str, Any]) -> Record:
    """One action of a published version, as publishComponent's input describes it."""
    display = given["display"]
    return {
        **action(
            component_id,
            key,
            key=given["key"],
            label=display["label"],
            description=display["description"],
            inputs=_inputs(f"{key}:{given['key']}", given.get("inputs")),
        ),
        "examplePayload": given.get("examplePayload"),
        "directions": display.get("directions"),
        "important": bool(display.get("important")),
    }


def list_version(tx: Tx, record: Record, *, signature: str) -> None:
    """The version's package arrived: it becomes the latest, with the package's signature."""
    same = Where().equal("key", record["key"]).equal("customer", record.get("customer"))
    for other in tx.select("Component", same.equal("versionIsLatest", True)):
        if other["id"] != record["id"]:
            other["versionIsLatest"] = False
            tx.put("Component", other)
    record.update(signature=signature, versionIsLatest=True, versionCreatedAt=ids.now())
    tx.put("Component", record)
