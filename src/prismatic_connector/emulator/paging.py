"""Pages as the real API serves them: cursors, windows, connections.

Cursors are graphene's: base64 of ``arrayconnection:<index>`` into the filtered,
ordered list. An empty ``after`` means "from the start" (Prismatic's CLI sends
one). ``offset`` skips that many records first. A page holds at most 100
records, which is also the default.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any

from graphql import GraphQLError

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


def window(total: int, args: Mapping[str, Any]) -> tuple[int, int]:
    """The [start, end) slice of ``total`` items that the paging arguments select."""
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
    return start, max(start, min(end, total))


def connection(page: Sequence[Any], start: int, total: int) -> dict[str, Any]:
    """A Relay connection of ``page``, the items from ``start`` of ``total``."""
    edges = [{"node": node, "cursor": cursor(start + i)} for i, node in enumerate(page)]
    return {
        "nodes": list(page),
        "edges": edges,
        "totalCount": total,
        "pageInfo": {
            "hasNextPage": start + len(page) < total,
            "hasPreviousPage": start > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }
