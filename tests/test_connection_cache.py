"""Connections made from runners' values: reused, bounded, keyed without the token, closed when idle."""

from __future__ import annotations

from typing import Any

import requests

from prismatic_connector import Component, Connection
from prismatic_connector.connection import ConnectionCache, _close_all

from .hostile import CANARY


class Closing(requests.Session):
    closed = False

    def close(self) -> None:
        self.closed = True
        super().close()


def values(n: int) -> dict[str, Any]:
    return {"apiKey": f"{CANARY}-{n}", "baseUrl": "http://127.0.0.1:9"}


def test_the_same_values_give_the_same_connection(component: Component) -> None:
    first = component.connection(values(1))
    assert component.connection(values(1)) is first
    assert component.connection({**values(1), "tenantId": "t"}) is not first


def test_the_cache_is_keyed_by_a_digest_never_the_token() -> None:
    cache = ConnectionCache()
    cache.get(values(1), action="a")
    keys = list(cache._items)
    assert all(len(key) == 64 and CANARY not in key for key in keys)
    assert CANARY not in repr(cache)


def test_the_cache_is_bounded_and_a_dropped_connection_closes_once_idle(
    component: Component,
) -> None:
    cache = ConnectionCache(size=2)
    first = cache.get(values(1), action="a")
    session = Closing()
    first._session = session
    transport = first.transport(component.exchange())
    transport._enter()  # a call is in flight on it
    cache.get(values(2), action="a")
    cache.get(values(3), action="a")
    assert len(cache) == 2
    assert cache.get(values(1), action="a") is not first
    assert not session.closed  # still in use
    transport._leave()
    assert session.closed


def test_what_is_left_is_closed_at_exit(component: Component) -> None:
    cache = ConnectionCache()
    conn = cache.get(values(4), action="a")
    session = Closing()
    conn._session = session
    conn.transport(component.exchange())
    _close_all()
    assert session.closed
    assert len(cache) == 0


def test_a_connection_is_a_context_manager_that_closes_its_session(component: Component) -> None:
    session = Closing()
    with Connection(CANARY, base_url="http://127.0.0.1:9", session=session) as conn:
        conn.transport(component.exchange())
    assert session.closed
