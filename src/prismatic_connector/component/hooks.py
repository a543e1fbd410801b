"""What a component's hooks may use: the one face of the runtime they import.

An action with ``hook: name`` in the manifest has a file ``actions/name.py``
that defines ``prepare(request: Request) -> Request``. The runner calls it after
binding and before sending, so a hook can check inputs (raising ``InputError``)
or reshape the operation and its variables. Hooks stay small; everything common
to all actions lives in the runner. For them: ``Request``, ``InputError``,
``parse_document``, ``json_problem`` and ``load_yaml``.

The connection's hook (``connections/name.py``) defines ``exchange(http, connection)
-> AccessToken``, trading ``connection.refresh_token`` (a ``Secret``) for an access
token with ``http.post_json(path, body) -> Answer``, and ``revoke(http, connection)``.
It raises ``CredentialError`` when the token is refused and ``TransportError`` when
the server fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..connection import Connection
from ..errors import CredentialError, InputError, TransportError
from ..redaction import Secret
from ..transport import Answer, ExchangeHttp
from ..transport.tokens import AccessToken
from .binding import json_problem
from .operations import Operation, parse_document

__all__ = [
    "AccessToken",
    "Answer",
    "Connection",
    "CredentialError",
    "ExchangeHttp",
    "InputError",
    "Operation",
    "Prepare",
    "Request",
    "Secret",
    "TransportError",
    "json_problem",
    "load_yaml",
    "parse_document",
]


# Until told otherwise, a document is treated as one that changes things.
UNKNOWN = Operation("mutation", "")


@dataclass(frozen=True)
class Request:
    """One action call on its way out.

    ``operation`` says whether the document is a mutation, which decides what
    may be retried: a hook that replaces the query must set it anew.
    """

    action: str
    query: str
    variables: Mapping[str, Any]
    inputs: Mapping[str, Any] = field(default_factory=dict)
    operation: Operation = UNKNOWN

    def with_(self, **changes: Any) -> Request:
        return replace(self, **changes)


Prepare = Callable[[Request], Request]


def load_yaml(text: str, *, action: str, input: str) -> Any:
    """The YAML in an input, loaded safely (every mapping knows its line), or an
    ``InputError`` naming the action, the input, and where the YAML breaks."""
    from . import yaml_source  # YAML is loaded only for the actions that read it

    problem = ""
    try:
        return yaml_source.load(text)
    except yaml_source.YamlError as exc:
        problem = str(exc)
    raise InputError(action, input, problem)
