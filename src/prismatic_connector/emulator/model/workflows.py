"""Embedded workflows: imported from a YAML definition, as a template or for a customer.

A workflow's definition is checked and normalised as an integration's is; importing
with the ID of an existing workflow replaces its definition.
"""

from __future__ import annotations

from typing import Any

from .. import ids
from ..transaction import Record, Tx
from . import integrations
from .base import require, stamp


def import_(tx: Tx, data: dict[str, Any]) -> Record:
    definition = integrations.parse_input(tx, data.get("definition") or "")
    customer = data.get("customer")
    if customer is not None:
        require(tx, "Customer", customer)
    if data.get("id") is not None:
        found = require(tx, "Workflow", data["id"])
        found.update(
            name=definition["name"],
            description=definition.get("description") or "",
            definition=definition,
            customer=customer if customer is not None else found.get("customer"),
        )
        return tx.put("Workflow", stamp(found))
    record = {
        "id": ids.new_id("Workflow"),
        "name": definition["name"],
        "description": definition.get("description") or "",
        "customer": customer,
        "definition": definition,
        "allowUpdate": True,
        "allowRemove": True,
    }
    return tx.insert("Workflow", stamp(record, created=True))
