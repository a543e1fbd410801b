"""The component as a workflow runner loads it: a step per action, run with a context.

    component = importlib.metadata.entry_points(group="prismatic.components")["prismatic"].load()
    step = component.step("listInstances")
    step.inputs                      # the input specs, as the manifest declares them
    step.perform(StepContext(connection={"apiKey": ..., "baseUrl": ...}), {"first": 10})

The connection comes as a runner stores it: flat (``apiKey``, ``tenantId``,
``baseUrl``) or as spectral writes it (``{"key": ..., "fields": {...}}``). One loaded
component serves any number of concurrent steps: connections are shared through the
component's bounded cache, so steps of one user share one token and one limiter.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from ..connection import CONNECTION_INPUT, Connection, connection_values
from ..errors import InputError
from ..policy import Retry, Timeout
from .manifest import ActionSpec, InputSpec

__all__ = ["CONNECTION_INPUT", "Step", "StepContext", "connection_values"]
Envelope = dict[str, Any]


class _Component(Protocol):
    """What a step needs of its component (the runner's ``Component``)."""

    def connection(
        self,
        given: Any = None,
        *,
        action: str = "",
        session: requests.Session | None = None,
        base_url: str | None = None,
    ) -> Connection: ...

    def invoke(
        self,
        key: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        connection: Connection | None = None,
        timeout: Timeout | float | None = None,
        retries: Retry | int | None = None,
        wait: bool = False,
        raise_on_payload_errors: bool = False,
    ) -> Envelope: ...


@dataclass(frozen=True)
class StepContext:
    """What a runner hands each step: the connection and how to run it.

    ``connection``: the connection's values as the runner stores them, or a
    ``Connection``. ``base_url`` fills ``baseUrl`` when the values have none.
    ``timeout`` and ``retries`` apply to this step's call; ``session`` is a
    ``requests.Session`` the runner shares between steps.
    """

    connection: Mapping[str, Any] | Connection | None = None
    logger: logging.Logger | None = None
    base_url: str | None = None
    timeout: Timeout | float | None = None
    retries: Retry | int | None = None
    session: requests.Session | None = None

    def __repr__(self) -> str:  # the connection values hold the refresh token
        kind = type(self.connection).__name__ if self.connection is not None else "none"
        return f"StepContext(connection=<{kind}>, base_url={self.base_url!r})"


class Step:
    """One action as a step: its input specs and ``perform``."""

    def __init__(self, component: _Component, action: ActionSpec) -> None:
        self.component = component
        self.action = action

    def __repr__(self) -> str:
        return f"Step({self.action.key!r})"

    @property
    def key(self) -> str:
        return self.action.key

    @property
    def inputs(self) -> tuple[InputSpec, ...]:
        return self.action.inputs

    def perform(
        self,
        context: StepContext,
        inputs: Mapping[str, Any] | None = None,
        *,
        wait: bool = False,
        raise_on_payload_errors: bool = False,
    ) -> Envelope:
        """Run the action; the result is the envelope ``{"data": {"status", "data"}}``.

        ``wait`` (testFlow): the envelope of the execution once it has ended.
        ``raise_on_payload_errors``: a refused mutation raises ``PayloadError``.
        """
        if not isinstance(context, StepContext):
            raise InputError(self.key, None, "expected a StepContext as the step's context")
        given = dict(inputs or {})
        if context.connection is not None and CONNECTION_INPUT in given:
            raise InputError(
                self.key, CONNECTION_INPUT, "is given twice (in the context and as an input)"
            )
        raw = given.pop(CONNECTION_INPUT, context.connection)
        connection = self.component.connection(
            raw, action=self.key, session=context.session, base_url=context.base_url
        )
        log = context.logger or logging.getLogger("prismatic_connector")
        log.info("step %s: running", self.key)
        result = self.component.invoke(
            self.key,
            given,
            connection=connection,
            timeout=context.timeout,
            retries=context.retries,
            wait=wait,
            raise_on_payload_errors=raise_on_payload_errors,
        )
        log.info("step %s: HTTP %s", self.key, result["data"]["status"])
        return result
