"""Moved: the cache of connections made from values lives in ``connection.py``. These
names stay importable from here."""

from .connection import DEFAULT_CACHE_SIZE as DEFAULT_SIZE
from .connection import ConnectionCache, _close_all

__all__ = ["DEFAULT_SIZE", "ConnectionCache", "_close_all"]
