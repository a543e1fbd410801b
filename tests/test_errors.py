"""How answers other than plain data surface: as data, or as one of the error classes."""

from __future__ import annotations

import time

import pytest

from prismatic_connector import (
    Component,
    Connection,
    ConnectorError,
    CredentialError,
    GraphQLError,
    TransportError,
)

from .clock import FakeClock
from .loopback import REFRESH_TOKEN, RecordingServer, Reply

INSTANCE = "SW5zdGFuY2U6MQ=="


def test_payload_errors_are_returned_as_data(
    component: Component, server: RecordingServer, connection: Connection
) -> None:
    payload = {
        "updateInstance": {
            "instance": None,
            "errors": [{"field": "id", "messages": ["Invalid ID."]}],
        }
    }
    server.reply_data(payload)
    assert component.invoke("updateInstance", {"instanceId": INSTANCE}, connection=connection) == {
        "data": {"status": 200, "data": payload}
    }


def test_top_level_errors_raise_with_messages_paths_and_partial_data(
    component: Component, server: RecordingServer, connection: Connection
) -> None:
    errors = [
        {
            "message": "Record not found",
            "locations": [{"line": 2, "column": 3}],
            "path": ["instance"],
        }
    ]
    server.responder = lambda call: Reply(body={"data": {"instance": None}, "errors": errors})
    with pytest.raises(GraphQLError) as caught:
        component.invoke("getInstance", {"instanceId": INSTANCE}, connection=connection)
    error = caught.value
    assert error.messages == ["Record not found"]
    assert error.paths == [["instance"]]
    assert error.data == {"instance": None}
    assert error.errors == errors
    assert "getInstance" in str(error)
    assert "Record not found (at instance)" in str(error)


@pytest.mark.parametrize(
    ("reply", "status", "text"),
    [
        (Reply(502, raw=b"<html>Bad Gateway</html>", content_type="text/html"), 502, "Bad Gateway"),
        (Reply(500, {"message": "boom"}), 500, "boom"),
        (Reply(200, raw=b"<html>maintenance</html>", content_type="text/html"), 200, "not JSON"),
        (Reply(200, ["not", "graphql"]), 200, "not a GraphQL response"),
    ],
)
def test_bad_http_answers_raise_transport_error_with_status_and_snippet(
    component: Component,
    server: RecordingServer,
    connection: Connection,
    reply: Reply,
    status: int,
    text: str,
) -> None:
    server.responder = lambda call: reply
    with pytest.raises(TransportError) as caught:
        component.invoke("getCurrentUser", {}, connection=connection)
    assert caught.value.status == status
    assert text in str(caught.value)
    assert len(caught.value.snippet) <= 200


def test_unreachable_api_is_a_transport_error(component: Component) -> None:
    conn = Connection(REFRESH_TOKEN, base_url="http://127.0.0.1:9", timeout=2)
    with pytest.raises(TransportError, match="could not reach"):
        component.invoke("getCurrentUser", {}, connection=conn)


def test_missing_refresh_token_is_a_credential_error(
    component: Component, server: RecordingServer
) -> None:
    conn = Connection(base_url=server.url)
    with pytest.raises(CredentialError, match="no refresh token"):
        component.invoke("getCurrentUser", {}, connection=conn)
    assert server.api_calls == []


def test_refused_refresh_token_is_a_credential_error(
    component: Component, server: RecordingServer
) -> None:
    conn = Connection("rt-revoked-or-wrong", base_url=server.url)
    with pytest.raises(CredentialError, match="refused") as caught:
        component.invoke("getCurrentUser", {}, connection=conn)
    assert caught.value.status == 401
    assert server.api_calls == []


def test_every_error_shares_one_root() -> None:
    for cls in (CredentialError, GraphQLError, TransportError):
        assert issubclass(cls, ConnectorError)


def test_access_token_is_exchanged_once_and_reused(
    component: Component, server: RecordingServer, connection: Connection
) -> None:
    server.reply_data({"authenticatedUser": {"id": "1"}})
    for _ in range(3):
        component.invoke("getCurrentUser", {}, connection=connection)
    assert len(server.auth_calls) == 1
    assert server.auth_calls[0].body == {"refresh_token": REFRESH_TOKEN}
    assert len({c.headers["Authorization"] for c in server.api_calls}) == 1


def test_tenant_id_is_sent_with_the_exchange(component: Component, server: RecordingServer) -> None:
    server.reply_data({"authenticatedUser": {"id": "1"}})
    conn = Connection(REFRESH_TOKEN, tenant_id="0f9e-tenant", base_url=server.url)
    component.invoke("getCurrentUser", {}, connection=conn)
    assert server.auth_calls[0].body == {"refresh_token": REFRESH_TOKEN, "tenant_id": "0f9e-tenant"}


def test_a_401_refreshes_once_and_retries(
    component: Component, server: RecordingServer, connection: Connection
) -> None:
    server.reply_data({"authenticatedUser": {"id": "1"}})
    component.invoke("getCurrentUser", {}, connection=connection)
    server.accepted_tokens.clear()  # the server revokes the access token it issued
    envelope = component.invoke("getCurrentUser", {}, connection=connection)
    assert envelope["data"]["status"] == 200
    assert len(server.auth_calls) == 2
    assert [c.headers["Authorization"] for c in server.api_calls[1:]] == [
        "Bearer at-1-secret",
        "Bearer at-2-secret",
    ]


def test_a_second_401_is_a_credential_error(
    component: Component, server: RecordingServer, connection: Connection
) -> None:
    server.responder = lambda call: Reply(401, {"message": "nope"})
    with pytest.raises(CredentialError, match="even after a refresh"):
        component.invoke("getCurrentUser", {}, connection=connection)
    assert len(server.auth_calls) == 2
    assert len(server.api_calls) == 2


@pytest.mark.parametrize(("lifetime", "margin"), [(30, 3.0), (2, 0.2), (7 * 24 * 3600, 60.0)])
def test_a_token_is_refreshed_a_tenth_of_its_life_early_at_most_a_minute(
    component: Component, server: RecordingServer, lifetime: int, margin: float
) -> None:
    clock = FakeClock()
    server.expires_in = lifetime
    server.reply_data({"authenticatedUser": {"id": "1"}})
    with Connection(REFRESH_TOKEN, base_url=server.url, clock=clock) as conn:
        component.invoke("getCurrentUser", {}, connection=conn)
        clock.advance(lifetime - margin - 0.01)
        component.invoke("getCurrentUser", {}, connection=conn)
        assert len(server.auth_calls) == 1  # still fresh: reused
        clock.advance(0.02)
        component.invoke("getCurrentUser", {}, connection=conn)
        assert len(server.auth_calls) == 2  # inside the margin: refreshed first
    assert len(server.api_calls) == 3


def test_token_expiry_falls_back_to_the_jwt_exp(
    component: Component, server: RecordingServer
) -> None:
    import base64
    import json

    claims = (
        base64.urlsafe_b64encode(json.dumps({"exp": int(time.time()) + 3600}).encode())
        .decode()
        .rstrip("=")
    )
    jwt = f"eyJhbGciOiJIUzI1NiJ9.{claims}.c2ln"
    server.expires_in = None
    server.issue_token = lambda: (server.accepted_tokens.add(jwt), jwt)[1]  # type: ignore[method-assign]
    server.reply_data({"authenticatedUser": {"id": "1"}})
    conn = Connection(REFRESH_TOKEN, base_url=server.url)
    component.invoke("getCurrentUser", {}, connection=conn)
    component.invoke("getCurrentUser", {}, connection=conn)
    assert len(server.auth_calls) == 1


def test_connection_values_from_a_runner_reuse_one_connection(
    component: Component, server: RecordingServer
) -> None:
    server.reply_data({"authenticatedUser": {"id": "1"}})
    values = {"apiKey": REFRESH_TOKEN, "baseUrl": server.url}
    component.invoke("getCurrentUser", {}, connection=values)
    component.invoke("getCurrentUser", {}, connection=dict(values))
    assert len(server.auth_calls) == 1


def test_environment_supplies_url_and_refresh_token(
    component: Component, server: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRISMATIC_URL", server.url)
    monkeypatch.setenv("PRISM_REFRESH_TOKEN", REFRESH_TOKEN)
    conn = Connection()
    assert conn.base_url == server.url
    server.reply_data({"authenticatedUser": {"id": "1"}})
    assert component.invoke("getCurrentUser", {}, connection=conn)["data"]["status"] == 200


def test_default_base_url_is_prismatic() -> None:
    assert Connection("x").base_url == "https://app.prismatic.io"


def test_connection_may_come_as_the_connection_input(
    component: Component, server: RecordingServer
) -> None:
    server.reply_data({"authenticatedUser": {"id": "1"}})
    step_inputs = {"connection": {"apiKey": REFRESH_TOKEN, "baseUrl": server.url}}
    assert component.invoke("getCurrentUser", step_inputs)["data"]["status"] == 200
    assert server.auth_calls[0].body == {"refresh_token": REFRESH_TOKEN}


def test_connection_given_twice_is_refused(
    component: Component, server: RecordingServer, connection: Connection
) -> None:
    from prismatic_connector import InputError

    with pytest.raises(InputError, match="given twice"):
        component.invoke("getCurrentUser", {"connection": {"apiKey": "x"}}, connection=connection)
    assert server.api_calls == []
