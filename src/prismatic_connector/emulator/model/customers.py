"""Customers: the organization's own, and the system customer that holds test instances."""

from __future__ import annotations

from typing import Any

from .. import ids
from ..query import Listing
from ..transaction import Record, Tx, Where, field_sql
from .base import Invalid, check_name, clean_labels, require, stamp

SYSTEM_CUSTOMER = "Integration Designer Test Customer"
LISTING = Listing(
    order_fields={
        "CREATED_AT": "createdAt",
        "DESCRIPTION": "description",
        "NAME": "name",
        "UPDATED_AT": "updatedAt",
        "CONCURRENT_EXECUTION_LIMIT": "concurrentExecutionLimit",
        "CONCURRENCY_REJECTIONS": "concurrencyRejections",
    }
)


def customer(
    *,
    name: str,
    description: str = "",
    external_id: str | None = None,
    labels: list[str] | None = None,
    allow_embedded_designer: bool = False,
    system: bool = False,
) -> Record:
    return stamp(
        {
            "id": ids.new_id("Customer"),
            "name": name,
            "description": description,
            "externalId": external_id,
            "labels": clean_labels(labels),
            "avatarUrl": None,
            "allowEmbeddedDesigner": allow_embedded_designer,
            "isSystem": system,
            "starred": False,
            "attachments": [],
            "allowUpdate": not system,
            "allowRemove": not system,
        },
        created=True,
    )


def system_customer(tx: Tx) -> Record:
    """The customer that holds every integration's test instance, made on first use."""
    return tx.first("Customer", isSystem=True) or tx.insert(
        "Customer", customer(name=SYSTEM_CUSTOMER, system=True)
    )


def _check_unique(tx: Tx, data: dict[str, Any], except_id: str | None = None) -> None:
    errors = []
    name = data.get("name")
    if name is not None:
        same = Where().add(f"{field_sql('name')} = ? COLLATE NOCASE", name)
        if any(
            c["id"] != except_id and c["name"].lower() == name.lower()
            for c in tx.select("Customer", same)
        ):
            errors.append(("name", ["Customer with this Name already exists."]))
    external = data.get("externalId")
    if external and any(c["id"] != except_id for c in tx.find("Customer", externalId=external)):
        errors.append(("externalId", ["Customer with this External ID already exists."]))
    if errors:
        raise Invalid(errors)


def create(tx: Tx, data: dict[str, Any]) -> Record:
    check_name(data, required=True)
    _check_unique(tx, data)
    return tx.insert(
        "Customer",
        customer(
            name=data["name"].strip(),
            description=data.get("description") or "",
            external_id=data.get("externalId") or None,
            labels=data.get("labels"),
            allow_embedded_designer=bool(data.get("allowEmbeddedDesigner")),
        ),
    )


def update(tx: Tx, data: dict[str, Any]) -> Record:
    found = require(tx, "Customer", data.get("id"))
    check_name(data, required=False)
    _check_unique(tx, data, except_id=found["id"])
    for key in ("name", "description", "externalId", "avatarUrl", "allowEmbeddedDesigner"):
        if data.get(key) is not None:
            found[key] = data[key]
    if data.get("starred") is not None:
        found["starred"] = data["starred"]
    if data.get("labels") is not None:
        found["labels"] = clean_labels(data["labels"])
    return tx.put("Customer", stamp(found))


def delete(tx: Tx, customer_id: Any) -> Record:
    """Delete a customer with its instances and users."""
    found = require(tx, "Customer", customer_id)
    tx.delete("Customer", found["id"])
    return found
