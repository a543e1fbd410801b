"""Scoped config variables: connections activated once for the organization or for one
customer, that integrations then reference by their stable key.

Prismatic makes them in its web app, so the API only lists them; the emulator's demo
seed holds one of each kind, and ``add`` makes more.
"""

from __future__ import annotations

from typing import Any

from .. import ids
from ..transaction import Record, Tx
from .base import stamp

MANAGED_BY = ("org", "customer")


def add(
    tx: Tx,
    *,
    stable_key: str,
    description: str,
    connection: dict[str, Any] | None,
    customer: str | None = None,
) -> Record:
    """A new org-activated connection, or a customer-activated one with ``customer``;
    ``connection`` is the component's connection record it activates."""
    record = {
        "id": ids.new_id("ScopedConfigVariable"),
        "stableKey": stable_key,
        "key": stable_key,
        "description": description,
        "managedBy": "customer" if customer else "org",
        "variableScope": "customer" if customer else "organization",
        "customer": customer,
        "connection": connection,
        "allowUpdate": True,
        "allowRemove": True,
    }
    return tx.insert("ScopedConfigVariable", stamp(record, created=True))
