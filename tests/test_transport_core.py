"""The policy core, driven by hand: scripted answers and a fake clock, no socket, no thread.

Each test runs one call's flow as a driver would, answering each command from a
script, and states a rule by the commands the core gave and how the call ended.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from prismatic_connector import OutcomeUnknownError, Retry, Timeout, TransportError
from prismatic_connector.redaction import Secret
from prismatic_connector.transport.core import Core
from prismatic_connector.transport.messages import (
    Answer,
    Authenticate,
    Call,
    Command,
    Failure,
    Flow,
    Send,
    Wait,
)

from .clock import FakeClock
from .conftest import ROOT

BASE = "https://api.example"
DROPPED = Failure("the connection dropped before an answer", sent=True)
UNREACHED = Failure("could not reach https://api.example", sent=False)


def answer(status: int, **headers: str) -> Answer:
    return Answer(status, headers, b'{"data": {}}', '{"data": {}}')


class Limiter:
    """A limiter's decisions, scripted: each reserve takes the next wait (0: admitted)."""

    def __init__(self, waits: list[float] | None = None) -> None:
        self.waits = list(waits or [])
        self.throttles: list[float | None] = []

    def reserve(self, now: float) -> float:
        return self.waits.pop(0) if self.waits else 0.0

    def throttled(self, retry_after_s: float | None) -> None:
        self.throttles.append(retry_after_s)


class Script:
    """Carries out a flow's commands as a driver would, from scripted outcomes."""

    def __init__(self, *outcomes: Answer | Failure, clock: FakeClock | None = None) -> None:
        self.outcomes = list(outcomes)
        self.clock = clock or FakeClock()
        self.commands: list[Command] = []
        self.tokens: Iterator[str] = (f"token-{n}" for n in range(1, 100))

    def run(self, flow: Flow) -> Answer:
        reply: Any = None
        while True:
            try:
                command = flow.send(reply)
            except StopIteration as ended:
                result: Answer = ended.value
                return result
            self.commands.append(command)
            if isinstance(command, Authenticate):
                reply = Secret(next(self.tokens))
            elif isinstance(command, Send):
                reply = self.outcomes.pop(0)
            else:
                self.clock.sleep(command.seconds)
                reply = None

    def sent(self) -> list[Send]:
        return [c for c in self.commands if isinstance(c, Send)]

    def waits(self) -> list[float]:
        return [c.seconds for c in self.commands if isinstance(c, Wait)]


def call(*, mutation: bool = False, retries: int = 4, within: float = 60.0) -> Call:
    # Back-off with no jitter's luck involved: the wait is at most base * 2^n.
    retry = Retry(max_retries=retries, base_s=0.25, cap_s=8.0)
    return Call("getInstance", "getInstance", mutation, 1000.0 + within, retry, Timeout())


def core(script: Script, limiter: Limiter | None = None) -> Core:
    return Core(limiter, script.clock.now, lambda: [Secret("token-1")], lambda: 1.7e9)


def flow(script: Script, the_call: Call, limiter: Limiter | None = None, auth: bool = True) -> Flow:
    return core(script, limiter).flow(f"{BASE}/api", b"{}", the_call, auth=auth)


def test_every_request_carries_the_token_it_was_given() -> None:
    script = Script(answer(200))
    assert script.run(flow(script, call())).status == 200
    assert isinstance(script.commands[0], Authenticate)
    assert script.sent()[0].headers["Authorization"] == "Bearer token-1"
    assert script.sent()[0].url == f"{BASE}/api"


def test_a_401_refreshes_the_token_once() -> None:
    script = Script(answer(401), answer(200))
    assert script.run(flow(script, call())).status == 200
    asked = [c for c in script.commands if isinstance(c, Authenticate)]
    assert [a.refused for a in asked] == [None, Secret("token-1")]
    assert [s.headers["Authorization"] for s in script.sent()] == [
        "Bearer token-1",
        "Bearer token-2",
    ]


def test_a_second_401_is_the_answer() -> None:
    script = Script(answer(401), answer(401))
    assert script.run(flow(script, call())).status == 401
    assert len(script.sent()) == 2


def test_without_authentication_a_401_is_the_answer() -> None:
    script = Script(answer(401))
    assert script.run(flow(script, call(), auth=False)).status == 401
    assert not any(isinstance(c, Authenticate) for c in script.commands)


def test_a_307_is_followed_to_the_same_origin() -> None:
    script = Script(
        answer(307, Location="/api/v2"), answer(308, Location=f"{BASE}/v3"), answer(200)
    )
    assert script.run(flow(script, call())).status == 200
    assert [s.url for s in script.sent()] == [f"{BASE}/api", f"{BASE}/api/v2", f"{BASE}/v3"]


def test_a_307_to_another_origin_is_not_followed() -> None:
    script = Script(answer(307, Location="https://elsewhere.example/api?token-1"))
    with pytest.raises(TransportError, match=r"redirect to https://elsewhere\.example was not"):
        script.run(flow(script, call()))
    assert len(script.sent()) == 1


def test_redirects_stop_after_three() -> None:
    script = Script(*[answer(307, Location="/again")] * 4)
    with pytest.raises(TransportError, match="HTTP 307 redirect to /again was not followed"):
        script.run(flow(script, call()))
    assert len(script.sent()) == 4


def test_a_429_feeds_the_limiter_and_waits_its_retry_after() -> None:
    limiter = Limiter()
    script = Script(answer(429, **{"Retry-After": "3"}), answer(200))
    assert script.run(flow(script, call(mutation=True), limiter)).status == 200
    assert limiter.throttles == [3.0]
    assert script.waits()[0] >= 3.0  # never sooner than the server asked
    assert len(script.sent()) == 2  # even a mutation: a 429 was provably not processed


def test_a_retry_after_date_is_read_against_the_time_of_day() -> None:
    limiter = Limiter()
    script = Script(answer(503, **{"Retry-After": "Tue, 14 Nov 2023 22:13:30 GMT"}), answer(200))
    script.run(flow(script, call(), limiter))
    assert script.waits()[0] >= 10.0  # 1.7e9 is 22:13:20 that day


def test_a_503_on_a_query_is_retried_with_back_off() -> None:
    script = Script(answer(503), answer(502), answer(200))
    assert script.run(flow(script, call())).status == 200
    waits = script.waits()
    assert len(waits) == 2
    assert 0 <= waits[0] <= 0.25
    assert 0 <= waits[1] <= 0.5


@pytest.mark.parametrize("outcome", [answer(503), DROPPED], ids=["503", "dropped"])
def test_a_503_or_a_lost_answer_on_a_mutation_is_an_unknown_outcome(
    outcome: Answer | Failure,
) -> None:
    script = Script(outcome, answer(200))
    with pytest.raises(OutcomeUnknownError) as caught:
        script.run(flow(script, call(mutation=True)))
    assert caught.value.outcome == "unknown"
    assert len(script.sent()) == 1  # never sent again


def test_a_mutation_that_never_reached_the_server_is_sent_again() -> None:
    script = Script(UNREACHED, answer(200))
    assert script.run(flow(script, call(mutation=True))).status == 200
    assert len(script.sent()) == 2


def test_an_attempt_that_cannot_be_retried_ends_the_call() -> None:
    script = Script(Failure("the answer is over the cap of 10 bytes", sent=True, retryable=False))
    with pytest.raises(TransportError, match="over the cap"):
        script.run(flow(script, call()))


def test_the_retries_run_out() -> None:
    script = Script(answer(503), answer(503), answer(503))
    with pytest.raises(TransportError, match=r"HTTP 503.*, and 2 retries did not help") as caught:
        script.run(flow(script, call(retries=2)))
    assert caught.value.status == 503
    assert len(script.sent()) == 3


def test_the_deadline_ends_the_retries() -> None:
    script = Script(*[answer(503, **{"Retry-After": "5"})] * 10)
    with pytest.raises(TransportError, match="no time is left to retry before the deadline"):
        script.run(flow(script, call(retries=10, within=12.0)))
    assert len(script.sent()) == 3  # waits of 5 s at 0 and 5; at 10 another would pass 12
    assert script.clock.now() <= 1012.0


def test_a_refresh_and_a_redirect_keep_the_calls_retry_budget() -> None:
    script = Script(answer(503), answer(401), answer(503), answer(307, Location="/x"), answer(503))
    with pytest.raises(TransportError, match="2 retries did not help"):
        script.run(flow(script, call(retries=2)))


def test_the_limiter_decides_and_the_driver_waits() -> None:
    limiter = Limiter(waits=[0.4, 0.2])
    script = Script(answer(200))
    script.run(flow(script, call(), limiter))
    assert script.waits() == [0.4, 0.2]
    assert isinstance(script.commands[-1], Send)


def test_the_limiter_cannot_hold_a_call_past_its_deadline() -> None:
    script = Script(answer(200))
    with pytest.raises(TransportError, match="the rate limit leaves no room before the deadline"):
        script.run(flow(script, call(within=1.0), Limiter(waits=[5.0])))
    assert script.sent() == []


# ---------------------------------------------------------------- uploads

UPLOAD = "https://uploads.example/bucket/package.zip?X-Signature=s3cr3t"
STALLED = Failure("https://uploads.example sent no answer before the read timeout", sent=True)


def upload(script: Script, the_call: Call, limiter: Limiter | None = None) -> Flow:
    return core(script, limiter).upload(UPLOAD, b"PK", "application/zip", the_call)


def test_an_upload_is_a_put_with_no_token_and_no_prismatic_header() -> None:
    script = Script(answer(200))
    assert script.run(upload(script, call())).status == 200
    assert not any(isinstance(c, Authenticate) for c in script.commands)
    (sent,) = script.sent()
    assert (sent.method, sent.url, sent.body) == ("PUT", UPLOAD, b"PK")
    assert dict(sent.headers) == {"Content-Type": "application/zip"}
    assert "s3cr3t" not in repr(sent)


@pytest.mark.parametrize(
    "outcome",
    [answer(503), answer(429), DROPPED, STALLED],
    ids=["503", "429", "dropped", "read-timeout"],
)
def test_an_upload_is_sent_again_as_the_same_bytes_land_once(outcome: Answer | Failure) -> None:
    script = Script(outcome, answer(200))
    # Whatever the call it is part of says: a PUT of the same bytes is idempotent.
    assert script.run(upload(script, call(mutation=True))).status == 200
    first, second = script.sent()
    assert (second.method, second.url, second.body) == (first.method, first.url, first.body)


def test_an_upload_is_neither_held_by_the_api_limiter_nor_heard_by_it() -> None:
    limiter = Limiter(waits=[5.0])
    script = Script(answer(429, **{"Retry-After": "1"}), answer(200))
    assert script.run(upload(script, call(), limiter)).status == 200
    assert limiter.waits == [5.0]  # never asked
    assert limiter.throttles == []  # another origin's 429 says nothing of the API's rate
    assert script.waits()[0] >= 1.0  # that origin's own Retry-After still holds


def test_an_upload_follows_a_307_within_its_own_origin() -> None:
    moved = "https://uploads.example/bucket/moved.zip?X-Signature=s3cr3t"
    script = Script(answer(307, Location=moved), answer(200))
    assert script.run(upload(script, call())).status == 200
    first, second = script.sent()
    assert (second.method, second.url, second.body) == ("PUT", moved, b"PK")
    assert second.headers == first.headers


def test_an_upload_redirected_to_another_origin_is_not_followed() -> None:
    script = Script(answer(307, Location=f"{BASE}/api?X-Signature=s3cr3t"))
    with pytest.raises(TransportError) as caught:
        script.run(upload(script, call()))
    assert str(caught.value) == (
        "action 'getInstance': HTTP 307 redirect to https://api.example was not followed: "
        "an upload is only sent to the origin of the URL it was given"
    )
    assert len(script.sent()) == 1


def test_an_upload_gives_up_at_the_deadline() -> None:
    script = Script(*[answer(503, **{"Retry-After": "5"})] * 10)
    with pytest.raises(TransportError, match="no time is left to retry before the deadline"):
        script.run(upload(script, call(retries=10, within=12.0)))
    assert len(script.sent()) == 3
    assert script.clock.now() <= 1012.0


CORE = ("transport/core.py", "transport/messages.py")
FORBIDDEN = {"requests", "httpx", "socket", "threading", "time", "asyncio", "urllib3"}


def _imports(path: Path) -> set[str]:
    """What importing the module imports: its statements at module level (a function's
    own import, run only when called, is not the core's)."""
    found: set[str] = set()
    statements = list(ast.parse(path.read_text(encoding="utf-8")).body)
    while statements:
        node = statements.pop()
        if isinstance(node, ast.If | ast.Try):
            statements += node.body + node.orelse + getattr(node, "finalbody", [])
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            found |= {base} if node.module else {f"{base}{a.name}" for a in node.names}
    return found


def test_the_core_and_what_it_imports_of_the_package_do_no_io() -> None:
    package = ROOT / "src/prismatic_connector"
    todo = [package / name for name in CORE]
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imports(path):
            assert name.split(".")[0] not in FORBIDDEN, (path.name, name)
            if name.startswith("."):  # follow the package's own modules
                levels = len(name) - len(name.lstrip("."))
                folder = path.parent
                for _ in range(levels - 1):
                    folder = folder.parent
                target = folder.joinpath(*name.lstrip(".").split("."))
                for candidate in (target.with_suffix(".py"), target / "__init__.py"):
                    if candidate.is_file() and candidate.name != "__init__.py":
                        todo.append(candidate)
    assert {p.name for p in seen} >= {"core.py", "messages.py", "policy.py", "errors.py"}
