"""Components: the built-ins and whatever was published, their actions and connections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import ids
from ..engine import Info, registry
from ..paging import Record
from ..store import Store
from .common import listing, lookup, mutation, payload, ref, require, store

COMPONENT_ORDER = {
    "CATEGORY": "category",
    "CUSTOMER": "customer",
    "DESCRIPTION": "description",
    "LABEL": "label",
    "VERSION_CREATED_AT": "versionCreatedAt",
    "VERSION_NUMBER": "versionNumber",
}
ACTION_ORDER = {
    "LABEL": "label",
    "IS_TRIGGER": "isTrigger",
    "IS_COMMON_TRIGGER": "isCommonTrigger",
    "IS_DATA_SOURCE": "isDataSource",
    "IS_POLLING_TRIGGER": "isPollingTrigger",
}
HAS: dict[str, Callable[[Record], bool]] = {
    "hasActions": lambda c: any(not a["isTrigger"] and not a["isDataSource"] for a in c["actions"]),
    "hasTriggers": lambda c: any(a["isTrigger"] for a in c["actions"]),
    "hasCommonTriggers": lambda c: any(a.get("isCommonTrigger") for a in c["actions"]),
    "hasDataSources": lambda c: any(a["isDataSource"] for a in c["actions"]),
    "hasConnections": lambda c: bool(c["connections"]),
    "hasConnectionTemplates": lambda c: False,
}

ref("Component", "customer")
ref("Action", "component")
ref("Connection", "component")


lookup("component", "Component")


@registry.query("components")
def components(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    records = store(info).all("Component")
    if not args.get("allVersions"):
        records = [c for c in records if c["id"] == _latest(records, c)["id"]]
    if not args.get("includeComponentsForCodeNativeIntegrations"):
        records = [c for c in records if not c.get("forCodeNativeIntegration")]
    for name, test in HAS.items():
        if args.get(name) is not None:
            records = [c for c in records if test(c) == args[name]]
    handled = (
        "allVersions",
        "includeComponentsForCodeNativeIntegrations",
        "filterQuery",
        "hasDataSourcesOfType",
        "searchTerms_Fulltext",
        *HAS,
    )
    return listing(records, args, store(info), order_fields=COMPONENT_ORDER, handled=handled)


def _latest(records: list[Record], record: Record) -> Record:
    same = [
        c
        for c in records
        if c["key"] == record["key"] and c.get("customer") == record.get("customer")
    ]
    return max(same, key=lambda c: c["versionNumber"])


@registry.field("Component", "actions")
def component_actions(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    return listing(
        list(record["actions"]),
        args,
        store(info),
        order_fields=ACTION_ORDER,
        handled=("filterQuery", "dataSourceType"),
    )


@registry.field("Component", "connections")
def component_connections(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    return listing(
        list(record["connections"]),
        args,
        store(info),
        order_fields={"KEY": "key", "LABEL": "label"},
        handled=("hasTemplates", "component"),
    )


@registry.field("Component", "iconUrl")
def icon_url(record: Record, info: Info, **_: Any) -> str | None:
    return record.get("iconUrl")


@registry.field("Connection", "iconUrl")
def connection_icon_url(record: Record, info: Info, **_: Any) -> str | None:
    return record.get("iconUrl")


@registry.field("Component", "versions")
def component_versions(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    same = [c for c in store(info).all("Component") if c["key"] == record["key"]]
    items = [
        {
            "id": ids.encode("Version", c["id"]),
            "versionNumber": c["versionNumber"],
            "publishedBy": None,
            "publishedAt": c["versionCreatedAt"],
            "comment": c.get("versionComment"),
            "isAvailable": True,
        }
        for c in sorted(same, key=lambda c: -c["versionNumber"])
    ]
    return listing(items, {k: v for k, v in args.items() if k != "orderBy"}, store(info))


@registry.field("Action", "inputs")
def action_inputs(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    return listing(list(record.get("inputs") or []), args, store(info))


@registry.field("Connection", "inputs")
def connection_inputs(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    return listing(list(record.get("inputs") or []), args, store(info))


@mutation("deleteComponent")
def delete_component(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    record = require(info, "Component", data.get("id"))
    store(info).delete("Component", record["id"])
    return payload("component", record)


def find_action(
    s: Store, component_key: str | None, action_key: str | None, *, is_trigger: bool
) -> Record:
    """The action a flow step names, from the latest component with that key."""
    candidates = [c for c in s.all("Component") if c["key"] == component_key]
    if candidates:
        latest = max(candidates, key=lambda c: c["versionNumber"])
        for action in latest["actions"]:
            if action["key"] == action_key:
                return dict(action)
    # A step may name a component the emulator does not know; describe it as best we can.
    return {
        "id": ids.encode("Action", f"{component_key}:{action_key}"),
        "key": action_key,
        "label": action_key,
        "description": "",
        "component": None,
        "isTrigger": is_trigger,
        "isDataSource": False,
        "isPollingTrigger": False,
        "isCommonTrigger": False,
        "scheduleSupport": "VALID" if is_trigger else None,
        "inputs": [],
    }
