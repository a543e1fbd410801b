"""One home for the connection: every shape of it works on every path, its exchange is
bound once, and a wrong setting is a ConfigurationError that names the setting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from prismatic_connector import (
    Component,
    ConfigurationError,
    Connection,
    InputError,
    Retry,
    StepContext,
    Timeout,
    invoke,
)
from prismatic_connector.connection import connection_values
from prismatic_connector.emulator import Faults

from .loopback import REFRESH_TOKEN, RecordingServer

USER = {"authenticatedUser": {"id": "u1"}}


def flat(server: RecordingServer) -> dict[str, str]:
    return {"apiKey": REFRESH_TOKEN, "baseUrl": server.url}


def spectral(server: RecordingServer) -> dict[str, Any]:
    return {"key": "apiKey", "fields": flat(server)}


@pytest.mark.parametrize("shape", [flat, spectral], ids=["flat", "spectral"])
def test_every_shape_works_as_input_and_as_connection(
    component: Component, server: RecordingServer, shape: Any
) -> None:
    server.reply_data(USER)
    as_input = component.invoke("getCurrentUser", {"connection": shape(server)})
    as_argument = invoke("getCurrentUser", {}, connection=shape(server))
    stepped = component.step("getCurrentUser").perform(StepContext(connection=shape(server)))
    for result in (as_input, as_argument, stepped):
        assert result == {"data": {"status": 200, "data": USER}}
    # One user in one tenant is one connection, whatever shape named it.
    assert component.connection(shape(server)) is component.connection(flat(server))


def test_the_step_protocol_takes_spectrals_shape(server: RecordingServer) -> None:
    server.reply_data(USER)
    request = {"action": "getCurrentUser", "connection": spectral(server)}
    done = subprocess.run(
        [sys.executable, "-m", "prismatic_connector", "step"],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["data"]["data"] == USER


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("apiKey=x", "expected a Connection or the connection's values"),
        ({"key": "apiKey", "fields": "x"}, "expected {key, fields: {apiKey, ...}}"),
        ({"apiKey": "x", "token": "y"}, "unknown connection value 'token'"),
        ({"apiKey": "x", "baseUrl": "ftp://x"}, "expected an http(s) URL"),
    ],
)
def test_bad_connection_values_are_the_actions_input_error(
    component: Component, given: Any, says: str
) -> None:
    with pytest.raises(InputError) as caught:
        component.invoke("getCurrentUser", {"connection": given})
    assert (caught.value.action, caught.value.input) == ("getCurrentUser", "connection")
    assert says in caught.value.problem


def test_spectral_values_keep_only_the_connections_fields() -> None:
    values = connection_values("a", {"key": "apiKey", "fields": {"apiKey": "k", "other": 1}})
    assert values == {"apiKey": "k"}


def test_a_connection_is_bound_to_one_exchange(
    component: Component, server: RecordingServer, connection: Connection
) -> None:
    server.reply_data(USER)
    component.invoke("getCurrentUser", connection=connection)
    connection.bind(component.exchange())  # the same hook again: nothing changes
    with pytest.raises(ConfigurationError, match="another component's connection hook") as caught:
        connection.bind(lambda http, conn: component.exchange()(http, conn))
    assert caught.value.setting == "connection"
    assert component.invoke("getCurrentUser", connection=connection)["data"]["status"] == 200


def test_a_connection_without_an_exchange_says_how_to_get_one(server: RecordingServer) -> None:
    with (
        Connection(REFRESH_TOKEN, base_url=server.url) as conn,
        pytest.raises(ConfigurationError, match="no connection hook is bound"),
    ):
        conn.transport().graphql("{ a }", {}, action="raw", operation="", mutation=False)
    assert server.auth_calls == []
    assert server.api_calls == []


@pytest.mark.parametrize(
    ("make", "setting"),
    [
        (lambda: Timeout(total=-1), "timeout"),
        (lambda: Timeout.of(float("nan")), "timeout"),
        (lambda: Retry(max_retries=-1), "retries"),
        (lambda: Retry.of(True), "retries"),
        (lambda: Connection("t", base_url="ftp://x"), "base_url"),
        (lambda: Connection("t", rate_limit=0), "rate_limit"),
        (lambda: Connection("t", max_response_bytes=0), "max_response_bytes"),
        (lambda: Connection("t", tenant_id=3), "tenant_id"),  # type: ignore[arg-type]
        (lambda: Connection(3), "refresh_token"),  # type: ignore[arg-type]
        (lambda: Faults(rate_503=2.0), "rate_503"),
    ],
)
def test_each_setting_has_its_own_error(make: Any, setting: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        make()
    assert not isinstance(caught.value, InputError)
    assert caught.value.setting == setting
    assert str(caught.value).startswith(f"{setting}: ")


def test_a_base_url_from_the_environment_is_named_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRISMATIC_URL", "not a url")
    with pytest.raises(ConfigurationError, match=r"^PRISMATIC_URL: expected an http\(s\) URL"):
        Connection("t")


def test_a_calls_own_timeout_and_retries_are_settings(
    component: Component, connection: Connection
) -> None:
    with pytest.raises(ConfigurationError, match=r"^timeout: "):
        component.invoke("getCurrentUser", connection=connection, timeout=0)
    with pytest.raises(ConfigurationError, match=r"^retries: "):
        component.invoke("getCurrentUser", connection=connection, retries=-2)
    with pytest.raises(ConfigurationError, match=r"^timeout: "):
        component.step("getCurrentUser").perform(StepContext(connection=connection, timeout=-1))


@pytest.mark.parametrize(
    ("args", "env", "line"),
    [
        (["--timeout=-1"], {}, "--timeout: expected a positive number of seconds"),
        (["--retries=-1"], {}, "--retries: expected a whole number, 0 or more"),
        (
            ["--url", "ftp://x"],
            {},
            "--url: expected an http(s) URL such as https://app.prismatic.io",
        ),
        ([], {"PRISMATIC_URL": "ftp://x"}, "PRISMATIC_URL: expected an http(s) URL"),
    ],
)
def test_the_command_line_names_a_setting_by_its_option(
    server: RecordingServer, args: list[str], env: dict[str, str], line: str
) -> None:
    environment = {**os.environ, "PRISM_REFRESH_TOKEN": REFRESH_TOKEN, **env}
    environment.setdefault("PRISMATIC_URL", server.url)
    done = subprocess.run(
        [sys.executable, "-m", "prismatic_connector", "invoke", "getCurrentUser", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"prismatic-connector: error: {line}")
    assert done.stderr.count("\n") == 1
    assert server.api_calls == []
    assert server.auth_calls == []
