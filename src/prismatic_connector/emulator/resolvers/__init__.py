"""The emulator's resolvers, one module per part of the API; importing this registers them."""

from . import (
    alerts,
    components,
    customers,
    executions,
    instances,
    integrations,
    organization,
    users,
)

__all__ = [
    "alerts",
    "components",
    "customers",
    "executions",
    "instances",
    "integrations",
    "organization",
    "users",
]
