"""What the policy core and a driver say to each other.

The core yields a command; the driver carries it out and sends back what came of it:

    Authenticate(refused)  ->  the access token to use (a Secret)
    Send(url, headers, body, method)  ->  an Answer, or a Failure that got no answer
    Wait(seconds, note)  ->  None, once the time has passed

and the flow's return value is the answer the call ends with; an error is raised.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..policy import Retry, Timeout
from ..redaction import Secret


@dataclass(frozen=True)
class Answer:
    """An HTTP answer, read whole within the size cap, with every known secret removed."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    snippet: str

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Failure:
    """An attempt that got no answer. ``sent``: the request may have reached the server."""

    reason: str
    sent: bool
    retryable: bool = True


@dataclass(frozen=True)
class Call:
    """What one logical call is, for the retry rules and the messages."""

    action: str
    operation: str
    mutation: bool
    deadline: float
    retry: Retry
    timeout: Timeout
    stage: str = ""  # what part of the call failed, when it is not the operation itself

    @property
    def label(self) -> str:
        return f"action {self.action!r}: {self.stage}"


# The commands are plain classes: made on every request, and cheaper to define at import
# than dataclasses, on a path a cold command pays for.


class Authenticate:
    """Hand over an access token; ``refused`` is one the API just answered 401 to."""

    __slots__ = ("refused",)

    def __init__(self, refused: Secret | None = None) -> None:
        self.refused = refused

    def __repr__(self) -> str:
        return f"Authenticate(refused={self.refused!r})"


class Send:
    """Send ``body`` to ``url`` once (a POST, or the ``method`` given), and answer with
    what came back (or did not)."""

    __slots__ = ("body", "headers", "method", "url")

    def __init__(
        self, url: str, headers: Mapping[str, str], body: bytes, method: str = "POST"
    ) -> None:
        self.url = url
        self.headers = headers
        self.body = body
        self.method = method

    def __repr__(self) -> str:
        # Never the headers (they carry the token), nor a query (an upload URL's signature).
        parts = urlsplit(self.url)
        where = f"{parts.scheme}://{parts.netloc}{parts.path}"
        return f"Send({self.method} {where!r}, {len(self.body)} bytes)"


class Wait:
    """Let ``seconds`` pass on the clock; ``note`` says why, for the log."""

    __slots__ = ("note", "seconds")

    def __init__(self, seconds: float, note: str = "") -> None:
        self.seconds = seconds
        self.note = note

    def __repr__(self) -> str:
        return f"Wait({self.seconds:.3f})"


Command = Authenticate | Send | Wait
# A flow yields commands, receives what came of each, and returns the call's answer.
Flow = Generator[Command, Any, Answer]
