"""On every error path, and when a server echoes the request back, no token shows anywhere."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from prismatic_connector import Component, Connection, ConnectorError, Retry, Timeout

from .hostile import (
    ACCESS,
    CANARY,
    Hostile,
    answer,
    close,
    data,
    echo,
    hostile_server,
    silent,
    token,
)

MUTATION = ("deployInstance", {"instanceId": "SW5zdGFuY2U6MQ=="})
QUERY = ("getCurrentUser", {})


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    with hostile_server() as state:
        yield state


def everything_shown(error: BaseException | None) -> str:
    """The error's text, repr and attributes, and the same for its whole chain."""
    parts: list[str] = []
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        parts += [str(error), repr(error), repr(vars(error))]
        parts += [repr(arg) for arg in error.args]
        if error.__cause__ is not None:
            parts.append(everything_shown(error.__cause__))
        error = error.__context__
    return "\n".join(parts)


SCENARIOS: dict[str, tuple[list[Any], list[Any], tuple[str, dict[str, Any]]]] = {
    "api echoes a 500": ([echo(500)] * 5, [], QUERY),
    "api echoes a 400": ([echo(400)], [], QUERY),
    "api echoes a 200 page": ([echo(200)], [], QUERY),
    "exchange echoes a 500": ([], [echo(500)] * 5, QUERY),
    "exchange echoes a 401": ([], [echo(401)], QUERY),
    "exchange echoes a 200 page": ([], [echo(200)], QUERY),
    "graphql error echoes the token": (
        [answer(200, {"errors": [{"message": f"bad token {ACCESS} / {CANARY}"}]})],
        [],
        QUERY,
    ),
    "dropped mutation": ([close()], [], MUTATION),
    "mutation read timeout": ([silent(1.0)], [], MUTATION),
    "api 401 twice": (
        [answer(401, {"m": ACCESS})] * 2,
        [token(), token(value=ACCESS + "2")],
        QUERY,
    ),
    "redirect to a token url": (
        [answer(307, {}, headers={"Location": f"http://127.0.0.1:9/{ACCESS}?t={CANARY}"})],
        [],
        QUERY,
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_no_token_in_errors_chains_or_logs(
    component: Component, hostile: Hostile, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    api, refresh, (action, inputs) = SCENARIOS[name]
    hostile.api, hostile.refresh = list(api), list(refresh)
    caplog.set_level(logging.DEBUG)  # urllib3's records included
    with Connection(
        CANARY,
        base_url=hostile.url,
        rate_limit=None,
        retries=Retry(max_retries=1, base_s=0.01, cap_s=0.01),
        timeout=Timeout(total=5, connect=1, read=0.5),
    ) as conn:
        with pytest.raises(ConnectorError) as caught:
            component.invoke(action, inputs, connection=conn)
        shown = everything_shown(caught.value) + repr(conn) + caplog.text
    for secret in (CANARY, ACCESS):
        assert secret not in shown, name


def test_an_envelope_never_carries_an_echoed_token(component: Component, hostile: Hostile) -> None:
    hostile.api = [data({"authenticatedUser": {"id": "u", "name": f"{ACCESS} {CANARY}"}})]
    with Connection(CANARY, base_url=hostile.url, rate_limit=None) as conn:
        envelope = component.invoke(*QUERY, connection=conn)
    assert envelope["data"]["data"]["authenticatedUser"]["name"] == "[redacted] [redacted]"


def test_the_cli_shows_no_token_even_at_the_most_verbose(hostile: Hostile) -> None:
    hostile.api = [echo(500)] * 10
    env = {**os.environ, "PRISM_REFRESH_TOKEN": CANARY, "PRISMATIC_URL": hostile.url}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "prismatic_connector",
            "-vv",
            "invoke",
            "getCurrentUser",
            "--retries",
            "1",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "urllib3" in done.stderr  # -vv did show the HTTP library's records
    for secret in (CANARY, ACCESS):
        assert secret not in done.stdout + done.stderr
