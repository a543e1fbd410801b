"""Moved: the connection lives in ``connection.py``. These names stay importable from here."""

from .connection import DEFAULT_URL, Connection, ExchangeHook
from .tokens import AccessToken
from .transport import ExchangeHttp

__all__ = ["DEFAULT_URL", "AccessToken", "Connection", "ExchangeHook", "ExchangeHttp"]
