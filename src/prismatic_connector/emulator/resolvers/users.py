"""The signed-in user, the organization, roles, and users of the org and of customers."""

from __future__ import annotations

from typing import Any

from ..engine import Info, registry
from ..model import org
from ..model.base import require
from ..query import page
from ..transaction import Record, Where
from .common import embedded_list, mutation, ref, tx

ref("User", "org", "customer", "role")
embedded_list("Role", "permissions")


@registry.query("authenticatedUser")
def authenticated_user(_: Any, info: Info) -> Record | None:
    return tx(info).get("User", info.context.user_id)


@registry.query("organization")
def organization(_: Any, info: Info) -> Record:
    return org.current(tx(info))


@registry.query("organizationRoles")
def organization_roles(_: Any, info: Info) -> list[Record]:
    return tx(info).find("Role", scope="org")


@registry.query("customerRoles")
def customer_roles(_: Any, info: Info) -> list[Record]:
    return tx(info).find("Role", scope="customer")


@registry.query("listUserTenants")
def list_user_tenants(_: Any, info: Info) -> dict[str, Any]:
    found = org.current(tx(info))
    tenant = {
        "tenantId": found["tenantId"],
        "url": info.context.base_url,
        "orgName": found["name"],
        "awsRegion": "us-east-1",
        "systemSuspended": False,
    }
    return {"nodes": [tenant]}


@registry.field("Organization", "users")
def organization_users(_: Record, info: Info, **args: Any) -> dict[str, Any]:
    # The organization's own users; customer users only when a customer filter asks.
    asked = args.get("customer") is not None or args.get("customer_Isnull") is not None
    scope = None if asked else Where().equal("customer", None)
    return page(tx(info), "User", args, org.USERS, scope)


@registry.field("Customer", "users")
def customer_users(customer: Record, info: Info, **args: Any) -> dict[str, Any]:
    return page(tx(info), "User", args, org.USERS, Where().equal("customer", customer["id"]))


@mutation("createOrganizationUser", "user")
def create_organization_user(info: Info, data: dict[str, Any]) -> Any:
    return org.create_user(tx(info), data)


@mutation("createCustomerUser", "user")
def create_customer_user(info: Info, data: dict[str, Any]) -> Any:
    customer = require(tx(info), "Customer", data.get("customer"))
    return org.create_user(tx(info), data, customer=customer["id"])


@mutation("updateUser", "user")
def update_user(info: Info, data: dict[str, Any]) -> Any:
    return org.update_user(tx(info), data)


@mutation("deleteUser", "user")
def delete_user(info: Info, data: dict[str, Any]) -> Any:
    return org.delete_user(tx(info), data.get("id"), signed_in=info.context.user_id)


@mutation("updateOrganization", "organization")
def update_organization(info: Info, data: dict[str, Any]) -> Any:
    return org.update_organization(tx(info), data)
