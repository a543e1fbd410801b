"""What every resolver module uses to bind GraphQL fields to the model."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from ..engine import Info, Resolver, registry
from ..model.base import Invalid, related, require
from ..query import PLAIN, Listing, embedded
from ..transaction import Record, Tx


def tx(info: Info) -> Tx:
    return info.context.tx


def mutation(name: str, object_field: str | None = None) -> Callable[[Resolver], Resolver]:
    """Register a root mutation: takes ``input``, counts what was applied.

    ``fn(info, input)`` returns the record for ``object_field`` (or the whole payload
    when there is none); a model ``Invalid`` becomes the payload's errors, and
    whatever the mutation wrote before it is undone.
    """

    def register(fn: Resolver) -> Resolver:
        @functools.wraps(fn)
        def resolve(source: Any, info: Info, input: Mapping[str, Any]) -> Any:
            data = dict(input)
            try:
                with tx(info).savepoint():
                    found = fn(info, data)
            except Invalid as problem:
                errors = [{"field": f, "messages": m} for f, m in problem.errors]
                result: dict[str, Any] = {"errors": errors}
                if object_field:
                    result[object_field] = None
            else:
                result = {object_field: found, "errors": []} if object_field else found
                tx(info).count_applied(name)
            result.setdefault("clientMutationId", input.get("clientMutationId"))
            return result

        registry.mutation(name)(resolve)
        return fn

    return register


def lookup(query_name: str, type_name: str) -> None:
    """A root query ``name(id: ID!)`` that answers one record, or "Record not found"."""

    def resolve(_: Any, info: Info, id: str) -> Record:
        return require(tx(info), type_name, id)

    registry.query(query_name)(resolve)


def ref(type_name: str, *field_names: str) -> None:
    """``type.field`` holds an ID; resolve it to the record."""
    for field_name in field_names:

        def resolve(source: Record, info: Info, _field: str = field_name, **_: Any) -> Any:
            return related(tx(info), source.get(_field))

        registry.field(type_name, field_name)(resolve)


def embedded_list(
    type_name: str, field_name: str, listing: Listing = PLAIN, key: str | None = None
) -> None:
    """``type.field`` is a connection over a list kept inside the record."""

    def resolve(source: Record, info: Info, **args: Any) -> dict[str, Any]:
        return embedded(tx(info), list(source.get(key or field_name) or []), args, listing)

    registry.field(type_name, field_name)(resolve)
