"""prismatic-connector: drive Prismatic's GraphQL API as a connector component.

>>> from prismatic_connector import invoke, Connection
>>> conn = Connection("<refresh token>", base_url="https://app.prismatic.io")
>>> invoke("listInstances", {"first": 10}, connection=conn)
{'data': {'status': 200, 'data': {'instances': {...}}}}
"""

from . import _moved
from ._version import __version__
from .component.runner import Component, invoke, load_component
from .component.step import Step, StepContext
from .connection import Connection
from .errors import (
    ConfigurationError,
    ConnectorError,
    ControlError,
    CredentialError,
    GraphQLError,
    InputError,
    ManifestError,
    OutcomeUnknownError,
    PaginationError,
    PayloadError,
    TransportError,
)
from .jobs.paging import paginate
from .policy import Retry, Timeout

_moved.install()  # the modules that moved into folders keep their old import names


def __getattr__(name: str) -> object:
    # The fleet jobs load their machinery (threads, state files) only when asked for.
    if name in ("rollout", "RolloutReport"):
        from .jobs import rollout as job

        return getattr(job, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Component",
    "ConfigurationError",
    "Connection",
    "ConnectorError",
    "ControlError",
    "CredentialError",
    "GraphQLError",
    "InputError",
    "ManifestError",
    "OutcomeUnknownError",
    "PaginationError",
    "PayloadError",
    "Retry",
    "RolloutReport",
    "Step",
    "StepContext",
    "Timeout",
    "TransportError",
    "__version__",
    "invoke",
    "load_component",
    "paginate",
    "rollout",
]
