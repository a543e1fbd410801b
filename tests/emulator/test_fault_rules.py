"""Fault rules set while the emulator runs, in process: what each field matches and does,
their order, ``times`` and ``probability``, latency on the manual clock, and the start-up
faults as rules on the same list."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests

from prismatic_connector.emulator import Emulator, Faults, ManualClock
from prismatic_connector.errors import ControlError

CREATE = "mutation ($name: String!) { createCustomer(input: {name: $name}) { customer { id } errors { field messages } } }"
QUERY = "query Count { customers { totalCount } }"


def post(emu: Emulator, query: str, variables: dict[str, Any] | None = None) -> requests.Response:
    return requests.post(
        f"{emu.url}/api",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {emu.access_token()}"},
        timeout=10,
    )


@pytest.fixture
def emu() -> Any:
    with Emulator(seed="empty") as emu:
        yield emu


def test_a_status_rule_strikes_its_operation_only_and_applies_nothing(emu: Emulator) -> None:
    rule = emu.fault_add(operation="createCustomer", status=503, times=2)
    assert post(emu, QUERY).status_code == 200
    first = post(emu, CREATE, {"name": "A"})
    assert (first.status_code, first.headers["Retry-After"]) == (503, "1")
    assert post(emu, CREATE, {"name": "B"}).status_code == 503
    assert post(emu, CREATE, {"name": "C"}).status_code == 200  # struck its 2 times
    assert emu.applied() == {"createCustomer": 1}
    assert emu.faults() == [
        {
            "id": rule,
            "operation": "createCustomer",
            "kind": None,
            "path": None,
            "variables": None,
            "status": 503,
            "drop": None,
            "payload_errors": None,
            "graphql_error": None,
            "latency_ms": 0.0,
            "probability": 1.0,
            "times": 2,
            "seed": None,
            "struck": 2,
        }
    ]


def test_an_operation_is_a_root_field_or_the_operation_name(emu: Emulator) -> None:
    # The connector's listCustomers sends `query listCustomers { customers ... }`: a rule
    # named either way strikes it, as the journal's filter finds it either way.
    by_name = emu.fault_add(operation="Count", status=502, times=1)
    by_field = emu.fault_add(operation="customers", status=503, times=1)
    assert post(emu, QUERY).status_code == 502
    assert post(emu, QUERY).status_code == 503
    assert post(emu, QUERY).status_code == 200
    assert post(emu, "query Other { customers { totalCount } }").status_code == 200
    assert [r["id"] for r in emu.faults()] == [by_name, by_field]
    assert len(emu.journal(operation="Count")) == 3
    assert len(emu.journal(operation="customers")) == 4


def test_kind_variables_any_of_and_the_first_rule_decides(emu: Emulator) -> None:
    emu.fault_add(kind="query", status=502)
    emu.fault_add(variables={"name": ["A", "B"]}, status=429)
    emu.fault_add(kind="mutation", status=500)
    assert post(emu, QUERY).status_code == 502
    assert post(emu, CREATE, {"name": "A"}).status_code == 429
    assert post(emu, CREATE, {"name": "B"}).status_code == 429
    assert post(emu, CREATE, {"name": "C"}).status_code == 500
    assert [r["struck"] for r in emu.faults()] == [1, 2, 1]


def test_payload_and_graphql_errors_answer_instead_of_running(emu: Emulator) -> None:
    errors = [{"field": "name", "messages": ["is taken"]}]
    emu.fault_add(operation="createCustomer", payload_errors=errors, times=1)
    emu.fault_add(operation="customers", graphql_error="Internal server error")
    answered = post(emu, CREATE, {"name": "A"})
    assert answered.json() == {"data": {"createCustomer": {"customer": None, "errors": errors}}}
    assert post(emu, QUERY).json() == {
        "data": None,
        "errors": [{"message": "Internal server error"}],
    }
    assert emu.applied() == {}


def test_drop_before_applies_nothing_and_drop_after_applies(emu: Emulator) -> None:
    before = emu.fault_add(operation="createCustomer", drop="before", times=1)
    emu.fault_add(operation="createCustomer", drop="after", times=1)
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            post(emu, CREATE, {"name": "A"})
    assert emu.applied() == {"createCustomer": 1}
    assert emu.fault_remove(before) == {"removed": before}
    with pytest.raises(ControlError) as unknown:
        emu.fault_remove(before)
    assert (unknown.value.field, unknown.value.status) == ("id", 404)
    applied = emu.journal(operation="createCustomer", applied=True)
    assert [(e["status"], e["fault"]) for e in applied] == [(0, "rule-2")]


def test_a_probability_is_repeatable_with_a_seed() -> None:
    def statuses() -> list[int]:
        with Emulator(seed="empty") as emu:
            emu.fault_add(kind="query", status=503, probability=0.5, seed=7)
            return [post(emu, QUERY).status_code for _ in range(30)]

    first = statuses()
    assert first == statuses()
    assert 5 < first.count(503) < 25


def test_latency_waits_on_the_manual_clock() -> None:
    clock = ManualClock()
    with Emulator(seed="empty", clock=clock) as emu:
        token = emu.access_token()
        emu.fault_add(kind="query", latency_ms=30_000)
        answers: list[int] = []
        waiting = threading.Thread(
            target=lambda: answers.append(
                requests.post(
                    f"{emu.url}/api",
                    json={"query": QUERY},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=10,
                ).status_code
            )
        )
        waiting.start()
        waiting.join(0.3)
        assert answers == []
        emu.clock_advance(30)
        waiting.join(10)
        assert answers == [200]


def test_a_token_route_rule(emu: Emulator) -> None:
    emu.fault_add(path="/auth/refresh", status=503, times=1)
    exchange = {"refresh_token": emu.refresh_token}
    url = f"{emu.url}/auth/refresh"
    assert requests.post(url, json=exchange, timeout=10).status_code == 503
    assert requests.post(url, json=exchange, timeout=10).status_code == 200


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"operation": "not a name", "status": 503}, "operation"),
        ({"kind": "subscription", "status": 503}, "kind"),
        ({"path": "/elsewhere", "status": 503}, "path"),
        ({"variables": [1], "status": 503}, "variables"),
        ({"status": 404}, "status"),
        ({"status": True}, "status"),
        ({"drop": "during"}, "drop"),
        ({"payload_errors": [{"field": "x"}]}, "payload_errors"),
        ({"payload_errors": []}, "payload_errors"),
        ({"graphql_error": " "}, "graphql_error"),
        ({"latency_ms": -1}, "latency_ms"),
        ({"probability": 1.5, "status": 503}, "probability"),
        ({"times": 0, "status": 503}, "times"),
        ({"seed": 1.5, "status": 503}, "seed"),
        ({"status": 503, "drop": "before"}, "drop"),
        ({}, "status"),
        ({"path": "/auth/refresh", "operation": "x", "status": 503}, "operation"),
    ],
)
def test_every_field_is_checked(emu: Emulator, arguments: dict[str, Any], field: str) -> None:
    with pytest.raises(ControlError) as refused:
        emu.fault_add(**arguments)
    assert (refused.value.field, refused.value.status) == (field, 400)
    assert emu.faults() == []


def test_the_start_up_faults_are_rules_on_the_same_list() -> None:
    with Emulator(seed="empty", faults=Faults(rate_503=1.0, rate_limit=5)) as emu:
        assert [r["id"] for r in emu.faults()] == ["startup-shares", "startup-rate-limit"]
        assert post(emu, QUERY).status_code == 503
        assert emu.faults()[0]["struck"] == 1
        assert emu.journal()[-1]["fault"] == "startup-shares"
        emu.fault_remove("startup-shares")
        assert post(emu, QUERY).status_code == 200
        assert emu.faults_clear() == {"removed": 1}
        emu.reset()
        assert len(emu.faults()) == 2


def test_a_document_that_does_not_parse_meets_only_rules_without_operation_or_kind(
    emu: Emulator,
) -> None:
    emu.fault_add(operation="customers", status=503)
    emu.fault_add(kind="query", status=502)
    assert post(emu, "{ customers { ").status_code == 400
    emu.fault_add(variables={"x": 1}, status=500)
    assert post(emu, "{ customers { ", {"x": 1}).status_code == 500
    assert [e["fault"] for e in emu.journal()] == [None, "rule-3"]
