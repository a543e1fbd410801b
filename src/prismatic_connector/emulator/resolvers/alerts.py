"""Alerting: triggers, groups, webhooks, monitors and their events."""

from __future__ import annotations

from typing import Any

from ..engine import Info, registry
from ..model import alerts
from ..model.base import related
from ..query import PLAIN, Listing, embedded, page
from ..transaction import Record, Tx
from .common import lookup, mutation, ref, tx

ref("AlertMonitor", "instance", "flowConfig")
ref("AlertEvent", "monitor")
for _type in ("AlertGroup", "AlertWebhook", "AlertMonitor", "AlertEvent"):
    lookup(_type[0].lower() + _type[1:], _type)


def _records(tx: Tx, held: list[str]) -> list[Record]:
    return [found for found in (related(tx, id_) for id_ in held) if found is not None]


def _held(type_name: str, field: str) -> None:
    """``type.field`` is a connection over the IDs the record holds."""

    def resolve(source: Record, info: Info, **args: Any) -> dict[str, Any]:
        return embedded(tx(info), _records(tx(info), source.get(field) or []), args)

    registry.field(type_name, field)(resolve)


def _holders(type_name: str, field: str, holder_type: str, held_in: str) -> None:
    """``type.field`` lists the records of ``holder_type`` whose ``held_in`` names it."""

    def resolve(source: Record, info: Info, **args: Any) -> dict[str, Any]:
        return page(tx(info), holder_type, args, scope=alerts.holding(held_in, source["id"]))

    registry.field(type_name, field)(resolve)


_held("AlertGroup", "users")
_held("AlertGroup", "webhooks")
_held("AlertMonitor", "groups")
_held("AlertMonitor", "users")
_held("AlertMonitor", "webhooks")
_holders("AlertGroup", "monitors", "AlertMonitor", "groups")
_holders("AlertWebhook", "groups", "AlertGroup", "webhooks")
_holders("AlertWebhook", "monitors", "AlertMonitor", "webhooks")


@registry.field("AlertMonitor", "triggers")
def monitor_triggers(source: Record, info: Info, **args: Any) -> dict[str, Any]:
    chosen = [t for t in alerts.ALL_TRIGGERS if t["id"] in source["triggers"]]
    return embedded(tx(info), chosen, args)


@registry.field("AlertMonitor", "events")
def monitor_events(source: Record, info: Info, **args: Any) -> dict[str, Any]:
    return page(tx(info), "AlertEvent", {**args, "monitor": source["id"]}, alerts.EVENTS)


@registry.field("Instance", "alertMonitors")
def instance_monitors(source: Record, info: Info, **args: Any) -> dict[str, Any]:
    return page(tx(info), "AlertMonitor", {**args, "instance": source["id"]})


@registry.field("InstanceFlowConfig", "monitors")
def flow_config_monitors(source: Record, info: Info, **args: Any) -> dict[str, Any]:
    return page(tx(info), "AlertMonitor", {**args, "flowConfig": source["id"]})


@registry.query("alertTriggers")
def list_triggers(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    return embedded(tx(info), list(alerts.ALL_TRIGGERS), args)


@registry.query("logSeverityLevels")
def log_severity_levels(_: Any, info: Info) -> list[dict[str, Any]]:
    return [{"id": level, "name": name} for level, name in alerts.SEVERITY_LEVELS]


for _query, _type, _listing in (
    ("alertGroups", "AlertGroup", PLAIN),
    ("alertWebhooks", "AlertWebhook", PLAIN),
    ("alertMonitors", "AlertMonitor", PLAIN),
    ("alertEvents", "AlertEvent", alerts.EVENTS),
):

    def _list(
        _: Any, info: Info, _type: str = _type, _listing: Listing = _listing, **args: Any
    ) -> dict[str, Any]:
        return page(tx(info), _type, args, _listing)

    registry.query(_query)(_list)


@mutation("createAlertGroup", "alertGroup")
def create_group(info: Info, data: dict[str, Any]) -> Any:
    return alerts.create_group(tx(info), data)


@mutation("deleteAlertGroup", "alertGroup")
def delete_group(info: Info, data: dict[str, Any]) -> Any:
    return alerts.delete(tx(info), "AlertGroup", data.get("id"))


@mutation("createAlertWebhook", "alertWebhook")
def create_webhook(info: Info, data: dict[str, Any]) -> Any:
    return alerts.create_webhook(tx(info), data)


@mutation("deleteAlertWebhook", "alertWebhook")
def delete_webhook(info: Info, data: dict[str, Any]) -> Any:
    return alerts.delete(tx(info), "AlertWebhook", data.get("id"))


@mutation("createAlertMonitor", "alertMonitor")
def create_monitor(info: Info, data: dict[str, Any]) -> Any:
    return alerts.create_monitor(tx(info), data)


@mutation("clearAlertMonitor", "alertMonitor")
def clear_monitor(info: Info, data: dict[str, Any]) -> Any:
    return alerts.clear_monitor(tx(info), data.get("id"))


@mutation("deleteAlertMonitor", "alertMonitor")
def delete_monitor(info: Info, data: dict[str, Any]) -> Any:
    return alerts.delete(tx(info), "AlertMonitor", data.get("id"))
