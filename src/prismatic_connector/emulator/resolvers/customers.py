"""Customers: lookup, lists with the real filters, create, update, delete."""

from __future__ import annotations

from typing import Any

from .. import ids
from ..engine import Info, registry
from .common import (
    blank_name,
    clean_labels,
    listing,
    lookup,
    mutation,
    payload,
    ref,
    require,
    stamp,
    store,
)

CUSTOMER_ORDER = {
    "CREATED_AT": "createdAt",
    "DESCRIPTION": "description",
    "NAME": "name",
    "UPDATED_AT": "updatedAt",
    "CONCURRENT_EXECUTION_LIMIT": "concurrentExecutionLimit",
    "CONCURRENCY_REJECTIONS": "concurrencyRejections",
}

ref("Customer", "org")
lookup("customer", "Customer")


@registry.query("customers")
def customers(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    return listing(store(info).all("Customer"), args, store(info), order_fields=CUSTOMER_ORDER)


def _conflicts(
    info: Info, data: dict[str, Any], except_id: str | None = None
) -> list[dict[str, Any]]:
    errors = []
    others = [c for c in store(info).all("Customer") if c["id"] != except_id]
    name = data.get("name")
    if name is not None and any(c["name"].lower() == name.lower() for c in others):
        errors.append({"field": "name", "messages": ["Customer with this Name already exists."]})
    external = data.get("externalId")
    if external and any(c.get("externalId") == external for c in others):
        errors.append(
            {"field": "externalId", "messages": ["Customer with this External ID already exists."]}
        )
    return errors


@mutation("createCustomer")
def create_customer(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    if blank := blank_name("customer", data, required=True):
        return blank
    errors = _conflicts(info, data)
    if errors:
        return {"customer": None, "errors": errors}
    record = stamp(
        {
            "id": ids.new_id("Customer"),
            "name": data["name"].strip(),
            "description": data.get("description") or "",
            "externalId": data.get("externalId") or None,
            "labels": clean_labels(data.get("labels")),
            "avatarUrl": None,
            "allowEmbeddedDesigner": bool(data.get("allowEmbeddedDesigner")),
            "isSystem": False,
            "starred": False,
            "attachments": [],
            "allowUpdate": True,
            "allowRemove": True,
        },
        created=True,
    )
    return payload("customer", store(info).insert("Customer", record))


@mutation("updateCustomer")
def update_customer(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    record = require(info, "Customer", data.get("id"))
    if blank := blank_name("customer", data, required=False):
        return blank
    errors = _conflicts(info, data, except_id=record["id"])
    if errors:
        return {"customer": None, "errors": errors}
    for key in (
        "name",
        "description",
        "externalId",
        "avatarUrl",
        "allowEmbeddedDesigner",
        "starred",
    ):
        if data.get(key) is not None:
            record[key] = data[key]
    if data.get("labels") is not None:
        record["labels"] = clean_labels(data["labels"])
    return payload("customer", store(info).put("Customer", stamp(record)))


@mutation("deleteCustomer")
def delete_customer(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    record = require(info, "Customer", data.get("id"))
    s = store(info)
    for instance in s.find("Instance", customer=record["id"]):
        from .instances import remove_instance

        remove_instance(s, instance)
    for user in s.find("User", customer=record["id"]):
        s.delete("User", user["id"])
    s.delete("Customer", record["id"])
    return payload("customer", record)
