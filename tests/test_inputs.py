"""Bad input is refused before anything is sent, naming the action, the input and what was expected."""

from __future__ import annotations

from typing import Any

import pytest

from prismatic_connector import Component, Connection, InputError

from .loopback import RecordingServer


@pytest.mark.parametrize(
    ("key", "inputs", "input_name", "expected"),
    [
        ("deployInstance", {}, "instanceId", "is required"),
        ("deployInstance", {"instanceId": ""}, "instanceId", "is required"),
        ("deployInstance", {"instanceId": None}, "instanceId", "is required"),
        ("deployInstance", {"instanceId": ["a"]}, "instanceId", "expected a text value"),
        ("listInstances", {"first": "ten"}, "first", "expected an integer"),
        ("listInstances", {"first": 2.5}, "first", "expected an integer"),
        ("listInstances", {"enabled": "maybe"}, "enabled", "expected a boolean"),
        ("listInstances", {"enabled": 1}, "enabled", "expected a boolean"),
        ("listInstances", {"nmae": "x"}, "nmae", "is not an input of this action"),
        (
            "listInstances",
            {"connection": "x"},
            "connection",
            "expected a Connection or the connection's values",
        ),
        ("rawRequest", {"variables": "{not json"}, "variables", "expected JSON"),
        ("rawRequest", {"variables": [1, 2]}, "variables", "a list of {name, value} pairs"),
        ("rawRequest", {"query": ""}, "query", "is required"),
        ("importIntegration", {}, "yamlDefinition", "is required"),
        (
            "importIntegration",
            {"yamlDefinition": "name: [unclosed\nflows: x\n"},
            "yamlDefinition",
            "line 2, column",
        ),
        (
            "importIntegration",
            {"yamlDefinition": "- just\n- a list\n"},
            "yamlDefinition",
            "expected a YAML mapping",
        ),
    ],
)
def test_bad_input_is_refused_before_sending(
    component: Component,
    server: RecordingServer,
    connection: Connection,
    key: str,
    inputs: dict[str, Any],
    input_name: str,
    expected: str,
) -> None:
    with pytest.raises(InputError) as caught:
        component.invoke(key, inputs, connection=connection)
    error = caught.value
    assert error.action == key
    assert error.input == input_name
    assert expected in str(error)
    assert f"'{key}'" in str(error)
    assert f"'{input_name}'" in str(error)
    assert server.api_calls == []
    assert server.auth_calls == []


def test_unknown_action_suggests_the_closest(component: Component, connection: Connection) -> None:
    with pytest.raises(InputError, match="did you mean 'listInstances'"):
        component.invoke("listInstance", {}, connection=connection)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("FALSE", False), (" yes ", True), ("0", False), (True, True)],
)
def test_boolean_text_is_coerced(component: Component, raw: Any, expected: bool) -> None:
    assert component.prepare("listInstances", {"enabled": raw}).variables["enabled"] is expected


def test_empty_boolean_with_default_means_dont_filter(component: Component) -> None:
    variables = component.prepare("listInstances", {"enabled": "", "needsDeploy": None}).variables
    assert "enabled" not in variables
    assert "needsDeploy" not in variables


def test_unset_inputs_are_left_out_not_sent_as_null(component: Component) -> None:
    variables = component.prepare(
        "updateInstance", {"instanceId": "SW5zdA==", "description": ""}
    ).variables
    assert variables == {"instanceId": "SW5zdA=="}


def test_numbers_given_for_text_inputs_become_text(component: Component) -> None:
    assert component.prepare("listCustomers", {"externalId": 123}).variables["externalId"] == "123"
