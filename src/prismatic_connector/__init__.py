"""prismatic-connector: drive Prismatic's GraphQL API as a connector component.

>>> from prismatic_connector import invoke, Connection
>>> conn = Connection("<refresh token>", base_url="https://app.prismatic.io")
>>> invoke("listInstances", {"first": 10}, connection=conn)
{'data': {'status': 200, 'data': {'instances': {...}}}}
"""

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from .jobs.logdecide import LogLine
    from .jobs.logs import logs
    from .jobs.replay import ReplayReport, replay
    from .jobs.rollout import RolloutReport, rollout

_moved.install()  # the modules that moved into folders keep their old import names


__all__ = [
    "Component",
    "ConfigurationError",
    "Connection",
    "ConnectorError",
    "ControlError",
    "CredentialError",
    "GraphQLError",
    "InputError",
    "LogLine",
    "ManifestError",
    "OutcomeUnknownError",
    "PaginationError",
    "PayloadError",
    "ReplayReport",
    "Retry",
    "RolloutReport",
    "Step",
    "StepContext",
    "Timeout",
    "TransportError",
    "__version__",
    "invoke",
    "load_component",
    "logs",
    "paginate",
    "replay",
    "rollout",
]

# The fleet jobs load their machinery (threads, state files) when first used: a cold
# ``invoke`` has no use for them.
_JOBS = {
    "logs": "logs",
    "LogLine": "logdecide",
    "replay": "replay",
    "ReplayReport": "replay",
    "rollout": "rollout",
    "RolloutReport": "rollout",
}


def __getattr__(name: str) -> Any:
    if name in _JOBS:
        import importlib

        return getattr(importlib.import_module(f".jobs.{_JOBS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
