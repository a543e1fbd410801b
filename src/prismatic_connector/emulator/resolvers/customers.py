"""Customers: lookup, lists with the real filters, create, update, delete."""

from __future__ import annotations

from typing import Any

from ..engine import Info, registry
from ..model import customers
from ..query import page
from .common import lookup, mutation, ref, tx

ref("Customer", "org")
lookup("customer", "Customer")


@registry.query("customers")
def list_customers(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    return page(tx(info), "Customer", args, customers.LISTING)


@mutation("createCustomer", "customer")
def create_customer(info: Info, data: dict[str, Any]) -> Any:
    return customers.create(tx(info), data)


@mutation("updateCustomer", "customer")
def update_customer(info: Info, data: dict[str, Any]) -> Any:
    return customers.update(tx(info), data)


@mutation("deleteCustomer", "customer")
def delete_customer(info: Info, data: dict[str, Any]) -> Any:
    return customers.delete(tx(info), data.get("id"))
