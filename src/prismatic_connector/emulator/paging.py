"""Connections as the real API serves them: filters, ordering, cursors, pages.

Cursors are graphene's: base64 of ``arrayconnection:<index>`` into the filtered,
ordered list. An empty ``after`` means "from the start" (Prismatic's CLI sends
one). ``offset`` skips that many records first. A page holds at most 100
records, which is also the default.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from graphql import GraphQLError

Record = dict[str, Any]
Getter = Callable[[Record, str], Any]

PAGE_MAX = 100
PAGING_ARGS = {"first", "last", "before", "after", "offset", "orderBy", "sortBy"}
_PREFIX = "arrayconnection:"


def cursor(index: int) -> str:
    return base64.b64encode(f"{_PREFIX}{index}".encode()).decode()


def index_of(value: str, arg: str) -> int:
    try:
        decoded = base64.b64decode(value.encode(), validate=True).decode()
        if decoded.startswith(_PREFIX):
            return int(decoded[len(_PREFIX) :])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise GraphQLError(f"Invalid cursor for '{arg}': {value!r}")


def connection(items: Sequence[Any], args: Mapping[str, Any]) -> dict[str, Any]:
    """Slice ``items`` by the paging arguments into a Relay connection."""
    total = len(items)
    start, end = 0, total
    if args.get("after"):
        start = max(start, index_of(args["after"], "after") + 1)
    if args.get("before"):
        end = min(end, index_of(args["before"], "before"))
    offset = args.get("offset")
    if offset is not None:
        if offset < 0:
            raise GraphQLError("'offset' must be a non-negative integer")
        start += offset
    first, last = args.get("first"), args.get("last")
    for name, value in (("first", first), ("last", last)):
        if value is not None and value < 0:
            raise GraphQLError(f"'{name}' must be a non-negative integer")
    if first is not None:
        end = min(end, start + min(first, PAGE_MAX))
    if last is not None:
        start = max(start, end - min(last, PAGE_MAX))
    if first is None and last is None:
        end = min(end, start + PAGE_MAX)
    start = min(start, total)
    end = max(start, min(end, total))
    page = list(items[start:end])
    edges = [{"node": node, "cursor": cursor(start + i)} for i, node in enumerate(page)]
    return {
        "nodes": page,
        "edges": edges,
        "totalCount": total,
        "pageInfo": {
            "hasNextPage": end < total,
            "hasPreviousPage": start > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def plain_get(record: Record, name: str) -> Any:
    return record.get(name)


def matches(record: Record, arg: str, value: Any, get: Getter = plain_get) -> bool:
    """Django-filter semantics for one argument such as ``name_Icontains``."""
    field, _, lookup = arg.partition("_")
    if lookup and not lookup[:1].isupper():
        field, lookup = arg, ""
    # fk_SubField (customer_ExternalId): look through the relation.
    if lookup and lookup not in _LOOKUPS:
        actual = get(record, f"{field}.{lookup[0].lower()}{lookup[1:]}")
        return bool(actual == value)
    actual = get(record, field)
    return _LOOKUPS.get(lookup, _exact)(actual, value)


def _exact(actual: Any, value: Any) -> bool:
    return bool(actual == value)


def _text(actual: Any) -> list[str]:
    if actual is None:
        return []
    if isinstance(actual, list):
        return [str(a).lower() for a in actual]
    return [str(actual).lower()]


_LOOKUPS: dict[str, Callable[[Any, Any], bool]] = {
    "": _exact,
    "Icontains": lambda a, v: any(str(v).lower() in t for t in _text(a)),
    "Contains": lambda a, v: (v in a) if isinstance(a, list) else str(v) in str(a or ""),
    "Istartswith": lambda a, v: any(t.startswith(str(v).lower()) for t in _text(a)),
    "Iexact": lambda a, v: any(t == str(v).lower() for t in _text(a)),
    "In": lambda a, v: a in (v or []),
    "Isnull": lambda a, v: (a is None or a == []) == bool(v),
    "Gte": lambda a, v: a is not None and a >= v,
    "Lte": lambda a, v: a is not None and a <= v,
}


def filtered(
    records: Iterable[Record],
    args: Mapping[str, Any],
    *,
    get: Getter = plain_get,
    handled: Iterable[str] = (),
) -> list[Record]:
    """Records that pass every filter argument that is not paging or ``handled``."""
    skip = PAGING_ARGS | set(handled)
    active = [(k, v) for k, v in args.items() if k not in skip and v is not None]
    return [r for r in records if all(matches(r, k, v, get) for k, v in active)]


def ordered(
    records: list[Record],
    args: Mapping[str, Any],
    fields: Mapping[str, str],
    *,
    get: Getter = plain_get,
) -> list[Record]:
    """Apply ``sortBy`` (a list) or ``orderBy``; the last key sorts first."""
    orders = args.get("sortBy") or ([args["orderBy"]] if args.get("orderBy") else [])
    if isinstance(orders, Mapping):
        orders = [orders]
    for order in reversed(list(orders)):
        attr = fields.get(order["field"])
        if attr is None:
            raise GraphQLError(f"Ordering by {order['field']} is not supported by the emulator")
        reverse = order["direction"] == "DESC"

        def key(record: Record, attr: str = attr) -> tuple[int, Any]:
            return _sort_key(get(record, attr))

        records = sorted(records, key=key, reverse=reverse)
    return records


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, str):
        return (1, value.lower())
    return (1, value)
