"""What a route is handed (``Request``, with the ``Front`` it answers for) and what it
hands back (``Answer``), so that routes never touch a socket and the server never
decides what to answer."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from ..app import Emulator
    from .faults import Faults

JSON = "application/json"


@dataclass(frozen=True)
class Front:
    """What the routes answer for: the emulator, and the faults injected in front of it."""

    emulator: Emulator
    faults: Faults


@dataclass(frozen=True)
class Request:
    """One request that arrived whole. ``target`` is the path and query as sent; ``path``
    has neither the query nor a trailing slash; ``params`` is what the route's pattern took."""

    method: str
    target: str
    path: str
    headers: Message
    body: bytes = b""
    params: Mapping[str, str] = field(default_factory=dict)

    def query(self, *, keep_blank: bool = False) -> dict[str, str]:
        """The query's parameters, the first value of each."""
        fields = parse_qs(urlsplit(self.target).query, keep_blank_values=keep_blank)
        return {name: values[0] for name, values in fields.items()}

    def header(self, name: str) -> str:
        return str(self.headers.get(name, ""))


@dataclass(frozen=True)
class Answer:
    """An HTTP answer. ``close``: the connection closes after it; ``drop``: the connection
    is shut with no answer at all (an injected fault)."""

    status: int
    body: bytes = b""
    content_type: str = JSON
    headers: Mapping[str, str] = field(default_factory=dict)
    close: bool = False
    drop: bool = False


DROP = Answer(0, drop=True)


def json_answer(
    status: int, value: Any, headers: Mapping[str, str] | None = None, *, close: bool = False
) -> Answer:
    body = json.dumps(value, separators=(",", ":")).encode()
    return Answer(status, body, JSON, dict(headers or {}), close=close)


def error(status: int, message: str, *, close: bool = False) -> Answer:
    """The API's error shape: ``{"errors": [{"message": ...}]}``."""
    return json_answer(status, {"errors": [{"message": message}]}, close=close)
