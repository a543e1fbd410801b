"""The emulator's resolvers, one module per part of the API; importing this registers them."""

from . import components, customers, executions, instances, integrations, users

__all__ = ["components", "customers", "executions", "instances", "integrations", "users"]
