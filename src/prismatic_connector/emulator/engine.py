"""The GraphQL side of the emulator: the project's SDL, the resolvers bound to it,
and a cache of parsed and validated documents.

A field the emulator does not implement resolves to null where the schema lets
it be null, and otherwise to a "not supported by the emulator" error; an
unimplemented root operation is always that error, so no caller mistakes it for
an empty answer.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationType,
    build_schema,
    execute,
    get_operation_ast,
    parse,
    validate,
)

from ..schema import sdl
from .store import Store
from .transaction import Tx

Resolver = Callable[..., Any]
CACHE_SIZE = 512


@dataclass
class Context:
    tx: Tx
    user_id: str
    base_url: str
    now: Callable[[], float] = time.time
    # Runs whose status this request read (a scripted run may end after so many reads).
    polled: set[str] = field(default_factory=set)


@dataclass
class Outcome:
    """How a request went: whether it was refused before it ran (a document that does not
    parse or validate), the data, any GraphQL errors, and the runs whose status it read."""

    refused: bool
    data: dict[str, Any] | None
    errors: list[GraphQLError]
    polled: set[str] = field(default_factory=set)

    def body(self) -> dict[str, Any]:
        """The GraphQL response: only the errors of a refused request."""
        if self.refused:
            return {"errors": [e.formatted for e in self.errors]}
        answer: dict[str, Any] = {"data": self.data}
        if self.errors:
            answer["errors"] = [e.formatted for e in self.errors]
        return answer


Info = GraphQLResolveInfo[Context]


class Registry:
    """Resolvers by (type name, field name), filled by the resolver modules."""

    def __init__(self) -> None:
        self.fields: dict[tuple[str, str], Resolver] = {}
        self.mutations: set[str] = set()

    def field(self, type_name: str, field_name: str) -> Callable[[Resolver], Resolver]:
        def register(fn: Resolver) -> Resolver:
            self.fields[(type_name, field_name)] = fn
            return fn

        return register

    def query(self, name: str) -> Callable[[Resolver], Resolver]:
        return self.field("RootQuery", name)

    def mutation(self, name: str) -> Callable[[Resolver], Resolver]:
        self.mutations.add(name)
        return self.field("RootMutation", name)


registry = Registry()


def _not_supported(type_name: str, field_name: str) -> Resolver:
    def resolve(source: Any, info: Info, **_: Any) -> Any:
        raise GraphQLError(f"{type_name}.{field_name} is not supported by the emulator")

    return resolve


def _default(type_name: str, field_name: str, non_null: bool) -> Resolver:
    missing = _not_supported(type_name, field_name)

    def resolve(source: Any, info: Info, **_: Any) -> Any:
        if isinstance(source, Mapping) and field_name in source:
            return source[field_name]
        if non_null:
            return missing(source, info)
        return None

    return resolve


# Past this many tokens a document is refused, so a huge one cannot tie up the parser.
MAX_TOKENS = 50_000


def build(registry: Registry) -> GraphQLSchema:
    schema = build_schema(sdl())
    for type_name, type_ in schema.type_map.items():
        if not isinstance(type_, GraphQLObjectType) or type_name.startswith("__"):
            continue
        root = type_name in ("RootQuery", "RootMutation")
        for field_name, definition in type_.fields.items():
            found = registry.fields.get((type_name, field_name))
            if found is not None:
                definition.resolve = found
            elif root:
                definition.resolve = _not_supported(type_name, field_name)
            else:
                non_null = isinstance(definition.type, GraphQLNonNull)
                definition.resolve = _default(type_name, field_name, non_null)
    unknown = [key for key in registry.fields if key[0] not in schema.type_map]
    if unknown:
        raise RuntimeError(f"resolvers for types missing from the schema: {unknown}")
    return schema


def _never_awaitable(_: Any) -> TypeGuard[Awaitable[Any]]:
    # Every resolver is synchronous; graphql-core's own check costs a sixth of a request.
    return False


class Engine:
    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self._cache: OrderedDict[str, DocumentNode | list[GraphQLError]] = OrderedDict()
        self._lock = threading.Lock()

    def prepare(self, query: str) -> DocumentNode | list[GraphQLError]:
        """The parsed and validated document, or the errors; cached by text."""
        with self._lock:
            hit = self._cache.get(query)
            if hit is not None:
                self._cache.move_to_end(query)
                return hit
        prepared: DocumentNode | list[GraphQLError]
        try:
            document = parse(query, max_tokens=MAX_TOKENS)
        except GraphQLError as error:
            prepared = [error]
        except RecursionError:
            prepared = [GraphQLError("Syntax Error: the document is nested too deeply.")]
        else:
            errors = validate(self.schema, document)
            prepared = list(errors) if errors else document
        with self._lock:
            self._cache[query] = prepared
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return prepared

    def answer(
        self,
        store: Store,
        query: str,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
        *,
        user_id: str,
        base_url: str,
        now: Callable[[], float] = time.time,
    ) -> Outcome:
        """Run one request: queries on a snapshot of their own, mutations one at a time."""
        prepared = self.prepare(query)
        if isinstance(prepared, list):
            return Outcome(True, None, prepared)
        operation = get_operation_ast(prepared, operation_name)
        writes = operation is not None and operation.operation != OperationType.QUERY
        try:
            with store.write() if writes else store.read() as tx:
                context = Context(tx, user_id, base_url, now)
                result = execute(
                    self.schema,
                    prepared,
                    variable_values=dict(variables or {}),
                    operation_name=operation_name,
                    context_value=context,
                    is_awaitable=_never_awaitable,
                )
        except GraphQLError as error:
            return Outcome(True, None, [error])
        if not isinstance(result, ExecutionResult):  # pragma: no cover - no async resolvers here
            raise TypeError("the emulator's resolvers are synchronous")
        return Outcome(False, result.data, list(result.errors or []), context.polled)
