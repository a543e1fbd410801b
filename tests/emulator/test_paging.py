"""Connections over 250+ records: cursors, offset, page sizes, filters and ordering."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import graphql
import pytest

from prismatic_connector import Component, Connection, GraphQLError
from prismatic_connector.emulator import Emulator

COUNT = 260
PAGE = """query ($after: String, $before: String, $first: Int, $last: Int, $offset: Int) {
  customers(isSystem: false, after: $after, before: $before, first: $first, last: $last, offset: $offset,
            sortBy: [{field: NAME, direction: ASC}]) {
    nodes { name } edges { cursor node { name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } }"""


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(seed="empty") as emu:
        for n in range(COUNT):
            emu.execute(
                "mutation ($n: String!, $e: String, $l: [String]) { createCustomer(input: "
                "{name: $n, externalId: $e, labels: $l}) { errors { field } } }",
                {
                    "n": f"Customer {n:03d}",
                    "e": f"ext-{n:03d}",
                    "l": ["even" if n % 2 == 0 else "Odd"],
                },
            )
        yield emu


@pytest.fixture
def page(emulator: Emulator) -> Any:
    def fetch(**variables: Any) -> dict[str, Any]:
        return emulator.execute(PAGE, variables)["customers"]

    return fetch


def test_default_and_maximum_page_size_is_100(page: Any) -> None:
    first = page()
    assert len(first["nodes"]) == 100
    assert first["totalCount"] == COUNT
    assert first["pageInfo"]["hasNextPage"] is True
    assert len(page(first=500)["nodes"]) == 100


def test_walking_forward_with_cursors_sees_every_record_once(page: Any) -> None:
    names, after, pages = [], "", 0
    while True:
        result = page(after=after, first=37)
        names += [n["name"] for n in result["nodes"]]
        pages += 1
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
    assert names == [f"Customer {n:03d}" for n in range(COUNT)]
    assert pages == 8


def test_cursors_are_graphene_array_connection_offsets(page: Any) -> None:
    result = page(first=3, offset=10)
    cursors = [edge["cursor"] for edge in result["edges"]]
    assert [base64.b64decode(c).decode() for c in cursors] == [
        f"arrayconnection:{i}" for i in (10, 11, 12)
    ]
    assert result["pageInfo"]["startCursor"] == cursors[0]
    assert result["pageInfo"]["endCursor"] == cursors[-1]
    assert result["pageInfo"]["hasPreviousPage"] is True


def test_offset_pages_match_cursor_pages(page: Any) -> None:
    by_offset = [n["name"] for n in page(offset=200, first=100)["nodes"]]
    assert by_offset == [f"Customer {n:03d}" for n in range(200, COUNT)]
    tail = page(offset=250)
    assert len(tail["nodes"]) == 10
    assert tail["pageInfo"]["hasNextPage"] is False


def test_walking_backward_with_last_and_before(page: Any) -> None:
    last = page(last=5)
    assert [n["name"] for n in last["nodes"]] == [f"Customer {n:03d}" for n in range(255, 260)]
    before = page(last=5, before=last["pageInfo"]["startCursor"])
    assert [n["name"] for n in before["nodes"]] == [f"Customer {n:03d}" for n in range(250, 255)]


def test_empty_after_means_from_the_start(page: Any) -> None:
    assert page(after="", first=1)["nodes"] == [{"name": "Customer 000"}]


def test_invalid_cursor_is_an_error(emulator: Emulator) -> None:
    with pytest.raises(graphql.GraphQLError, match="Invalid cursor"):
        emulator.execute(PAGE, {"after": "not-a-cursor"})


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ('name_Icontains: "CUSTOMER 00"', 10),
        ('name_Istartswith: "customer 1"', 100),
        ('name: "Customer 007"', 1),
        ('externalId: "ext-042"', 1),
        ('labels_Icontains: "odd"', 130),
        ('labels_Icontains: "EVEN"', 130),
        ('description_Icontains: "x"', 0),
    ],
)
def test_filters_use_the_real_argument_names(emulator: Emulator, args: str, expected: int) -> None:
    result = emulator.execute(f"{{ customers(isSystem: false, {args}) {{ totalCount }} }}")
    assert result["customers"]["totalCount"] == expected


def test_sort_descending(emulator: Emulator) -> None:
    result = emulator.execute(
        "{ customers(first: 2, sortBy: [{field: NAME, direction: DESC}]) { nodes { name } } }"
    )
    assert [n["name"] for n in result["customers"]["nodes"]] == ["Customer 259", "Customer 258"]


def test_connector_pages_through_list_customers_with_offset(
    component: Component, emulator: Emulator
) -> None:
    conn = Connection(emulator.refresh_token, base_url=emulator.url)
    seen: list[str] = []
    offset = 0
    while True:
        result = component.invoke("listCustomers", {"offset": offset}, connection=conn)["data"][
            "data"
        ]["customers"]
        seen += [n["name"] for n in result["nodes"]]
        if not result["pageInfo"]["hasNextPage"]:
            break
        offset += len(result["nodes"])
    assert len(seen) == COUNT
    assert len(set(seen)) == COUNT


def test_negative_page_size_is_refused(component: Component, emulator: Emulator) -> None:
    conn = Connection(emulator.refresh_token, base_url=emulator.url)
    with pytest.raises(GraphQLError, match="'first' must be a non-negative integer"):
        component.invoke("listInstances", {"first": -1}, connection=conn)
