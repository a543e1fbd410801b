"""The sync driver: carries out the policy core's commands with requests, on this thread.

Every request, the token exchange's included, goes through the ``requests.Session``
the connection was given (or made), so a caller who mounts an adapter sees them
all, and proxies and CA bundles from the environment apply as requests applies
them. They are read once per transport, when its first request goes out: requests
would scan the whole environment twice for every request, which is most of a warm
call's own cost, and one transport only ever talks to one origin. The one request
to another origin, an upload (``put``), reads them for its own URL: its
``NO_PROXY`` may well differ.

Exceptions are raised outside ``except`` blocks so that no chain (``__context__``)
carries a request, a header or a token along.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import requests

from ..clock import SYSTEM_CLOCK
from ..errors import ConfigurationError, InputError
from ..policy import Clock, Retry, Timeout
from ..redaction import REDACTED, Secret
from .attempt import attempt
from .core import Core
from .limiter import RateLimiter
from .messages import Answer, Authenticate, Call, Command, Flow, Send, Wait
from .tokens import AccessToken, TokenCache

log = logging.getLogger("prismatic_connector")

# The connection's exchange, bound once: trades the refresh token for an access token.
Exchange = Callable[["ExchangeHttp"], AccessToken]


class Transport:
    """One connection's way to the API: session, token, limiter, deadline, retries, caps."""

    def __init__(
        self,
        *,
        base_url: str,
        refresh_token: Secret,
        session: requests.Session,
        timeout: Timeout,
        retry: Retry,
        limiter: RateLimiter | None,
        max_response_bytes: int,
        clock: Clock = SYSTEM_CLOCK,
        exchange: Exchange | None = None,
    ) -> None:
        self.base_url = base_url
        self.session = session
        self.timeout = timeout
        self.retry = retry
        self.limiter = limiter
        self.max_response_bytes = max_response_bytes
        self.clock = clock
        self.exchange = exchange
        self._refresh_token = refresh_token
        self.tokens = TokenCache(clock)
        self.core = Core(limiter, clock.now, self.secrets, time.time)
        self._settings: dict[str, Any] | None = None
        self._active = 0
        self._retired = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r}, limiter={self.limiter!r})"

    # ------------------------------------------------------------------ public

    def graphql(
        self,
        query: str,
        variables: Mapping[str, Any],
        *,
        action: str,
        operation: str,
        mutation: bool,
        timeout: Timeout | None = None,
        retry: Retry | None = None,
        deadline: float | None = None,
    ) -> Answer:
        """Post one operation to ``/api`` with the access token; the answer as it came.
        ``deadline``: when a longer task this call is part of must be over, if sooner."""
        timeout = timeout or self.timeout
        ends = self.deadline(timeout)
        if deadline is not None:
            ends = min(ends, deadline)
        call = Call(action, operation, mutation, ends, retry or self.retry, timeout)
        body = _encode({"query": query, "variables": dict(variables)}, action)
        with self._in_use():
            return self.run(self.core.flow(f"{self.base_url}/api", body, call, auth=True), call)

    def post_json(
        self, path: str, body: Mapping[str, Any], *, action: str, within: Call | None = None
    ) -> Answer:
        """Post JSON to ``path`` without the access token, for requests that are safe to
        repeat (the token exchange, a revocation), so every failure may be retried.
        ``within``: the call this is part of, whose deadline and retries apply.
        """
        call = Call(
            action,
            path,
            False,
            within.deadline if within else self.deadline(),
            within.retry if within else self.retry,
            within.timeout if within else self.timeout,
            stage=f"{path.strip('/')}: ",
        )
        flow = self.core.flow(f"{self.base_url}{path}", _encode(body, action), call, auth=False)
        with self._in_use():
            return self.run(flow, call)

    def put(self, url: str, body: bytes, content_type: str, *, within: Call) -> Answer:
        """PUT ``body`` to ``url``, an upload URL of its own origin (a presigned one): through
        this session, with the proxy and CA settings the environment gives that URL, with
        no token and no Prismatic header. The same bytes may go again, so it is retried as
        a query is; ``within``: the call it is part of, whose deadline and retries apply.
        """
        call = Call(
            within.action,
            "upload",
            False,
            within.deadline,
            within.retry,
            within.timeout,
            stage=within.stage,
        )
        try:
            settings = self.session.merge_environment_settings(url, {}, None, None, None)
        except ValueError:  # a URL urllib cannot split: the attempt refuses it, sending nothing
            settings = {}
        with self._in_use():
            return self.run(self.core.upload(url, body, content_type, call), call, settings)

    def deadline(self, timeout: Timeout | None = None) -> float:
        """When a call starting now must be over, on this transport's clock."""
        return self.clock.now() + (timeout or self.timeout).total

    def secrets(self) -> list[Secret]:
        return [self._refresh_token, *self.tokens.issued]

    def retire(self) -> None:
        """Close now if idle, else as soon as the last call in flight ends."""
        with self._lock:
            self._retired = True
            idle = self._active == 0
        if idle:
            self.session.close()

    # ------------------------------------------------------------------ the driver

    def run(self, flow: Flow, call: Call, settings: Mapping[str, Any] | None = None) -> Answer:
        """Carry out the core's commands until its flow ends with an answer (or raises).
        ``settings``: the environment's for another origin than the base URL's."""
        reply: Any = None
        while True:
            try:
                command = flow.send(reply)
            except StopIteration as ended:
                answer: Answer = ended.value
                return answer
            reply = self._carry_out(command, call, settings)

    def _carry_out(self, command: Command, call: Call, settings: Mapping[str, Any] | None) -> Any:
        if isinstance(command, Send):
            return attempt(
                self.session,
                command.url,
                command.body,
                dict(command.headers),
                call,
                clock=self.clock,
                cap=self.max_response_bytes,
                scrub=self._scrub,
                settings=self._environment() if settings is None else settings,
                method=command.method,
            )
        if isinstance(command, Wait):
            if command.note:
                log.info("%s", command.note)
            self.clock.sleep(command.seconds)
            return None
        return self._token(command, call)

    def _token(self, command: Authenticate, call: Call) -> Secret:
        exchange = self.exchange
        if exchange is None:
            raise ConfigurationError(
                "connection",
                "no connection hook is bound to exchange its refresh token: call through a "
                "component (invoke, a step, paginate) or Connection.bind",
            )
        if command.refused is not None:
            log.info("action %s: the access token was refused; refreshing once", call.action)
        return self.tokens.get(
            call, lambda within: exchange(ExchangeHttp(self, within)), refused=command.refused
        )

    # ------------------------------------------------------------------ helpers

    def _environment(self) -> dict[str, Any]:
        if self._settings is None:
            self._settings = self.session.merge_environment_settings(
                self.base_url, {}, None, None, None
            )
        return self._settings

    def _scrub(self, body: bytes) -> bytes:
        for secret in self.secrets():
            value = secret.reveal().encode("utf-8", "replace")
            if len(value) >= 4 and value in body:
                body = body.replace(value, REDACTED.encode())
        return body

    @contextmanager
    def _in_use(self) -> Iterator[None]:
        self._enter()
        try:
            yield
        finally:
            self._leave()

    def _enter(self) -> None:
        with self._lock:
            self._active += 1

    def _leave(self) -> None:
        with self._lock:
            self._active -= 1
            close = self._retired and self._active == 0
        if close:
            self.session.close()


class ExchangeHttp:
    """What a connection's ``exchange`` hook may do: post JSON to a path of the base URL.

    The post has the call's deadline, the transport's retries (an exchange issues a
    new token and changes nothing else, so it is always safe to repeat), the
    size cap, and no redirect to another origin.
    """

    def __init__(self, transport: Transport, call: Call) -> None:
        self._transport = transport
        self._call = call

    def __repr__(self) -> str:
        return f"ExchangeHttp(base_url={self._transport.base_url!r})"

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    def post_json(self, path: str, body: Mapping[str, Any]) -> Answer:
        return self._transport.post_json(path, body, action=self._call.action, within=self._call)


def _encode(value: Mapping[str, Any], action: str) -> bytes:
    # Binding has already refused what JSON cannot hold; this is the last line.
    failure = ""
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError, RecursionError, UnicodeError) as exc:
        failure = type(exc).__name__
    raise InputError(action, None, f"the request cannot be encoded as JSON ({failure})")
