"""One connection's way to the API: session, token, limiter, deadline, retries, caps.

Every request, the token exchange's included, goes through the ``requests.Session``
the connection was given (or made), so a caller who mounts an adapter sees them
all, and proxies and CA bundles from the environment apply as requests applies
them. They are read once per transport, when its first request goes out: requests
would scan the whole environment twice for every request, which is most of a warm
call's own cost, and one transport only ever talks to one origin.

What is retried, and what never is:

* a request that provably was not processed (no connection could be made, or the
  server answered 429) is retried for queries and mutations alike;
* a query is also retried after a timeout, a dropped connection, 502, 503 or 504;
* a mutation in that position may have been applied: it raises
  ``OutcomeUnknownError`` and is never sent again.

Waits use full-jitter exponential back-off, at least the server's ``Retry-After``,
and stop at the call's deadline. Exceptions are raised outside ``except`` blocks so
that no chain (``__context__``) carries a request, a header or a token along.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from .attempt import Answer, Call, Failure, attempt
from .errors import InputError, OutcomeUnknownError, TransportError
from .policy import SYSTEM_CLOCK, Clock, Retry, Timeout, retry_after
from .ratelimit import DeadlineExceededError, RateLimiter
from .redaction import REDACTED, Secret, scrub
from .tokens import AccessToken, TokenCache

log = logging.getLogger("prismatic_connector")
MAX_REDIRECTS = 3


Exchange = Callable[["ExchangeHttp"], AccessToken]


class Transport:
    def __init__(
        self,
        *,
        base_url: str,
        refresh_token: Secret,
        exchange: Exchange,
        session: requests.Session,
        timeout: Timeout,
        retry: Retry,
        limiter: RateLimiter | None,
        max_response_bytes: int,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.base_url = base_url
        self.session = session
        self.timeout = timeout
        self.retry = retry
        self.limiter = limiter
        self.max_response_bytes = max_response_bytes
        self.clock = clock
        self._refresh_token = refresh_token
        self.tokens = TokenCache(lambda call: exchange(ExchangeHttp(self, call)), clock)
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
    ) -> Answer:
        """Post one operation to ``/api`` with the access token; the answer as it came."""
        timeout = timeout or self.timeout
        call = Call(
            action, operation, mutation, self.deadline(timeout), retry or self.retry, timeout
        )
        body = _encode({"query": query, "variables": dict(variables)}, action)
        with self._in_use():
            return self._send(f"{self.base_url}/api", body, call, auth=True)

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
        with self._in_use():
            return self._send(f"{self.base_url}{path}", _encode(body, action), call, auth=False)

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

    # ------------------------------------------------------------------ the loop

    def _send(self, url: str, body: bytes, call: Call, *, auth: bool) -> Answer:
        retries = redirects = 0
        last: Answer | None = None
        refused: Secret | None = None
        reauthed = False
        while True:
            headers = {
                "Content-Type": "application/json",
                "Prismatic-Client": "prismatic-connector",
            }
            token = self.tokens.get(call, refused=refused) if auth else None
            if token is not None:
                headers["Authorization"] = f"Bearer {token.reveal()}"
            if self.limiter is not None and not self._admitted(call):
                raise self._gave_up(call, "the rate limit leaves no room before the deadline")
            outcome = attempt(
                self.session,
                url,
                body,
                headers,
                call,
                clock=self.clock,
                cap=self.max_response_bytes,
                scrub=self._scrub,
                settings=self._environment(),
            )
            wait = 0.0
            if isinstance(outcome, Failure):
                if not outcome.retryable:
                    raise self._error(call, outcome.reason)
                if outcome.sent and call.mutation:
                    raise OutcomeUnknownError(call.action, call.operation, outcome.reason)
                reason = outcome.reason
            elif outcome.status == 401 and token is not None and not reauthed:
                log.info("action %s: the access token was refused; refreshing once", call.action)
                refused, reauthed = token, True
                continue
            elif outcome.status in (307, 308) and redirects < MAX_REDIRECTS:
                url = self._same_origin(url, outcome, call)
                redirects += 1
                continue
            elif 300 <= outcome.status < 400:
                raise self._error(call, self._redirect_problem(url, outcome))
            elif outcome.status in call.retry.statuses:
                last = outcome
                reason = f"HTTP {outcome.status}: {outcome.snippet}"
                after = retry_after(outcome.headers.get("Retry-After"))
                if outcome.status == 429:
                    if self.limiter is not None:
                        self.limiter.throttled(after)
                elif call.mutation:
                    raise OutcomeUnknownError(call.action, call.operation, reason)
                wait = after or 0.0
            else:
                return outcome
            retries += 1
            if retries > call.retry.max_retries:
                tried = f", and {retries - 1} retries did not help" if retries > 1 else ""
                raise self._gave_up(call, f"{reason}{tried}", last)
            wait = max(wait, call.retry.backoff(retries))
            if self.clock.now() + wait >= call.deadline:
                raise self._gave_up(
                    call, f"{reason}; no time is left to retry before the deadline", last
                )
            log.info(
                "action %s: %s; retry %d of %d in %.2f s",
                call.action,
                reason,
                retries,
                call.retry.max_retries,
                wait,
            )
            self.clock.sleep(wait)

    # ------------------------------------------------------------------ helpers

    def _environment(self) -> dict[str, Any]:
        if self._settings is None:
            self._settings = self.session.merge_environment_settings(
                self.base_url, {}, None, None, None
            )
        return self._settings

    def _admitted(self, call: Call) -> bool:
        assert self.limiter is not None
        try:
            self.limiter.acquire(call.deadline)
        except DeadlineExceededError:
            return False
        return True

    def _scrub(self, body: bytes) -> bytes:
        for secret in self.secrets():
            value = secret.reveal().encode("utf-8", "replace")
            if len(value) >= 4 and value in body:
                body = body.replace(value, REDACTED.encode())
        return body

    def _same_origin(self, url: str, answer: Answer, call: Call) -> str:
        target = urljoin(url, answer.headers.get("Location", ""))
        if _origin(target) != _origin(url):
            raise self._error(call, self._redirect_problem(url, answer))
        return target

    def _redirect_problem(self, url: str, answer: Answer) -> str:
        target = urljoin(url, answer.headers.get("Location", ""))
        parts = urlsplit(target)
        where = (
            f"{parts.scheme}://{parts.netloc}" if _origin(target) != _origin(url) else parts.path
        )
        return (
            f"HTTP {answer.status} redirect to {scrub(where, self.secrets())} was not followed: "
            "credentials are only sent to the configured base URL (check the base URL)"
        )

    def _error(self, call: Call, reason: str) -> TransportError:
        return TransportError(f"{call.label}{reason}", action=call.action)

    def _gave_up(self, call: Call, reason: str, last: Answer | None = None) -> TransportError:
        return TransportError(
            f"{call.label}gave up: {reason}",
            action=call.action,
            status=last.status if last else None,
            snippet=last.snippet if last else "",
        )

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


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or ""), port
