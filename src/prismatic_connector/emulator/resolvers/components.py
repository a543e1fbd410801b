"""Components: the built-ins and whatever was published, their actions and connections."""

from __future__ import annotations

from typing import Any

from ..engine import Info, registry
from ..model import components, uploads
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


def _icon(record: Record, info: Info) -> str | None:
    media, given = record.get("iconMedia"), record.get("iconUrl")
    return f"{info.context.base_url}/media/{media}" if media else (str(given) if given else None)


@registry.field("Component", "iconUrl")
def icon_url(record: Record, info: Info, **_: Any) -> str | None:
    return _icon(record, info)


@registry.field("Connection", "iconUrl")
def connection_icon_url(record: Record, info: Info, **_: Any) -> str | None:
    return _icon(record, info)


@registry.field("Component", "versions")
def component_versions(record: Record, info: Info, **args: Any) -> dict[str, Any]:
    args.pop("orderBy", None)
    return embedded(tx(info), components.versions(tx(info), record), args)


@mutation("deleteComponent", "component")
def delete_component(info: Info, data: dict[str, Any]) -> Any:
    return components.delete(tx(info), data.get("id"))


@mutation("publishComponent")
def publish_component(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    made = components.publish(tx(info), data, by=info.context.user_id)
    urls = uploads.urls(tx(info), made, data, now=info.context.now())
    base = info.context.base_url
    for name in ("packageUploadUrl", "iconUploadUrl"):
        if urls[name]:
            urls[name] = base + urls[name]
    for item in urls["connectionIconUploadUrls"]:
        item["iconUploadUrl"] = base + item["iconUploadUrl"]
    return {"publishResult": {"component": made, **urls}, "errors": []}
