"""Every node of a list action, page by page, in constant memory.

Each page is one call through the connection's token, retries and rate limiter;
the next starts at the last page's ``pageInfo.endCursor``. A cursor that does
not advance ends the walk with a ``PaginationError`` rather than a loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..component import answers
from ..component.runner import Component, ConnectionLike, load_component
from ..errors import InputError, PaginationError

# Where each list action's connection is in its answer.
LISTS: dict[str, tuple[str, ...]] = {
    "listCustomers": ("customers",),
    "listInstances": ("instances",),
    "listIntegrations": ("integrations",),
    "listComponents": ("components",),
    "listFlows": ("integration", "flows"),
    "listExecutions": ("executionResults",),
    "listLogs": ("logs",),
}
PAGE_MAX = 100
__all__ = ["LISTS", "PAGE_MAX", "PaginationError", "connection_of", "pages", "paginate"]
_REFUSED = ("offset", "before", "last")


def connection_of(action: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The list's connection (nodes, pageInfo, totalCount) in an answer's data."""
    found: Any = data
    for name in LISTS[action]:
        found = (found or {}).get(name)
    return dict(found or {})


def pages(
    key: str,
    inputs: Mapping[str, Any] | None = None,
    *,
    connection: ConnectionLike = None,
    page_size: int = PAGE_MAX,
    component: Component | None = None,
) -> Iterator[dict[str, Any]]:
    """Each page's answer data, in order; ``connection_of`` finds the list in it.

    The inputs are checked now, before any request; the pages come as iterated.
    """
    component = component or load_component()
    action = component.action(key).key
    if action not in LISTS:
        lists = ", ".join(LISTS)
        raise InputError(action, None, f"is not a list action; paginate takes one of {lists}")
    given = dict(inputs or {})
    for name in _REFUSED:
        if given.get(name) not in (None, ""):
            raise InputError(action, name, "cannot be used with paginate, which follows cursors")
    if isinstance(page_size, bool) or not isinstance(page_size, int):
        raise InputError(action, "page_size", f"expected a whole number from 1 to {PAGE_MAX}")
    if not 1 <= page_size <= PAGE_MAX:
        raise InputError(action, "page_size", f"expected a whole number from 1 to {PAGE_MAX}")
    cursor = given.pop("after", None) or None
    given.pop("first", None)
    request = component.prepare(action, given)
    conn = component.connection(connection, action=action)
    transport = conn.transport(component.exchange())

    def walk(cursor: str | None) -> Iterator[dict[str, Any]]:
        while True:
            answer = transport.graphql(
                request.query,
                {**request.variables, "first": page_size, "after": cursor},
                action=action,
                operation=request.operation.name,
                mutation=False,
            )
            data = answers.interpret(action, answer)
            yield data
            info = connection_of(action, data).get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return
            following = info.get("endCursor")
            if not following or following == cursor:
                raise PaginationError(action, following or cursor)
            cursor = following

    return walk(cursor)


def paginate(
    key: str,
    inputs: Mapping[str, Any] | None = None,
    *,
    connection: ConnectionLike = None,
    page_size: int = PAGE_MAX,
    component: Component | None = None,
    on_page: Callable[[dict[str, Any]], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Every node of a list action (listCustomers, listInstances, listIntegrations,
    listComponents, listFlows, listExecutions, listLogs), following ``pageInfo.endCursor``.

    ``after`` in the inputs starts the walk there; ``offset``, ``before`` and ``last``
    are refused. ``on_page`` sees each page's connection before its nodes are yielded
    (for progress: ``totalCount``).
    """
    component = component or load_component()
    action = component.action(key).key
    walk = pages(action, inputs, connection=connection, page_size=page_size, component=component)

    def nodes() -> Iterator[dict[str, Any]]:
        for data in walk:
            page = connection_of(action, data)
            if on_page is not None:
                on_page(page)
            yield from page.get("nodes") or []

    return nodes()
