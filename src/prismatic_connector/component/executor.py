"""Posting one GraphQL operation and reading its answer: the one way every operation goes.

An action (``Component.invoke``) and publishing (``authoring/publishing.py``) both
come here: the connection's transport posts the document (token, limiter, retries,
deadline) and ``answers.interpret`` makes the answer its data or the right exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from ..connection import Connection, ExchangeHook
from ..policy import Retry, Timeout
from . import answers
from .operations import Operation


class Executed(NamedTuple):
    """A good answer: its HTTP status and its GraphQL ``data``."""

    status: int
    data: dict[str, Any]


def execute(
    connection: Connection,
    exchange: ExchangeHook,
    text: str,
    variables: Mapping[str, Any],
    *,
    action: str,
    operation: Operation,
    timeout: Timeout | None = None,
    retry: Retry | None = None,
    deadline: float | None = None,
) -> Executed:
    """Post ``text`` with ``variables`` through ``connection`` (its token exchanged by
    ``exchange``) and read the answer; raises as ``answers.interpret`` does.

    ``operation``: the document's kind and name, which decide whether a retry could
    apply it twice. ``timeout`` and ``retry`` override the connection's; ``deadline``
    ends the call sooner when it is part of a longer task.
    """
    answer = connection.transport(exchange).graphql(
        text,
        variables,
        action=action,
        operation=operation.name,
        mutation=operation.mutation,
        timeout=timeout,
        retry=retry,
        deadline=deadline,
    )
    return Executed(answer.status, answers.interpret(action, answer))
