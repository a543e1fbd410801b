"""One HTTP attempt on requests: send, then read the answer within the size cap and the deadline.

The sync driver's I/O: this says what one attempt came to (an ``Answer``, or a
``Failure`` that says whether the request may have reached the server); the policy
core decides what to do next.

A body over one block (a package being uploaded) goes block by block: urllib3 sends
a body under the connect timeout, so sent whole it would have to be over within
seconds on any link; block by block, that timeout is how long the peer may stop
taking it, and the deadline is checked between blocks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.sessions import merge_setting
from requests.structures import CaseInsensitiveDict

from ..policy import Clock
from .messages import Answer, Call, Failure

log = logging.getLogger("prismatic_connector")
SNIPPET_CHARS = 200
CHUNK = 64 * 1024
_NOT_SENT = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)


class _PastDeadlineError(Exception):
    """Raised from a body's ``read`` at the deadline: through urllib3 and requests as is."""


class _Blocks:
    """A body read a block at a time that refuses the next block after the deadline."""

    def __init__(self, data: bytes, clock: Clock, deadline: float) -> None:
        self._data = memoryview(data)
        self._at = 0
        self._clock = clock
        self._deadline = deadline

    def __len__(self) -> int:  # requests declares it as Content-Length, so no chunking
        return len(self._data)

    def __iter__(self) -> Iterator[bytes]:  # requests takes an iterable for a stream
        while block := self.read(CHUNK):
            yield block

    def read(self, size: int = -1) -> bytes:
        if self._clock.now() > self._deadline:
            raise _PastDeadlineError
        end = len(self._data) if size < 0 else self._at + size
        block = self._data[self._at : end].tobytes()
        self._at += len(block)
        return block


def attempt(
    session: requests.Session,
    url: str,
    body: bytes,
    headers: dict[str, str],
    call: Call,
    *,
    clock: Clock,
    cap: int,
    scrub: Callable[[bytes], bytes],
    settings: Mapping[str, Any],
    method: str = "POST",
) -> Answer | Failure:
    """``settings``: what the environment adds to a request (proxies, CA bundle), as
    ``Session.merge_environment_settings`` gives it, read once by the caller."""
    remaining = call.deadline - clock.now()
    if remaining <= 0:
        return Failure("the call's deadline passed", sent=False, retryable=False)
    limits = (min(call.timeout.connect, remaining), min(call.timeout.read, remaining))
    data: bytes | _Blocks = body if len(body) <= CHUNK else _Blocks(body, clock, call.deadline)
    failure: Failure | None = None
    try:
        response = session.send(
            _prepare(session, method, url, data, headers),
            **{**settings, "timeout": limits, "allow_redirects": False, "stream": True},
        )
    except requests.RequestException as exc:
        failure = classify(exc, url)
    except (ValueError, UnicodeError) as exc:  # a header or URL requests cannot send
        failure = Failure(f"the request cannot be sent ({type(exc).__name__})", False, False)
    except _PastDeadlineError:
        failure = Failure("the request was still being sent at the deadline", True, False)
    if failure is not None:
        _note(call, url, failure.reason)
        return failure
    try:
        read = _read(response, call, clock, cap)
    finally:
        response.close()
    if isinstance(read, Failure):
        _note(call, url, read.reason)
        return read
    _note(call, url, f"HTTP {response.status_code}, {len(read)} bytes")
    clean = scrub(read)
    snippet = clean[:SNIPPET_CHARS].decode("utf-8", "replace")
    return Answer(response.status_code, response.headers, clean, snippet)


def _prepare(
    session: requests.Session, method: str, url: str, body: bytes | _Blocks, headers: dict[str, str]
) -> requests.PreparedRequest:
    """The request as ``Session.prepare_request`` makes it, without its ``.netrc``
    lookup: an entry for the API's host would replace the bearer token with basic
    auth, and the lookup reads the file system on every request."""
    prepared = requests.PreparedRequest()
    prepared.prepare(
        method=method,
        url=url,
        data=body,
        headers=merge_setting(headers, session.headers, dict_class=CaseInsensitiveDict),
        cookies=session.cookies,
        auth=session.auth,
        hooks=session.hooks,
    )
    return prepared


def _read(response: requests.Response, call: Call, clock: Clock, cap: int) -> bytes | Failure:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap:
        return Failure(f"the answer is {declared} bytes, over the cap of {cap}", True, False)
    chunks: list[bytes] = []
    size = 0
    problem: Failure | None = None
    try:
        while True:
            # read1 returns what one receive brought, so a body dripped a byte at a
            # time still comes back here to meet the deadline.
            if clock.now() > call.deadline:
                problem = Failure("the answer was still arriving at the deadline", True, False)
                break
            chunk = response.raw.read1(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > cap:
                problem = Failure(f"the answer is over the cap of {cap} bytes", True, False)
                break
            chunks.append(chunk)
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        problem = Failure(f"the answer broke off ({type(exc).__name__})", True)
    if problem is not None:
        response.raw.close()
        return problem
    return b"".join(chunks)


def classify(exc: requests.RequestException, url: str) -> Failure:
    """What a failure to get an answer means: could the request have been processed?"""
    name = type(exc).__name__
    where = "{}://{}".format(*urlsplit(url)[:2])
    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.ProxyError)):
        return Failure(f"could not reach {where} ({name})", sent=False)
    if isinstance(exc, requests.exceptions.SSLError):
        return Failure(f"the TLS handshake with {where} failed ({name})", sent=False)
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return Failure(f"{where} sent no answer before the read timeout", sent=True)
    if isinstance(exc, requests.exceptions.ConnectionError):
        cause = exc.args[0] if exc.args else None
        reason = getattr(cause, "reason", None)
        if isinstance(reason, _NOT_SENT):
            return Failure(f"could not reach {where} ({type(reason).__name__})", sent=False)
        if isinstance(cause, urllib3.exceptions.ProtocolError) and any(
            isinstance(arg, TimeoutError) for arg in cause.args
        ):  # a body's block that could not go within the connect timeout
            return Failure(f"{where} stopped taking the request before the timeout", sent=True)
        return Failure(f"the connection to {where} dropped before an answer", sent=True)
    return Failure(f"the request cannot be sent ({name})", sent=False, retryable=False)


def _note(call: Call, url: str, what: str) -> None:
    if log.isEnabledFor(logging.DEBUG):
        log.debug("%s%s: %s", call.label, urlsplit(url).path, what)
