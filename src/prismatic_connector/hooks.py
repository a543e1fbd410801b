"""What an action hook receives and returns.

An action with ``hook: name`` in the manifest has a file ``actions/name.py``
that defines ``prepare(request: Request) -> Request``. The runner calls it after
binding and before sending, so a hook can check inputs (raising ``InputError``)
or reshape the operation and its variables. Hooks stay small; everything common
to all actions lives in the runner.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import InputError
from .operations import Operation, parse_document

__all__ = ["InputError", "Operation", "Prepare", "Request", "parse_document"]


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
