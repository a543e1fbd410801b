"""What every resolver module uses: the context, lookups, payloads, relation getters."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from graphql import GraphQLError

from .. import ids
from ..engine import Context, Info, Resolver, registry
from ..paging import Record, connection, filtered, ordered
from ..store import Store

NOT_FOUND = "Record not found"


def ctx(info: Info) -> Context:
    return info.context


def store(info: Info) -> Store:
    return ctx(info).store


def require(info: Info, type_name: str, id_: Any) -> Record:
    """The record, or the top-level "Record not found" error the real API gives."""
    found = store(info).get(type_name, id_) if isinstance(id_, str) else None
    if found is None:
        raise GraphQLError(NOT_FOUND)
    return found


def related(s: Store, id_: Any) -> Record | None:
    """Follow an ID stored on a record to the record, whatever its type."""
    if not isinstance(id_, str):
        return None
    type_name = ids.type_of(id_)
    return s.get(type_name, id_) if type_name else None


def getter(
    s: Store, computed: Mapping[str, Callable[[Record], Any]] | None = None
) -> Callable[[Record, str], Any]:
    """Read ``name`` or ``relation.name`` off a record, for filters and ordering."""

    def get(record: Record, name: str) -> Any:
        head, _, rest = name.partition(".")
        if computed and head in computed and not rest:
            return computed[head](record)
        value = record.get(head)
        if not rest:
            return value
        target = related(s, value)
        return target.get(rest) if target else None

    return get


def listing(
    records: list[Record],
    args: Mapping[str, Any],
    s: Store,
    *,
    order_fields: Mapping[str, str] | None = None,
    handled: tuple[str, ...] = (),
    computed: Mapping[str, Callable[[Record], Any]] | None = None,
) -> dict[str, Any]:
    get = getter(s, computed)
    records = filtered(records, args, get=get, handled=handled)
    records = ordered(records, args, order_fields or {}, get=get)
    return connection(records, args)


def payload(object_field: str, record: Record | None) -> dict[str, Any]:
    return {object_field: record, "errors": []}


def invalid(object_field: str, field: str, *messages: str) -> dict[str, Any]:
    return {object_field: None, "errors": [{"field": field, "messages": list(messages)}]}


def blank_name(
    object_field: str, data: Mapping[str, Any], *, required: bool
) -> dict[str, Any] | None:
    """The payload error for a blank ``name``: missing on create, or given empty on update."""
    name = data.get("name")
    if name is None and not required:
        return None
    if not (name or "").strip():
        return invalid(object_field, "name", "This field may not be blank.")
    return None


def mutation(name: str) -> Callable[[Resolver], Resolver]:
    """Register a root mutation: takes ``input``, counts what was applied."""

    def register(fn: Resolver) -> Resolver:
        @functools.wraps(fn)
        def resolve(source: Any, info: Info, input: Mapping[str, Any]) -> Any:
            result = fn(info, dict(input))
            if not result.get("errors"):
                store(info).count_applied(name)
            result.setdefault("clientMutationId", input.get("clientMutationId"))
            return result

        registry.mutation(name)(resolve)
        return fn

    return register


def lookup(query_name: str, type_name: str) -> None:
    """A root query ``name(id: ID!)`` that answers one record, or "Record not found"."""

    def resolve(_: Any, info: Info, id: str) -> Record:
        return require(info, type_name, id)

    registry.query(query_name)(resolve)


def ref(type_name: str, field_name: str) -> None:
    """``type.field`` holds an ID; resolve it to the record."""

    def resolve(source: Record, info: Info, **_: Any) -> Record | None:
        return related(store(info), source.get(field_name))

    registry.field(type_name, field_name)(resolve)


def embedded_list(type_name: str, field_name: str, key: str | None = None) -> None:
    """``type.field`` is a connection over a list kept inside the record."""

    def resolve(source: Record, info: Info, **args: Any) -> dict[str, Any]:
        return listing(list(source.get(key or field_name) or []), args, store(info))

    registry.field(type_name, field_name)(resolve)


def stamp(record: Record, *, created: bool = False) -> Record:
    moment = ids.now()
    if created:
        record["createdAt"] = moment
    record["updatedAt"] = moment
    return record


def clean_labels(labels: Any) -> list[str]:
    # Prismatic lower-cases labels for consistency.
    return [str(label).lower() for label in (labels or []) if label]
