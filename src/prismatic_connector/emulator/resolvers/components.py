"""Components: the built-ins and whatever was published, their actions and connections."""

from __future__ import annotations

from typing import Any

from ..engine import Info, registry
from ..model import components
from ..query import embedded, page
from ..transaction import Record
from .common import embedded_list, lookup, mutation, ref, tx

ref("Component", "customer")
ref("Action", "component")
ref("Connection", "component")
lookup("component", "Component")
embedded_list("Component", "actions", components.ACTIONS)
embedded_list("Component", "connections", components.CONNECTIONS)
embedded_list("Action", "inputs")
embedded_list("Connection", "inputs")


@registry.query("components")
def list_components(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    scope = components.list_scope(args)
    return page(tx(info), "Component", args, components.LISTING, scope)


@registry.field("Component", "iconUrl")
def icon_url(record: Record, info: Info, **_: Any) -> str | None:
    return record.get("iconUrl")


@registry.field("Connection", "iconUrl")
def connection_icon_url(record: Record, info: Info, **_: Any) -> str | None:
    return record.get("iconUrl")


@registry.field("Component", "versions")
def component_versions(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    args.pop("orderBy", None)
    return embedded(tx(info), components.versions(tx(info), record), args)


@mutation("deleteComponent", "component")
def delete_component(info: Info, data: dict[str, Any]) -> Any:
    return components.delete(tx(info), data.get("id"))
