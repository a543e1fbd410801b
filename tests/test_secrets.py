"""A canary refresh token, and the access tokens issued for it, appear nowhere a person could see."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from prismatic_connector import Component, Connection, ConnectorError, GraphQLError, PayloadError

from .loopback import REFRESH_TOKEN, Recorded, RecordingServer, Reply

CANARY = "canary-refresh-3f9a1c7e"


def _issued(server: RecordingServer) -> list[str]:
    return [f"at-{n}-secret" for n in range(1, server.issued + 1)]


def test_reprs_hide_the_refresh_token(component: Component) -> None:
    conn = Connection(CANARY, base_url="http://127.0.0.1:1")
    assert CANARY not in repr(conn)
    assert CANARY not in str(conn)
    assert CANARY not in repr(conn.refresh_token)
    assert CANARY not in f"{conn.refresh_token}"
    assert CANARY not in repr(component.connection({"apiKey": CANARY}))


def test_logs_and_errors_never_carry_tokens(
    component: Component, server: RecordingServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    conn = Connection(REFRESH_TOKEN, base_url=server.url)
    seen: list[str] = []
    server.reply_data({"authenticatedUser": {"id": "1"}})
    component.invoke("getCurrentUser", {}, connection=conn)
    for reply in (
        Reply(500, {"message": "boom"}),
        Reply(200, {"errors": [{"message": "bad"}]}),
        Reply(401, {}),
    ):
        server.responder = lambda call, r=reply: r  # type: ignore[misc]
        with pytest.raises(ConnectorError) as caught:
            component.invoke("getCurrentUser", {}, connection=conn)
        seen += [str(caught.value), repr(caught.value)]
    refused = Connection(CANARY, base_url=server.url)
    with pytest.raises(ConnectorError) as caught:
        component.invoke("getCurrentUser", {}, connection=refused)
    seen += [str(caught.value), repr(caught.value), caplog.text]
    text = "\n".join(seen)
    for secret in [CANARY, REFRESH_TOKEN, *_issued(server)]:
        assert secret not in text


def test_refresh_endpoint_echoing_the_token_is_scrubbed(
    component: Component, server: RecordingServer
) -> None:
    server.refresh_status = 500
    original = server.issue_token
    del original
    conn = Connection(CANARY, base_url=server.url)
    with pytest.raises(ConnectorError) as caught:
        component.invoke("getCurrentUser", {}, connection=conn)
    assert CANARY not in str(caught.value)


def test_cli_output_never_carries_tokens(server: RecordingServer) -> None:
    env = {**os.environ, "PRISM_REFRESH_TOKEN": REFRESH_TOKEN, "PRISMATIC_URL": server.url}
    server.reply_data({"authenticatedUser": {"id": "1"}})
    runs = [
        ["invoke", "getCurrentUser", "-v"],
        ["invoke", "getCurrentUser", "--url", "http://127.0.0.1:9"],
    ]
    out = ""
    for args in runs:
        done = subprocess.run(
            [sys.executable, "-m", "prismatic_connector", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        out += done.stdout + done.stderr
    env["PRISM_REFRESH_TOKEN"] = CANARY
    done = subprocess.run(
        [sys.executable, "-m", "prismatic_connector", "invoke", "getCurrentUser", "-v"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    out += done.stdout + done.stderr
    assert '"id": "1"' in out  # the first run did print its result
    for secret in [CANARY, REFRESH_TOKEN, *_issued(server)]:
        assert secret not in out


def _echoing(call: Recorded) -> Reply:
    """A server that quotes the caller's tokens back in its refusals and errors."""
    bearer = call.headers.get("Authorization", "").removeprefix("Bearer ")
    said = f"refused for {bearer} (refresh token {REFRESH_TOKEN})"
    if "mutation" in call.body["query"]:
        errors = [{"field": "__all__", "messages": [said]}]
        return Reply(200, {"data": {"deployInstance": {"instance": None, "errors": errors}}})
    return Reply(400, {"errors": [{"message": said}]})


def test_refusals_and_4xx_errors_quoting_tokens_are_scrubbed(
    component: Component, server: RecordingServer
) -> None:
    server.responder = _echoing
    conn = Connection(REFRESH_TOKEN, base_url=server.url)
    seen: list[str] = []
    with pytest.raises(PayloadError) as refused:
        component.invoke(
            "deployInstance",
            {"instanceId": "SW5zdGFuY2U6MQ=="},
            connection=conn,
            raise_on_payload_errors=True,
        )
    seen += [str(refused.value), repr(refused.value), json.dumps(refused.value.envelope)]
    with pytest.raises(GraphQLError) as failed:
        component.invoke("getCurrentUser", {}, connection=conn)
    seen += [str(failed.value), repr(failed.value), json.dumps(failed.value.errors)]
    env = {**os.environ, "PRISM_REFRESH_TOKEN": REFRESH_TOKEN, "PRISMATIC_URL": server.url}
    for args in (["deployInstance", "-i", "instanceId=SW5zdGFuY2U6MQ=="], ["getCurrentUser"]):
        done = subprocess.run(
            [sys.executable, "-m", "prismatic_connector", "invoke", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 1
        seen += [done.stdout, done.stderr]
    text = "\n".join(seen)
    assert "refused for [redacted] (refresh token [redacted])" in text
    for secret in [REFRESH_TOKEN, *_issued(server)]:
        assert secret not in text
