"""The policy core: every rule of the send path, and no I/O.

A call is a flow of commands (``messages.py``) that a driver carries out: the driver
sends, waits and fetches tokens; the core decides. Its layers, in the order a request
meets them, one concern each:

    authenticate   a token on every request; after a 401, one refresh and one more try
    redirects      307 and 308 followed to the same origin only, at most three
    retries        what may be sent again: a query after a dropped connection, a read
                   timeout, 429, 502, 503 or 504; a mutation only when it provably was
                   not processed (no connection made, or 429). Back-off with full jitter,
                   never sooner than ``Retry-After``, never past the deadline
    limit          the shared rate limiter's admission, and a 429's feedback to it

An upload (``upload``: a PUT of a package or an icon to a presigned URL, another
origin than the API's) meets the same redirects and retries, with no token, no
Prismatic header and not the API's limiter, and is retried as a query is: the same
bytes put twice leave one object.

The limiter only answers how long to wait; the core asks the driver to wait. The
clock is read through ``now`` (and the time of day through ``wall``, for a
``Retry-After`` date): the only outside facts the core takes.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import replace
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

from ..errors import OutcomeUnknownError, TransportError
from ..policy import retry_after
from ..redaction import Secret, scrub
from .messages import Answer, Authenticate, Call, Command, Failure, Flow, Send, Wait

MAX_REDIRECTS = 3
HEADERS = {"Content-Type": "application/json", "Prismatic-Client": "prismatic-connector"}
# Why a redirect elsewhere is refused, by who is asking.
API_ORIGIN_ONLY = "credentials are only sent to the configured base URL (check the base URL)"
UPLOAD_ORIGIN_ONLY = "an upload is only sent to the origin of the URL it was given"


class Limiter(Protocol):
    """A rate limiter's decisions: the waiting is the driver's."""

    def reserve(self, now: float) -> float:
        """Take a slot now and answer 0, or answer how long to wait before asking again."""
        ...

    def throttled(self, retry_after_s: float | None) -> None: ...


class _Tally:
    """One call's counts, shared by its layers: a refresh or a redirect keeps the budget.
    With them, what differs for an upload: ``limited``, whether the API's limiter admits
    its requests (and hears its 429s), and ``origin_only``, why a redirect elsewhere is
    refused."""

    __slots__ = ("last", "limited", "origin_only", "redirects", "retries")

    def __init__(self, *, limited: bool = True, origin_only: str = API_ORIGIN_ONLY) -> None:
        self.retries = 0
        self.redirects = 0
        self.last: Answer | None = None
        self.limited = limited
        self.origin_only = origin_only


class Core:
    """The rules for one connection: its limiter (or none), its clock's ``now``, the
    secrets kept out of what an error says, and ``wall``, the time of day, for a
    ``Retry-After`` given as an HTTP date."""

    def __init__(
        self,
        limiter: Limiter | None,
        now: Callable[[], float],
        secrets: Callable[[], Sequence[Secret]],
        wall: Callable[[], float],
    ) -> None:
        self.limiter = limiter
        self.now = now
        self.secrets = secrets
        self.wall = wall

    def flow(self, url: str, body: bytes, call: Call, *, auth: bool) -> Flow:
        """The whole call: returns the answer it ends with, or raises."""
        tally = _Tally()
        refused: Secret | None = None
        while True:
            headers = dict(HEADERS)
            token: Secret | None = None
            if auth:
                token = yield Authenticate(refused)
                headers["Authorization"] = f"Bearer {token.reveal()}"
            answer = yield from self._redirects(Send(url, headers, body), call, tally)
            if answer.status == 401 and token is not None and refused is None:
                refused = token  # refreshed once; a second 401 is the answer
                continue
            return answer

    def upload(self, url: str, body: bytes, content_type: str, call: Call) -> Flow:
        """A PUT of ``body`` to an upload URL, its content type its only header; retried
        as a query is (whatever ``call`` says of mutation), within the call's deadline."""
        tally = _Tally(limited=False, origin_only=UPLOAD_ORIGIN_ONLY)
        request = Send(url, {"Content-Type": content_type}, body, method="PUT")
        return (yield from self._redirects(request, replace(call, mutation=False), tally))

    def _redirects(self, request: Send, call: Call, tally: _Tally) -> Flow:
        while True:
            answer = yield from self._retries(request, call, tally)
            if answer.status in (307, 308) and tally.redirects < MAX_REDIRECTS:
                target = self._same_origin(request.url, answer, call, tally)
                request = Send(target, request.headers, request.body, request.method)
                tally.redirects += 1
                continue
            if 300 <= answer.status < 400:
                raise _error(call, self._redirect_problem(request.url, answer, tally))
            return answer

    def _retries(self, request: Send, call: Call, tally: _Tally) -> Flow:
        while True:
            outcome = yield from self._limited(request, call, tally)
            if isinstance(outcome, Answer) and outcome.status not in call.retry.statuses:
                return outcome
            reason, floor = self._retryable(outcome, call, tally)
            tally.retries += 1
            if tally.retries > call.retry.max_retries:
                tried = (
                    f", and {tally.retries - 1} retries did not help" if tally.retries > 1 else ""
                )
                raise _gave_up(call, f"{reason}{tried}", tally.last)
            wait = max(floor, call.retry.backoff(tally.retries))
            if self.now() + wait >= call.deadline:
                no_time = f"{reason}; no time is left to retry before the deadline"
                raise _gave_up(call, no_time, tally.last)
            note = (
                f"action {call.action}: {reason}; retry {tally.retries} of "
                f"{call.retry.max_retries} in {wait:.2f} s"
            )
            yield Wait(wait, note)

    def _retryable(self, outcome: Answer | Failure, call: Call, tally: _Tally) -> tuple[str, float]:
        """Why to try again and the least wait; raises when it must not be tried again."""
        if isinstance(outcome, Failure):
            if not outcome.retryable:
                raise _error(call, outcome.reason)
            if outcome.sent and call.mutation:
                raise OutcomeUnknownError(call.action, call.operation, outcome.reason)
            return outcome.reason, 0.0
        tally.last = outcome
        reason = f"HTTP {outcome.status}: {outcome.snippet}"
        after = retry_after(outcome.headers.get("Retry-After"), wall_now=self.wall())
        if outcome.status == 429:  # refused unprocessed, so any call may go again
            if self.limiter is not None and tally.limited:
                self.limiter.throttled(after)
        elif call.mutation:
            raise OutcomeUnknownError(call.action, call.operation, reason)
        return reason, after or 0.0

    def _limited(
        self, request: Send, call: Call, tally: _Tally
    ) -> Generator[Command, Any, Answer | Failure]:
        if self.limiter is not None and tally.limited:
            while (wait := self.limiter.reserve(self.now())) > 0:
                if self.now() + wait > call.deadline:
                    raise _gave_up(call, "the rate limit leaves no room before the deadline")
                yield Wait(wait)
        outcome: Answer | Failure = yield request
        return outcome

    def _same_origin(self, url: str, answer: Answer, call: Call, tally: _Tally) -> str:
        target = urljoin(url, answer.headers.get("Location", ""))
        if _origin(target) != _origin(url):
            raise _error(call, self._redirect_problem(url, answer, tally))
        return target

    def _redirect_problem(self, url: str, answer: Answer, tally: _Tally) -> str:
        target = urljoin(url, answer.headers.get("Location", ""))
        parts = urlsplit(target)
        where = (
            f"{parts.scheme}://{parts.netloc}" if _origin(target) != _origin(url) else parts.path
        )
        return (
            f"HTTP {answer.status} redirect to {scrub(where, self.secrets())} was not followed: "
            f"{tally.origin_only}"
        )


def _error(call: Call, reason: str) -> TransportError:
    return TransportError(f"{call.label}{reason}", action=call.action)


def _gave_up(call: Call, reason: str, last: Answer | None = None) -> TransportError:
    return TransportError(
        f"{call.label}gave up: {reason}",
        action=call.action,
        status=last.status if last else None,
        snippet=last.snippet if last else "",
    )


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or ""), port
