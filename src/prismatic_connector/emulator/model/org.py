"""The organization, its roles and permissions, and the users of the org and of customers."""

from __future__ import annotations

from typing import Any

from .. import ids
from ..query import Listing
from ..transaction import Record, Tx, Where, field_sql
from .base import Invalid, require, stamp

USERS = Listing(
    order_fields={
        "CREATED_AT": "createdAt",
        "EMAIL": "email",
        "NAME": "name",
        "UPDATED_AT": "updatedAt",
        "CUSTOMER": "customer",
        "ROLE": "role",
    }
)


def organization(*, name: str, tenant_id: str, marketplace_name: str) -> Record:
    return {
        "id": ids.new_id("Organization"),
        "name": name,
        "avatarUrl": None,
        "labels": [],
        "systemSuspended": False,
        "marketplaceName": marketplace_name,
        "featureFlags": None,
        "concurrentExecutionLimit": 10,
        "planExpiresAt": None,
        "tenantId": tenant_id,
        "allowUpdate": True,
        "allowRemove": False,
    }


def permission(tag: str, name: str, description: str) -> Record:
    return {
        "id": ids.encode("Permission", tag),
        "tag": tag,
        "name": name,
        "description": description,
        "objType": None,
        "allowUpdate": False,
        "allowRemove": False,
    }


def role(
    *, scope: str, name: str, description: str, level: int, permissions: list[Record]
) -> Record:
    return {
        "id": ids.encode("Role", f"{scope}:{name}"),
        "name": name,
        "description": description,
        "level": level,
        "scope": scope,
        "objType": None,
        "permissions": permissions,
        "allowUpdate": False,
        "allowRemove": False,
    }


def user(
    *,
    email: str,
    name: str,
    role: str,
    tenant_id: str,
    org: str | None = None,
    customer: str | None = None,
    phone: str | None = None,
    external_id: str | None = None,
    joined: bool = False,
    owner: bool = False,
) -> Record:
    """A user of the organization (``org``) or of a customer; ``joined`` once they signed in."""
    record = stamp(
        {
            "id": ids.new_id("User"),
            "email": email,
            "name": name,
            "phone": phone,
            "externalId": external_id,
            "avatarUrl": None,
            "role": role,
            "org": org,
            "customer": customer,
            "tenantId": tenant_id,
            "dateJoined": None,
            "darkMode": False,
            "darkModeSyncWithOs": True,
            "appName": "Prismatic",
            "allowChangeRoles": customer is None,
            "allowUpdate": True,
            "allowRemove": not owner,
        },
        created=True,
    )
    if joined:
        record["dateJoined"] = record["createdAt"]
    return record


def current(tx: Tx) -> Record:
    found = tx.first("Organization")
    assert found is not None, "the emulator seeds its organization before serving"
    return found


def _email_taken(tx: Tx, email: str, except_id: str | None = None) -> bool:
    condition = Where().add(f"{field_sql('email')} = ? COLLATE NOCASE", email)
    return any(
        u["id"] != except_id and u["email"].lower() == email.lower()
        for u in tx.select("User", condition)
    )


def _role(tx: Tx, role_id: Any, scope: str) -> Record:
    found = tx.get("Role", role_id)
    if found is None or found["scope"] != scope:
        raise Invalid.on("role", f"Select a valid {scope} role.")
    return found


def create_user(tx: Tx, data: dict[str, Any], *, customer: str | None = None) -> Record:
    """A new user of the organization, or of ``customer``."""
    email = (data.get("email") or "").strip()
    if "@" not in email:
        raise Invalid.on("email", "Enter a valid email address.")
    if _email_taken(tx, email):
        raise Invalid.on("email", "User with this email already exists.")
    scope = "customer" if customer else "org"
    org = current(tx)
    return tx.insert(
        "User",
        user(
            email=email,
            name=data.get("name") or "",
            role=_role(tx, data.get("role"), scope)["id"],
            tenant_id=org["tenantId"],
            org=None if customer else org["id"],
            customer=customer,
            phone=data.get("phone"),
            external_id=data.get("externalId"),
        ),
    )


def update_user(tx: Tx, data: dict[str, Any]) -> Record:
    found = require(tx, "User", data.get("id"))
    if data.get("role") is not None:
        _role(tx, data["role"], "customer" if found.get("customer") else "org")
    for key in ("name", "phone", "role", "externalId", "avatarUrl", "darkMode"):
        if data.get(key) is not None:
            found[key] = data[key]
    if data.get("darkModeSyncWithOs") is not None:
        found["darkModeSyncWithOs"] = data["darkModeSyncWithOs"]
    return tx.put("User", stamp(found))


def delete_user(tx: Tx, user_id: Any, *, signed_in: str) -> Record:
    found = require(tx, "User", user_id)
    if found["id"] == signed_in:
        raise Invalid.on("__all__", "You cannot delete yourself.")
    tx.delete("User", found["id"])
    return found


def update_organization(tx: Tx, data: dict[str, Any]) -> Record:
    """Change the organization; without an ``id``, the signed-in user's (as prism sends it)."""
    found = require(tx, "Organization", data["id"]) if data.get("id") else current(tx)
    for key in ("name", "avatarUrl", "labels", "marketplaceName"):
        if data.get(key) is not None:
            found[key] = data[key]
    return tx.put("Organization", found)
