"""The signed-in user, the organization, roles, and users of the org and of customers."""

from __future__ import annotations

from typing import Any

from .. import ids
from ..engine import Info, registry
from ..paging import Record
from .common import (
    ctx,
    embedded_list,
    invalid,
    listing,
    mutation,
    payload,
    ref,
    require,
    stamp,
    store,
)

USER_ORDER = {
    "CREATED_AT": "createdAt",
    "EMAIL": "email",
    "NAME": "name",
    "UPDATED_AT": "updatedAt",
    "CUSTOMER": "customer",
    "ROLE": "role",
}

for _field in ("org", "customer", "role"):
    ref("User", _field)
embedded_list("Role", "permissions")


@registry.query("authenticatedUser")
def authenticated_user(_: Any, info: Info) -> Record | None:
    return store(info).get("User", ctx(info).user_id)


def current_org(info: Info) -> Record:
    return store(info).all("Organization")[0]


@registry.query("organization")
def organization(_: Any, info: Info) -> Record:
    return current_org(info)


@registry.query("organizationRoles")
def organization_roles(_: Any, info: Info) -> list[Record]:
    return store(info).find("Role", scope="org")


@registry.query("customerRoles")
def customer_roles(_: Any, info: Info) -> list[Record]:
    return store(info).find("Role", scope="customer")


@registry.query("listUserTenants")
def list_user_tenants(_: Any, info: Info) -> dict[str, Any]:
    org = current_org(info)
    tenant = {
        "tenantId": org["tenantId"],
        "url": ctx(info).base_url,
        "orgName": org["name"],
        "awsRegion": "us-east-1",
        "systemSuspended": False,
    }
    return {"nodes": [tenant]}


@registry.field("Organization", "users")
def organization_users(org: Record, info: Info, **args: Any) -> dict[str, Any]:
    return listing(store(info).all("User"), args, store(info), order_fields=USER_ORDER)


@registry.field("Customer", "users")
def customer_users(customer: Record, info: Info, **args: Any) -> dict[str, Any]:
    users = store(info).find("User", customer=customer["id"])
    return listing(users, args, store(info), order_fields=USER_ORDER)


def _email_taken(info: Info, email: str, except_id: str | None = None) -> bool:
    return any(
        u["email"].lower() == email.lower() and u["id"] != except_id
        for u in store(info).all("User")
    )


def _new_user(
    info: Info, data: dict[str, Any], *, scope: str, customer: str | None
) -> dict[str, Any]:
    email = (data.get("email") or "").strip()
    if "@" not in email:
        return invalid("user", "email", "Enter a valid email address.")
    if _email_taken(info, email):
        return invalid("user", "email", "User with this email already exists.")
    role = store(info).get("Role", data.get("role"))
    if role is None or role["scope"] != scope:
        return invalid("user", "role", f"Select a valid {scope} role.")
    user = stamp(
        {
            "id": ids.new_id("User"),
            "email": email,
            "name": data.get("name") or "",
            "phone": data.get("phone"),
            "externalId": data.get("externalId"),
            "avatarUrl": None,
            "role": role["id"],
            "org": current_org(info)["id"] if scope == "org" else None,
            "customer": customer,
            "tenantId": current_org(info)["tenantId"],
            "dateJoined": None,
            "darkMode": False,
            "darkModeSyncWithOs": True,
        },
        created=True,
    )
    return payload("user", store(info).insert("User", user))


@mutation("createOrganizationUser")
def create_organization_user(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    return _new_user(info, data, scope="org", customer=None)


@mutation("createCustomerUser")
def create_customer_user(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    customer = require(info, "Customer", data.get("customer"))
    return _new_user(info, data, scope="customer", customer=customer["id"])


@mutation("updateUser")
def update_user(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    user = require(info, "User", data.get("id"))
    if data.get("role") is not None:
        role = store(info).get("Role", data["role"])
        scope = "customer" if user.get("customer") else "org"
        if role is None or role["scope"] != scope:
            return invalid("user", "role", f"Select a valid {scope} role.")
    for key in (
        "name",
        "phone",
        "role",
        "externalId",
        "avatarUrl",
        "darkMode",
        "darkModeSyncWithOs",
    ):
        if key in data and data[key] is not None:
            user[key] = data[key]
    return payload("user", store(info).put("User", stamp(user)))


@mutation("deleteUser")
def delete_user(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    user = require(info, "User", data.get("id"))
    if user["id"] == ctx(info).user_id:
        return invalid("user", "__all__", "You cannot delete yourself.")
    store(info).delete("User", user["id"])
    return payload("user", user)


@mutation("updateOrganization")
def update_organization(info: Info, data: dict[str, Any]) -> dict[str, Any]:
    org = require(info, "Organization", data.get("id"))
    for key in ("name", "avatarUrl", "labels", "marketplaceName"):
        if data.get(key) is not None:
            org[key] = data[key]
    return payload("organization", store(info).put("Organization", org))
