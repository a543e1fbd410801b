"""prismatic-connector: drive Prismatic's GraphQL API as a connector component.

>>> from prismatic_connector import invoke, Connection
>>> conn = Connection("<refresh token>", base_url="https://app.prismatic.io")
>>> invoke("listInstances", {"first": 10}, connection=conn)
{'data': {'status': 200, 'data': {'instances': {...}}}}
"""

from ._version import __version__
from .connection import Connection
from .errors import (
    ConfigurationError,
    ConnectorError,
    CredentialError,
    GraphQLError,
    InputError,
    ManifestError,
    OutcomeUnknownError,
    PayloadError,
    TransportError,
)
from .paging import PaginationError, paginate
from .policy import Retry, Timeout
from .runner import Component, invoke, load_component
from .step import Step, StepContext

__all__ = [
    "Component",
    "ConfigurationError",
    "Connection",
    "ConnectorError",
    "CredentialError",
    "GraphQLError",
    "InputError",
    "ManifestError",
    "OutcomeUnknownError",
    "PaginationError",
    "PayloadError",
    "Retry",
    "Step",
    "StepContext",
    "Timeout",
    "TransportError",
    "__version__",
    "invoke",
    "load_component",
    "paginate",
]
