"""Connections made from connection values, kept for reuse across calls.

A workflow runner hands the component the same connection values step after
step; making a Connection each time would throw away the access token, the
kept-alive sockets and the shared limiter. The cache is bounded, keyed by a
digest of the values (never the refresh token itself); a connection pushed out
is closed once no call is using it, and the rest at interpreter exit.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import requests

from .auth import Connection

DEFAULT_SIZE = 32


class ConnectionCache:
    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[str, Connection] = OrderedDict()
        self._lock = threading.Lock()
        _all.add(self)

    def __repr__(self) -> str:
        return f"ConnectionCache(size={self.size}, held={len(self._items)})"

    def __len__(self) -> int:
        return len(self._items)

    def get(
        self,
        values: Mapping[str, Any],
        *,
        action: str,
        session: requests.Session | None = None,
    ) -> Connection:
        """The connection for these values (and the runner's ``session``, if it shares one)."""
        fresh = Connection.from_values(values, action=action, session=session)
        key = fresh.principal if session is None else f"{fresh.principal}:{id(session)}"
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
            self._items[key] = fresh
            evicted = self._items.popitem(last=False)[1] if len(self._items) > self.size else None
        if evicted is not None:
            evicted.retire()
        return fresh

    def close(self) -> None:
        with self._lock:
            held = list(self._items.values())
            self._items.clear()
        for connection in held:
            connection.close()


_all: weakref.WeakSet[ConnectionCache] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for cache in list(_all):
        cache.close()
