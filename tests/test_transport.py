"""The transport against a server that misbehaves: retries, what is never retried, hard limits."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests

from prismatic_connector import (
    Component,
    Connection,
    GraphQLError,
    OutcomeUnknownError,
    TransportError,
)
from prismatic_connector.policy import Retry, Timeout, retry_after
from prismatic_connector.transport import Call

from .clock import FakeClock
from .hostile import (
    CANARY,
    Counting,
    Hostile,
    answer,
    close,
    data,
    drip,
    flood,
    hostile_server,
    silent,
)

QUERY = ("getCurrentUser", {})
MUTATION = ("deployInstance", {"instanceId": "SW5zdGFuY2U6MQ=="})


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    with hostile_server() as state:
        yield state


def connect(hostile: Hostile, **settings: Any) -> Connection:
    settings.setdefault("rate_limit", None)
    settings.setdefault("retries", Retry(max_retries=3, base_s=0.01, cap_s=0.05))
    return Connection(CANARY, base_url=hostile.url, **settings)


def call(component: Component, conn: Connection, which: tuple[str, dict[str, Any]]) -> Any:
    return component.invoke(which[0], which[1], connection=conn)


# ---------------------------------------------------------------- what is retried


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_a_query_is_retried_through_passing_failures(
    component: Component, hostile: Hostile, status: int
) -> None:
    hostile.api = [
        answer(status, {"errors": [{"message": "busy"}]}),
        data({"authenticatedUser": {"id": "u"}}),
    ]
    with connect(hostile) as conn:
        result = call(component, conn, QUERY)
    assert result == {"data": {"status": 200, "data": {"authenticatedUser": {"id": "u"}}}}
    assert len(hostile.api_calls()) == 2


@pytest.mark.parametrize("fault", [close(), silent(2.0)], ids=["dropped", "no answer"])
def test_a_query_is_retried_after_a_drop_or_a_read_timeout(
    component: Component, hostile: Hostile, fault: Any
) -> None:
    hostile.api = [fault, data({"authenticatedUser": {"id": "u"}})]
    with connect(hostile, timeout=Timeout(total=10, connect=1, read=0.5)) as conn:
        assert call(component, conn, QUERY)["data"]["status"] == 200
    assert len(hostile.api_calls()) == 2


def test_a_mutation_is_retried_after_429_which_says_it_was_not_processed(
    component: Component, hostile: Hostile
) -> None:
    hostile.api = [
        answer(429, {"errors": [{"message": "slow down"}]}, headers={"Retry-After": "0"}),
        data({"deployInstance": {"instance": {"id": "i"}, "errors": []}}),
    ]
    with connect(hostile) as conn:
        assert call(component, conn, MUTATION)["data"]["status"] == 200
    assert len(hostile.api_calls()) == 2


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        (close(), "dropped"),
        (silent(2.0), "no answer before the read timeout"),
        (answer(502, {"errors": [{"message": "bad gateway"}]}), "HTTP 502"),
        (answer(503, {"errors": [{"message": "unavailable"}]}), "HTTP 503"),
        (answer(504, {"errors": [{"message": "timeout"}]}), "HTTP 504"),
    ],
    ids=["dropped", "read timeout", "502", "503", "504"],
)
def test_a_mutation_that_may_have_been_applied_is_never_sent_again(
    component: Component, hostile: Hostile, fault: Any, said: str
) -> None:
    hostile.api = [fault, data({"deployInstance": {"instance": {"id": "i"}, "errors": []}})]
    with (
        connect(hostile, timeout=Timeout(total=10, connect=1, read=0.5)) as conn,
        pytest.raises(OutcomeUnknownError) as caught,
    ):
        call(component, conn, MUTATION)
    error = caught.value
    assert len(hostile.api_calls()) == 1
    assert (error.action, error.operation, error.outcome) == (
        "deployInstance",
        "deployInstance",
        "unknown",
    )
    assert said in str(error)
    assert "may or may not have been applied" in str(error)
    assert isinstance(error, TransportError)


def test_a_mutation_that_could_not_connect_is_retried(component: Component) -> None:
    adapter = Counting()
    session = requests.Session()
    session.mount("http://", adapter)
    dead = "http://127.0.0.1:9"  # nothing listens on the discard port
    conn = Connection(
        CANARY,
        base_url=dead,
        session=session,
        rate_limit=None,
        retries=Retry(max_retries=2, base_s=0.01, cap_s=0.02),
    )
    with pytest.raises(TransportError) as caught:
        call(component, conn, MUTATION)
    assert not isinstance(caught.value, OutcomeUnknownError)
    # Each of the three attempts stopped at the token exchange: nothing reached /api.
    assert adapter.sent == [f"POST {dead}/auth/refresh"] * 3
    assert "could not reach http://127.0.0.1:9" in str(caught.value)


def test_a_rawrequest_mutation_is_as_safe_as_a_manifest_one(
    component: Component, hostile: Hostile
) -> None:
    hostile.api = [answer(503, {"errors": [{"message": "x"}]}), data({})]
    with connect(hostile) as conn, pytest.raises(OutcomeUnknownError):
        component.invoke(
            "rawRequest",
            {
                "query": '# a comment first\nmutation { deleteCustomer(input: {id: "x"}) { errors { field } } }'
            },
            connection=conn,
        )
    assert len(hostile.api_calls()) == 1


def test_retries_stop_at_the_limit_and_say_why(component: Component, hostile: Hostile) -> None:
    hostile.api = [answer(503, {"errors": [{"message": "down"}]}) for _ in range(10)]
    policy = Retry(max_retries=2, base_s=0.01, cap_s=0.01)
    with (
        connect(hostile, retries=policy) as conn,
        pytest.raises(TransportError, match="2 retries did not help") as caught,
    ):
        call(component, conn, QUERY)
    assert caught.value.status == 503
    assert len(hostile.api_calls()) == 3


def test_per_call_settings_override_the_connection(component: Component, hostile: Hostile) -> None:
    hostile.api = [answer(503, {"errors": [{"message": "down"}]}) for _ in range(10)]
    with connect(hostile) as conn, pytest.raises(TransportError):
        component.invoke("getCurrentUser", {}, connection=conn, retries=0)
    assert len(hostile.api_calls()) == 1


def test_per_call_retries_reach_the_token_exchange(component: Component) -> None:
    adapter = Counting()
    session = requests.Session()
    session.mount("http://", adapter)
    conn = Connection(CANARY, base_url="http://127.0.0.1:9", session=session, rate_limit=None)
    with pytest.raises(TransportError, match="auth/refresh: gave up"):
        component.invoke("getCurrentUser", {}, connection=conn, retries=0)
    assert len(adapter.sent) == 1


def test_each_retry_is_logged_at_info_without_secrets(
    component: Component, hostile: Hostile, caplog: pytest.LogCaptureFixture
) -> None:
    hostile.api = [answer(503, {"errors": [{"message": "down"}]}), data({"a": 1})]
    caplog.set_level(logging.INFO, logger="prismatic_connector")
    with connect(hostile) as conn:
        call(component, conn, QUERY)
    retries = [r for r in caplog.records if "retry 1 of 3" in r.getMessage()]
    assert [r.levelno for r in retries] == [logging.INFO]
    assert "getCurrentUser" in retries[0].getMessage()
    assert CANARY not in caplog.text


def test_retry_after_is_honoured_and_the_waits_are_on_the_clock(
    component: Component, hostile: Hostile
) -> None:
    clock = FakeClock()
    hostile.api = [
        answer(503, {"errors": [{"message": "down"}]}, headers={"Retry-After": "7"}),
        data({"authenticatedUser": {"id": "u"}}),
    ]
    with connect(hostile, clock=clock) as conn:
        call(component, conn, QUERY)
    assert clock.slept == [7.0]


def test_no_retry_waits_past_the_deadline(component: Component, hostile: Hostile) -> None:
    hostile.api = [answer(503, {"errors": [{"message": "down"}]}, headers={"Retry-After": "30"})]
    started = time.monotonic()
    with connect(hostile, timeout=5) as conn, pytest.raises(TransportError, match="deadline"):
        call(component, conn, QUERY)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("12", 12.0),
        ("0", 0.0),
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(
    header: str | None, seconds: float | None
) -> None:
    wall = 1445412480.0  # 07:28:00 on that day
    assert retry_after(header, wall_now=wall) == seconds


def test_backoff_is_full_jitter_under_a_cap() -> None:
    policy = Retry(max_retries=10, base_s=0.5, cap_s=4.0)
    for retry, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)]:
        waits = [policy.backoff(retry) for _ in range(200)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling / 2


def test_an_idle_kept_alive_socket_closed_by_the_server_is_not_an_unknown_outcome(
    component: Component, hostile: Hostile
) -> None:
    hostile.close_after_answer = True
    hostile.api = [
        data({"authenticatedUser": {"id": "u"}}),
        data({"deployInstance": {"errors": []}}),
    ]
    with connect(hostile) as conn:
        call(component, conn, QUERY)
        time.sleep(0.2)  # the server has closed the pooled socket by now
        assert call(component, conn, MUTATION)["data"]["status"] == 200
    assert len(hostile.api_calls()) == 2


# ---------------------------------------------------------------- hard limits


def test_a_body_dripped_byte_by_byte_stops_at_the_deadline(
    component: Component, hostile: Hostile
) -> None:
    hostile.api = [drip(10_000, 0.05)]
    started = time.monotonic()
    with connect(hostile, timeout=1.0) as conn, pytest.raises(TransportError, match="deadline"):
        call(component, conn, QUERY)
    assert time.monotonic() - started < 1.5


def test_a_server_that_never_answers_is_given_up_on_within_the_deadline(
    component: Component, hostile: Hostile
) -> None:
    hostile.api = [silent(5.0) for _ in range(10)]
    started = time.monotonic()
    with connect(hostile, timeout=1.0) as conn, pytest.raises(TransportError):
        call(component, conn, QUERY)
    assert time.monotonic() - started < 1.6


@contextmanager
def taker(every_s: float | None) -> Iterator[str]:
    """A server that takes what is sent a block every ``every_s`` seconds, or (None)
    accepts the connection and never reads a byte; it never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def take(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while sock.recv(16 * 1024):
                time.sleep(every_s or 0)

    def accept() -> None:
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            held.append(sock)
            if every_s is not None:
                threading.Thread(target=take, args=(sock,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        for sock in held:
            sock.close()


@pytest.mark.parametrize(
    ("every_s", "reason"),
    [
        (0.05, "the request was still being sent at the deadline"),
        (None, "stopped taking the request before the timeout"),
    ],
    ids=["taken-slowly", "not-taken"],
)
def test_a_large_body_stops_going_out_at_the_deadline(every_s: float | None, reason: str) -> None:
    # A body over one block goes block by block: a slow link may take longer than the
    # connect timeout, which bounds each block, and the deadline ends it.
    retry = Retry(max_retries=3, base_s=0.01, cap_s=0.05)
    limits = Timeout(total=1.5, connect=0.5, read=1.5)
    with taker(every_s) as url, Connection(CANARY, base_url=url, rate_limit=None) as conn:
        within = Call("publish", "publishComponent", True, conn.clock.now() + 1.5, retry, limits)
        started = time.monotonic()
        with pytest.raises(TransportError, match=reason):
            conn.transport().put(
                f"{url}/p?sig=1", b"x" * 32_000_000, "application/zip", within=within
            )
        assert 1.0 < time.monotonic() - started < 2.5  # kept at it until the deadline


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_an_answer_over_the_cap_fails_and_memory_stays_bounded(
    component: Component, hostile: Hostile, chunked: bool
) -> None:
    hostile.api = [flood(50, chunked=chunked)]
    tracemalloc.start()
    try:
        with (
            connect(hostile, max_response_bytes=1024 * 1024) as conn,
            pytest.raises(TransportError, match="cap of 1048576"),
        ):
            call(component, conn, QUERY)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (answer(200, raw=b""), "not JSON"),
        (answer(200, raw=b"<html>hello</html>", content_type="text/html"), "not JSON"),
        (answer(200, raw=b'{"data": {"authenticatedUser": {"id"'), "not JSON"),
        (answer(200, {"data": None}), "has no data"),
        (answer(200, raw=b"[" * 100_000 + b"]" * 100_000), "not JSON"),
    ],
    ids=["empty", "html", "truncated", "data null", "deep"],
)
def test_answers_that_are_not_graphql_are_clear_transport_errors(
    component: Component, hostile: Hostile, reply: Any, expected: str
) -> None:
    hostile.api = [reply]
    with connect(hostile) as conn, pytest.raises(TransportError, match=expected):
        call(component, conn, QUERY)


def test_graphql_errors_with_data_null_are_graphql_errors(
    component: Component, hostile: Hostile
) -> None:
    hostile.api = [answer(200, {"data": None, "errors": [{"message": "Record not found"}]})]
    with connect(hostile) as conn, pytest.raises(GraphQLError, match="Record not found"):
        call(component, conn, QUERY)


# ---------------------------------------------------------------- redirects


def test_a_redirect_to_another_origin_is_not_followed(
    component: Component, hostile: Hostile
) -> None:
    with hostile_server() as elsewhere:
        hostile.api = [answer(307, {}, headers={"Location": f"{elsewhere.url}/api"})]
        with connect(hostile) as conn, pytest.raises(TransportError, match="not followed"):
            call(component, conn, QUERY)
        assert elsewhere.seen == []


def test_a_token_exchange_redirected_elsewhere_sends_no_refresh_token_there(
    component: Component, hostile: Hostile
) -> None:
    with hostile_server() as elsewhere:
        hostile.refresh = [answer(308, {}, headers={"Location": f"{elsewhere.url}/auth/refresh"})]
        with (
            connect(hostile) as conn,
            pytest.raises(TransportError, match="not followed") as caught,
        ):
            call(component, conn, QUERY)
        assert elsewhere.seen == []
    assert CANARY not in str(caught.value)


def test_a_same_origin_307_is_followed_with_its_body(
    component: Component, hostile: Hostile
) -> None:
    hostile.api = [
        answer(307, {}, headers={"Location": "/api/v2"}),
        data({"deployInstance": {"errors": []}}),
    ]
    with connect(hostile) as conn:
        assert call(component, conn, MUTATION)["data"]["status"] == 200
    first, second = hostile.api_calls()[0], hostile.seen[-1]
    assert second.path == "/api/v2"
    assert second.body == first.body
    assert second.headers["Authorization"] == first.headers["Authorization"]


# ---------------------------------------------------------------- the session seam


def test_every_request_goes_through_the_injected_session(
    component: Component, hostile: Hostile
) -> None:
    adapter = Counting()
    session = requests.Session()
    session.mount("http://", adapter)
    hostile.api = [data({"authenticatedUser": {"id": "u"}})]
    with connect(hostile, session=session) as conn:
        call(component, conn, QUERY)
    assert adapter.sent == [f"POST {hostile.url}/auth/refresh", f"POST {hostile.url}/api"]


def test_proxies_from_the_environment_apply(
    component: Component, hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The hostile server plays the proxy: requests sends it absolute URLs.
    monkeypatch.setenv("HTTP_PROXY", hostile.url)
    monkeypatch.setenv("NO_PROXY", "")
    hostile.api = [data({"authenticatedUser": {"id": "u"}})]
    with Connection(CANARY, base_url="http://prismatic.test", rate_limit=None) as conn:
        assert call(component, conn, QUERY)["data"]["status"] == 200
    assert [s.target for s in hostile.seen] == [
        "http://prismatic.test/auth/refresh",
        "http://prismatic.test/api",
    ]


def test_no_proxy_keeps_loopback_direct(
    component: Component, hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    hostile.api = [data({"authenticatedUser": {"id": "u"}})]
    with connect(hostile) as conn:
        assert call(component, conn, QUERY)["data"]["status"] == 200
