"""The HTTP front's route table: which handler each request reaches, what a request no
route takes gets, and that an unexpected error is a JSON 500 whatever the method."""

from __future__ import annotations

import json

import pytest
import requests

from prismatic_connector.emulator import Emulator
from prismatic_connector.emulator.http import api, routes, tokens


@pytest.mark.parametrize(
    ("method", "path", "handler", "params"),
    [
        ("GET", "/", routes.health, {}),
        ("GET", "/media/payloads/run-1", routes.request_payload, {"run_id": "run-1"}),
        ("GET", "/media/step-results/step-1", routes.step_result, {"step_id": "step-1"}),
        ("GET", "/media/m-abc", routes.media, {"media_id": "m-abc"}),
        ("GET", "/media/payloads", routes.media, {"media_id": "payloads"}),
        ("POST", "/api", api.graphql, {}),
        ("POST", "/oauth/token", tokens.oauth_token, {}),
        ("POST", "/trigger/cfg-1", routes.trigger, {"config_id": "cfg-1"}),
        ("POST", "/trigger/cfg-1/a/b", routes.trigger, {"config_id": "cfg-1", "fragment": "a/b"}),
        ("PUT", "/uploads/tok-1", routes.upload, {"token": "tok-1"}),
    ],
)
def test_each_request_reaches_its_handler(
    method: str, path: str, handler: routes.Handler, params: dict[str, str]
) -> None:
    found = routes.find(method, path)
    assert found is not None
    assert (found[0].handler, dict(found[1])) == (handler, params)


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/api"), ("POST", "/health"), ("PUT", "/api"), ("POST", "/")]
)
def test_a_route_serves_only_its_own_method(method: str, path: str) -> None:
    assert routes.find(method, path) is None


def test_a_request_no_route_takes_is_a_404_for_the_apis_methods_and_a_405_otherwise() -> None:
    missing = routes.unrouted("GET", "/api")
    assert (missing.status, json.loads(missing.body), missing.close) == (
        404,
        {"message": "no route for GET /api"},
        False,
    )
    refused = routes.unrouted("PUT", "/api")
    assert (refused.status, dict(refused.headers), refused.close) == (
        405,
        {"Allow": "GET, POST"},
        True,
    )
    assert json.loads(refused.body) == {"errors": [{"message": "Method PUT not allowed"}]}


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/media/m-1"), ("POST", "/trigger/cfg-1"), ("PUT", "/uploads/tok-1")],
)
def test_an_unexpected_error_is_a_json_500_whatever_the_method(method: str, path: str) -> None:
    with Emulator(seed="empty") as emu:
        emu.store.close()  # every handler that reads the state now fails
        answer = requests.request(method, f"{emu.url}{path}", data=b"{}", timeout=10)
    assert answer.status_code == 500
    assert answer.json() == {"errors": [{"message": "Internal error (ProgrammingError)"}]}
    assert answer.headers["Connection"] == "close"
