"""The one generic action runner, and the envelope it returns.

``invoke(key, inputs, connection)``: the manifest gives the action's spec ->
``binding`` turns inputs into variables (or raises ``InputError`` before anything
is sent) -> the action's hook, if any, adjusts the request -> ``executor`` posts it
through the connection's transport (token, limiter, retries, deadline) and reads the
answer (``answers``) -> the result is wrapped as
``{"data": {"status": <HTTP status>, "data": <GraphQL data>}}``.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

import requests

from ..connection import (
    CONNECTION_INPUT,
    EXPECTED,
    Connection,
    ConnectionCache,
    ExchangeHook,
    resolve,
)
from ..errors import InputError, ManifestError, PayloadError
from ..policy import Retry, Timeout
from ..transport import Call, ExchangeHttp
from . import waiting
from .binding import bind
from .bundle import Bundle, find_bundle, load_module
from .executor import execute
from .failures import payload_errors
from .hooks import Prepare, Request
from .manifest import ActionSpec, ComponentSpec, ConnectionSpec, load_manifest
from .operations import Operation, scan
from .step import Step

Envelope = dict[str, Any]
ConnectionLike = Connection | Mapping[str, Any] | None


class Component:
    """The loaded component: its manifest, its files and its hooks."""

    def __init__(self, spec: ComponentSpec, bundle: Bundle) -> None:
        self.spec = spec
        self.bundle = bundle
        self._queries: dict[str, tuple[str, Operation]] = {}
        self._hooks: dict[str, Prepare] = {}
        self._exchange: ExchangeHook | None = None
        self.connections = ConnectionCache()

    def __repr__(self) -> str:
        root = str(self.bundle.root)
        return f"Component(key={self.spec.key!r}, actions={len(self.spec.actions)}, root={root!r})"

    @property
    def actions(self) -> tuple[ActionSpec, ...]:
        return self.spec.actions

    @property
    def connection_spec(self) -> ConnectionSpec:
        return self.spec.connection

    def step(self, key: str) -> Step:
        """The action with this key or alias, as a workflow step."""
        return Step(self, self.action(key))

    def action(self, key: str) -> ActionSpec:
        """The action with this key or alias; an ``InputError`` names close matches."""
        if not isinstance(key, str):
            raise InputError(repr(key)[:60], None, "no such action: an action key is text")
        spec = self.spec.action(key)
        if spec is None:
            keys = [a.key for a in self.spec.actions]
            close = difflib.get_close_matches(key, keys, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; actions: {', '.join(keys)}"
            raise InputError(key, None, f"no such action{hint}")
        return spec

    def query(self, action: ActionSpec) -> str:
        return self.operation(action)[0]

    def operation(self, action: ActionSpec) -> tuple[str, Operation]:
        """The action's document and its kind, read and worked out once."""
        found = self._queries.get(action.key)
        if found is None:
            text = self.bundle.read_query(action.key)
            found = self._queries[action.key] = (text, scan(text, action.key))
        return found

    def hook(self, action: ActionSpec) -> Prepare | None:
        if action.hook is None:
            return None
        found = self._hooks.get(action.hook)
        if found is None:
            path = self.bundle.action_hook_path(action.hook)
            prepare = _hook_function(path, f"actions.{action.hook}", "prepare", "(request)")
            found = self._hooks[action.hook] = cast(Prepare, prepare)
        return found

    def exchange(self) -> ExchangeHook:
        """The connection's ``exchange`` hook, loaded once."""
        if self._exchange is None:
            self._exchange = cast(ExchangeHook, self._connection_hook("exchange"))
        return self._exchange

    def revoke(self, connection: ConnectionLike = None) -> None:
        """Revoke the connection's refresh token through the connection's ``revoke`` hook."""
        conn = self.connection(connection, action="revoke")
        transport = conn.transport(self.exchange())
        revoke = self._connection_hook("revoke")
        call = Call("revoke", "/auth/revoke", False, transport.deadline(), conn.retry, conn.timeout)
        revoke(ExchangeHttp(transport, call), conn)

    def _connection_hook(self, function: str) -> Callable[..., Any]:
        name = self.spec.connection.hook
        path = self.bundle.connection_hook_path(name)
        return _hook_function(path, f"connections.{name}", function, "()")

    def connection(
        self,
        given: Any = None,
        *,
        action: str = "",
        session: requests.Session | None = None,
        base_url: str | None = None,
    ) -> Connection:
        """A Connection as is; connection values, flat or spectral's (or none: the
        environment), as a Connection reused from this component's cache."""
        return resolve(
            given,
            action=action or CONNECTION_INPUT,
            cache=self.connections,
            session=session,
            base_url=base_url,
        )

    def prepare(self, key: str, inputs: Mapping[str, Any] | None = None) -> Request:
        """Everything up to sending: bind the inputs and run the hook. Raises ``InputError``."""
        action = self.action(key)
        if inputs is not None and not isinstance(inputs, Mapping):
            raise InputError(action.key, None, "expected the inputs as a mapping of name to value")
        given = {k: v for k, v in (inputs or {}).items() if k != CONNECTION_INPUT}
        values = bind(action, given)
        hooked = {spec.key for spec in action.inputs if spec.hook}
        variables = {k: v for k, v in values.items() if k not in hooked}
        text, operation = self.operation(action)
        request = Request(action.key, text, variables, values, operation)
        hook = self.hook(action)
        return hook(request) if hook else request

    def invoke(
        self,
        key: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        connection: ConnectionLike = None,
        timeout: Timeout | float | None = None,
        retries: Retry | int | None = None,
        wait: bool = False,
        raise_on_payload_errors: bool = False,
        on_wait: waiting.Watcher | None = None,
    ) -> Envelope:
        """Run one action and return ``{"data": {"status": ..., "data": ...}}``.

        The connection may come as ``connection=`` or, as a workflow runner passes a
        step's inputs, as the ``connection`` input; not both. ``timeout`` and
        ``retries`` override the connection's for this call. ``wait`` (testFlow):
        wait for the execution to end and return getExecution's envelope, all within
        the timeout; ``on_wait(status, seconds)`` hears each status read meanwhile.
        ``raise_on_payload_errors``: a mutation Prismatic refuses raises
        ``PayloadError`` (carrying the envelope) instead of returning it.
        """
        request = self.prepare(key, inputs)
        if wait:
            waiting.check_can_wait(request.action)
        given = _given_connection(request.action, inputs, connection)
        conn = self.connection(given, action=request.action)
        started = conn.clock.now()
        status, data = execute(
            conn,
            self.exchange(),
            request.query,
            request.variables,
            action=request.action,
            operation=request.operation,
            timeout=Timeout.of(timeout, conn.timeout) if timeout is not None else None,
            retry=Retry.of(retries, conn.retry) if retries is not None else None,
        )
        envelope: Envelope = {"data": {"status": status, "data": data}}
        if raise_on_payload_errors and request.operation.mutation:
            refused = payload_errors(data)
            if refused:
                raise PayloadError(request.action, envelope, refused)
        ident = waiting.execution_id(request.action, envelope) if wait else None
        if ident is None:
            return envelope

        def fetch(run: str) -> Envelope:
            return self.invoke(
                "getExecution", {"executionId": run}, connection=conn, retries=retries
            )

        limit = Timeout.of(timeout, conn.timeout)
        return waiting.wait_for(
            request.action,
            ident,
            fetch,
            clock=conn.clock,
            started=started,
            deadline=started + limit.total,
            on_status=on_wait,
        )


def _hook_function(path: Path, qualname: str, function: str, signature: str) -> Callable[..., Any]:
    """``function`` of the hook file at ``path``, loaded once per process."""
    found = getattr(load_module(path, qualname), function, None)
    if not callable(found):
        raise ManifestError(str(path), function, f"the hook file defines no {function}{signature}")
    return cast(Callable[..., Any], found)


def _given_connection(
    action: str, inputs: Mapping[str, Any] | None, connection: ConnectionLike
) -> ConnectionLike:
    """The connection given as ``connection=`` or as the ``connection`` input; not both."""
    if not (inputs and CONNECTION_INPUT in inputs):
        if connection is not None and not isinstance(connection, (Connection, Mapping)):
            raise InputError(action, CONNECTION_INPUT, EXPECTED)
        return connection
    value = inputs[CONNECTION_INPUT]
    if value is not None and not isinstance(value, (Connection, Mapping)):
        raise InputError(action, CONNECTION_INPUT, EXPECTED)
    if connection is not None:
        raise InputError(
            action, CONNECTION_INPUT, "is given twice (as an input and as connection=)"
        )
    return cast(ConnectionLike, value)


_loaded: dict[Path | None, Component] = {}
_load_lock = threading.Lock()


def load_component(root: str | Path | None = None) -> Component:
    """The component at ``root``, or the one this package ships; loaded once."""
    key = Path(root).resolve() if root is not None else None
    with _load_lock:
        found = _loaded.get(key)
        if found is None:
            bundle = find_bundle(key)
            found = _loaded[key] = Component(load_manifest(bundle.manifest), bundle)
        return found


def invoke(
    key: str,
    inputs: Mapping[str, Any] | None = None,
    *,
    connection: ConnectionLike = None,
    timeout: Timeout | float | None = None,
    retries: Retry | int | None = None,
    wait: bool = False,
    raise_on_payload_errors: bool = False,
) -> Envelope:
    """Run one action of the shipped component. See ``Component.invoke``."""
    return load_component().invoke(
        key,
        inputs,
        connection=connection,
        timeout=timeout,
        retries=retries,
        wait=wait,
        raise_on_payload_errors=raise_on_payload_errors,
    )
