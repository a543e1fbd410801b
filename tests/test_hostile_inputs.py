"""Every action, fed what attackers and broken runners send: an InputError or a result, nothing else."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prismatic_connector import Component, Connection, InputError, load_component

from .loopback import REFRESH_TOKEN, RecordingServer, Reply, start

COMPONENT = load_component()
ACTIONS = [action.key for action in COMPONENT.actions]


def nested(depth: int, kind: str) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


HOSTILE_YAML = [
    "[" * 5000,
    "a: !!binary aGVsbG8=",
    "!!set {a, b}",
    "a: .nan",
    "a: 2020-13-45",
    "when: 2024-02-30 10:00:00",
    "? [a, b]\n: c",
    "a: &x [1]\nb: [*x, *x, *x]\nc: [*b, *b, *b]\nd: [*c, *c, *c]",
    "!!python/object:os.system {}",
    "a: 1\na: 2",
    "%TAG ! tag:x,2000:\n--- !foo 1",
    "name: x\n\x00",
    "a: " + "9" * 5000,
    "definitionVersion: 7\nname: x\nflows: []\n1: one",
    "\ud800: x",
    "- just\n- a list",
    "",
]
HOSTILE_JSON_TEXT = [
    "[" * 10000 + "]" * 10000,
    "NaN",
    '{"a": Infinity}',
    '{"a": "\\ud800"}',
    "{",
    "1" * 5000,
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**31, max_value=2**5000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["\ud800", "a\udfffb", "\x00", "true", "-0", " 12 ", "1e3", "9" * 5000]),
    st.binary(max_size=10),
)
hostile = st.one_of(
    scalars,
    st.sets(st.integers(), max_size=3),
    st.frozensets(st.text(max_size=3), max_size=3),
    st.integers(min_value=60, max_value=3000).map(lambda n: nested(n, "list")),
    st.integers(min_value=60, max_value=3000).map(lambda n: nested(n, "dict")),
    st.dictionaries(st.one_of(st.integers(), st.text(max_size=3), st.none()), scalars, max_size=3),
    st.lists(scalars, max_size=3),
    st.tuples(scalars, scalars),
    st.sampled_from(HOSTILE_YAML),
    st.sampled_from(HOSTILE_JSON_TEXT),
    st.builds(object),
)


def inputs_for(action: str) -> st.SearchStrategy[dict[Any, Any]]:
    keys = [spec.key for spec in COMPONENT.action(action).value_inputs] or ["none"]
    names = st.one_of(
        st.sampled_from(keys), st.sampled_from(keys), st.text(max_size=6), st.integers()
    )
    return st.dictionaries(names, hostile, max_size=4)


@pytest.fixture(scope="module")
def server() -> Iterator[RecordingServer]:
    state = RecordingServer()
    state.responder = lambda call: Reply(body={"data": {}})
    httpd, _thread = start(state)
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def connection(server: RecordingServer) -> Iterator[Connection]:
    with Connection(REFRESH_TOKEN, base_url=server.url, rate_limit=None, retries=0) as conn:
        yield conn


@pytest.mark.parametrize("action", ACTIONS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_action_ends_in_input_error_or_a_result(
    action: str, data: st.DataObject, connection: Connection, server: RecordingServer
) -> None:
    inputs = data.draw(inputs_for(action))
    sent_before = len(server.api_calls)
    refused: InputError | None = None
    try:
        result = COMPONENT.invoke(action, inputs, connection=connection)
    except InputError as exc:
        refused = exc
    if refused is not None:
        assert refused.action == action
        assert len(server.api_calls) == sent_before  # refused before anything was sent
        return
    assert result == {"data": {"status": 200, "data": {}}}
    sent = server.api_calls[-1].body
    assert isinstance(sent, dict)  # what went out was JSON the server could read
    assert all(not isinstance(v, float) or math.isfinite(v) for v in sent["variables"].values())


@pytest.mark.parametrize("text", HOSTILE_YAML)
def test_hostile_yaml_definitions_are_input_errors_or_pass(text: str, component: Component) -> None:
    refused: InputError | None = None
    try:
        component.prepare("importIntegration", {"yamlDefinition": text})
    except InputError as exc:
        refused = exc
    assert refused is None or refused.input == "yamlDefinition"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[" * 5000, "invalid YAML"),
        ("a: !!binary aGVsbG8=", "bytes"),
        ("!!set {a, b}", "expected a YAML mapping"),
        ("a: .nan", "NaN"),
        ("a: 2020-13-45", "cannot be read"),
        ("!!python/object:os.system {}", "invalid YAML at line 1"),
        ("- a", "expected a YAML mapping"),
    ],
)
def test_yaml_that_json_cannot_hold_is_named(text: str, problem: str, component: Component) -> None:
    with pytest.raises(InputError, match=problem):
        component.prepare("importIntegration", {"yamlDefinition": text})


def test_yaml_dates_and_scalar_keys_are_accepted(component: Component) -> None:
    text = "definitionVersion: 7\nname: x\nreleased: 2024-01-02\n1: one\nflows: []\n"
    assert component.prepare("importIntegration", {"yamlDefinition": text}).variables


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ("{ customers { ", "line 1, column 15"),
        ("query {\n  a(\n}", "line 3, column 1"),
        ("{" * 3000, ""),
    ],
)
def test_rawrequest_syntax_errors_are_input_errors_with_line_and_column(
    query: str, where: str, component: Component
) -> None:
    with pytest.raises(InputError, match="query") as caught:
        component.prepare("rawRequest", {"query": query})
    assert where in str(caught.value)


@pytest.mark.parametrize(
    "variables",
    ["[1, 2]", "3", [{"value": 1}], [{"name": "a"}, {"name": "a"}], '"text"'],
)
def test_rawrequest_variables_must_be_an_object_or_pairs(
    variables: Any, component: Component
) -> None:
    with pytest.raises(InputError, match="variables"):
        component.prepare("rawRequest", {"query": "{ a }", "variables": variables})


connection_values = st.dictionaries(
    st.one_of(
        st.sampled_from(["apiKey", "tenantId", "baseUrl"]), st.text(max_size=4), st.integers()
    ),
    st.one_of(
        hostile,
        st.sampled_from(
            [
                "http://",
                "ftp://x",
                "http://[::1",
                "http://a:99999",
                "http://u:p@h",
                "http://h/?q",
                "ht tp://x",
                "http://h\n",
            ]
        ),
    ),
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(values=connection_values)
def test_connection_values_end_in_input_error_or_a_connection(values: dict[Any, Any]) -> None:
    refused: InputError | None = None
    try:
        conn = Connection.from_values(values, action="getCurrentUser")
    except InputError as exc:
        refused = exc
    if refused is not None:
        assert (refused.action, refused.input) == ("getCurrentUser", "connection")
        return
    assert conn.base_url.startswith(("http://", "https://"))


@pytest.mark.parametrize("key", [None, 3, b"listInstances", ("a",), "\ud800", "x" * 10_000])
def test_hostile_action_keys_are_input_errors(key: Any, component: Component) -> None:
    with pytest.raises(InputError):
        component.prepare(key, {})
