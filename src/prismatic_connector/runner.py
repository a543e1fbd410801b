"""The one generic action runner, and the envelope it returns.

``invoke(key, inputs, connection)``: the manifest gives the action's spec ->
``binding`` turns inputs into variables (or raises ``InputError`` before anything
is sent) -> the action's hook, if any, adjusts the request -> ``client`` posts it
with the connection's access token -> the answer is interpreted -> the result is
wrapped as ``{"data": {"status": <HTTP status>, "data": <GraphQL data>}}``.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from . import client
from .auth import Connection, Exchange
from .binding import bind
from .bundle import Bundle, find_bundle, load_module
from .errors import InputError, ManifestError
from .hooks import Prepare, Request
from .manifest import ActionSpec, ComponentSpec, ConnectionSpec, load_manifest

Envelope = dict[str, Any]
CONNECTION_INPUT = "connection"
ConnectionLike = Connection | Mapping[str, Any] | None


class Component:
    """The loaded component: its manifest, its files and its hooks."""

    def __init__(self, spec: ComponentSpec, bundle: Bundle) -> None:
        self.spec = spec
        self.bundle = bundle
        self._queries: dict[str, str] = {}
        self._hooks: dict[str, Prepare] = {}
        self._connections: dict[tuple[str, str, str | None], Connection] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        root = str(self.bundle.root)
        return f"Component(key={self.spec.key!r}, actions={len(self.spec.actions)}, root={root!r})"

    @property
    def actions(self) -> tuple[ActionSpec, ...]:
        return self.spec.actions

    @property
    def connection_spec(self) -> ConnectionSpec:
        return self.spec.connection

    def action(self, key: str) -> ActionSpec:
        """The action with this key or alias; an ``InputError`` names close matches."""
        spec = self.spec.action(key)
        if spec is None:
            keys = [a.key for a in self.spec.actions]
            close = difflib.get_close_matches(key, keys, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; actions: {', '.join(keys)}"
            raise InputError(key, None, f"no such action{hint}")
        return spec

    def query(self, action: ActionSpec) -> str:
        text = self._queries.get(action.key)
        if text is None:
            text = self._queries[action.key] = self.bundle.read_query(action.key)
        return text

    def hook(self, action: ActionSpec) -> Prepare | None:
        if action.hook is None:
            return None
        found = self._hooks.get(action.hook)
        if found is None:
            path = self.bundle.action_hook_path(action.hook)
            module = load_module(path, f"actions.{action.hook}")
            prepare = getattr(module, "prepare", None)
            if not callable(prepare):
                raise ManifestError(
                    str(path), "prepare", "the hook file defines no prepare(request)"
                )
            found = self._hooks[action.hook] = cast(Prepare, prepare)
        return found

    def exchange(self) -> Exchange:
        name = self.spec.connection.hook
        path = self.bundle.connection_hook_path(name)
        module = load_module(path, f"connections.{name}")
        exchange = getattr(module, "exchange", None)
        if not callable(exchange):
            raise ManifestError(str(path), "exchange", "the connection file defines no exchange()")
        return cast(Exchange, exchange)

    def connection(self, given: ConnectionLike = None) -> Connection:
        """A Connection as is; connection values (or the environment) as a reused Connection."""
        if isinstance(given, Connection):
            return given
        fresh = Connection.from_inputs(given or {})
        key = (fresh.base_url, fresh.refresh_token.reveal(), fresh.tenant_id)
        with self._lock:
            return self._connections.setdefault(key, fresh)

    def prepare(self, key: str, inputs: Mapping[str, Any] | None = None) -> Request:
        """Everything up to sending: bind the inputs and run the hook. Raises ``InputError``."""
        action = self.action(key)
        given = {k: v for k, v in (inputs or {}).items() if k != CONNECTION_INPUT}
        values = bind(action, given)
        hooked = {spec.key for spec in action.inputs if spec.hook}
        variables = {k: v for k, v in values.items() if k not in hooked}
        request = Request(action.key, self.query(action), variables, values)
        hook = self.hook(action)
        return hook(request) if hook else request

    def invoke(
        self,
        key: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        connection: ConnectionLike = None,
    ) -> Envelope:
        """Run one action and return ``{"data": {"status": ..., "data": ...}}``.

        The connection may come as ``connection=`` or, as a workflow runner passes a
        step's inputs, as the ``connection`` input; not both.
        """
        request = self.prepare(key, inputs)
        if inputs and CONNECTION_INPUT in inputs:
            given = _connection_input(request.action, inputs[CONNECTION_INPUT])
            if connection is not None:
                raise InputError(
                    request.action,
                    CONNECTION_INPUT,
                    "is given twice (as an input and as connection=)",
                )
            connection = given
        conn = self.connection(connection)
        session = conn.session(self.exchange())
        answer = client.send(
            session,
            conn.base_url,
            request.query,
            request.variables,
            timeout=conn.timeout,
            action=request.action,
        )
        data = client.interpret(request.action, answer)
        return {"data": {"status": answer.status, "data": data}}


def _connection_input(action: str, value: Any) -> ConnectionLike:
    if value is None or isinstance(value, (Connection, Mapping)):
        return value
    raise InputError(
        action,
        CONNECTION_INPUT,
        "expected a Connection or the connection's values (apiKey, tenantId)",
    )


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
) -> Envelope:
    """Run one action of the shipped component. See ``Component.invoke``."""
    return load_component().invoke(key, inputs, connection=connection)
