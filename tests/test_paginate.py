"""paginate() and `invoke --all`: every node, page by page, and what they refuse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from prismatic_connector import Connection, InputError, PaginationError, invoke, paginate
from prismatic_connector.emulator import Emulator, Faults
from prismatic_connector.jobs.paging import pages

from .loopback import Recorded, RecordingServer, Reply

EVERY = {"enabled": "", "needsDeploy": ""}


@pytest.fixture(scope="module")
def big() -> Iterator[Emulator]:
    with Emulator(seed="demo", scale={"instances": 250, "customers": 130}) as emu:
        yield emu


@pytest.fixture
def conn(big: Emulator) -> Iterator[Connection]:
    with Connection(big.refresh_token, base_url=big.url, rate_limit=None) as conn:
        yield conn


def test_every_node_once_in_order(big: Emulator, conn: Connection) -> None:
    walked = [n["id"] for n in paginate("listInstances", EVERY, connection=conn, page_size=40)]
    assert len(walked) == len(set(walked)) == 250
    pages = [
        invoke("listInstances", {**EVERY, "offset": start, "first": 100}, connection=conn)
        for start in (0, 100, 200)
    ]
    by_offset = [n["id"] for p in pages for n in p["data"]["data"]["instances"]["nodes"]]
    assert walked == by_offset
    customers = list(paginate("listCustomers", connection=conn, page_size=100))
    assert len(customers) == 130
    assert len(list(paginate("listComponents", connection=conn))) == 8


def test_after_starts_the_walk_there(conn: Connection) -> None:
    first = invoke("listInstances", {**EVERY, "first": 30}, connection=conn)
    cursor = first["data"]["data"]["instances"]["pageInfo"]["endCursor"]
    rest = list(paginate("listInstances", {**EVERY, "after": cursor}, connection=conn))
    assert len(rest) == 220
    seen = {n["id"] for n in first["data"]["data"]["instances"]["nodes"]}
    assert not seen & {n["id"] for n in rest}


def test_pages_go_through_the_connections_retries() -> None:
    faults = Faults(rate_503=0.3, retry_after_s=0, fault_seed=7)
    with Emulator(seed="demo", scale={"instances": 120}, faults=faults) as emu:
        conn = Connection(emu.refresh_token, base_url=emu.url, rate_limit=None, retries=8)
        with conn:
            nodes = list(paginate("listInstances", EVERY, connection=conn, page_size=10))
    assert len({n["id"] for n in nodes}) == 120


@pytest.mark.parametrize("name", ["offset", "before", "last"])
def test_offset_before_and_last_are_refused_before_any_request(
    server: RecordingServer, connection: Connection, name: str
) -> None:
    value = 3 if name != "before" else "YXJyYXljb25uZWN0aW9uOjU="
    with pytest.raises(InputError) as caught:
        paginate("listCustomers", {name: value}, connection=connection)
    assert (caught.value.action, caught.value.input) == ("listCustomers", name)
    assert server.api_calls == []


def test_only_list_actions_page(server: RecordingServer, connection: Connection) -> None:
    with pytest.raises(InputError, match="is not a list action"):
        paginate("getCurrentUser", connection=connection)
    with pytest.raises(InputError, match="page_size"):
        paginate("listCustomers", connection=connection, page_size=101)
    assert server.api_calls == []


def _page(cursor: str, more: bool, ids: list[str]) -> dict[str, Any]:
    return {
        "customers": {
            "nodes": [{"id": i} for i in ids],
            "pageInfo": {"hasNextPage": more, "endCursor": cursor},
            "totalCount": 9,
        }
    }


def test_each_page_sends_first_and_the_last_cursor(
    server: RecordingServer, connection: Connection
) -> None:
    answers = iter([_page("c1", True, ["a", "b"]), _page("c2", False, ["c"])])
    server.responder = lambda call: Reply(body={"data": next(answers)})
    nodes = list(
        paginate("listCustomers", {"nameContains": "x"}, connection=connection, page_size=2)
    )
    assert [n["id"] for n in nodes] == ["a", "b", "c"]
    sent = [call.body["variables"] for call in server.api_calls]
    assert sent == [
        {"nameContains": "x", "first": 2, "after": None},
        {"nameContains": "x", "first": 2, "after": "c1"},
    ]


def test_a_cursor_that_does_not_advance_stops_with_a_clear_error(
    server: RecordingServer, connection: Connection
) -> None:
    def same(call: Recorded) -> Reply:
        return Reply(body={"data": _page("stuck", True, ["a"])})

    server.responder = same
    with pytest.raises(PaginationError) as caught:
        list(paginate("listCustomers", connection=connection))
    assert caught.value.action == "listCustomers"
    assert caught.value.cursor == "stuck"
    assert "'stuck' did not advance" in str(caught.value)
    assert len(server.api_calls) == 2


def _cli(big: Emulator, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRISMATIC_URL": big.url, "PRISM_REFRESH_TOKEN": big.refresh_token}
    return subprocess.run(
        [sys.executable, "-m", "prismatic_connector", "invoke", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_invoke_all_streams_json_lines_and_an_envelope(big: Emulator) -> None:
    lines = _cli(big, "listInstances", "--all", "-i", "enabled=", "-i", "needsDeploy=")
    assert lines.returncode == 0, lines.stderr
    nodes = [json.loads(line) for line in lines.stdout.splitlines()]
    assert len({n["id"] for n in nodes}) == 250
    assert lines.stderr == ""  # no progress bar when stderr is not a terminal
    envelope = _cli(big, "listCustomers", "--all", "--format", "envelope")
    assert envelope.returncode == 0, envelope.stderr
    customers = json.loads(envelope.stdout)["data"]["data"]["customers"]
    assert len(customers["nodes"]) == customers["totalCount"] == 130
    with Connection(big.refresh_token, base_url=big.url) as conn:
        infos = [d["customers"]["pageInfo"] for d in pages("listCustomers", connection=conn)]
    # One envelope's pageInfo spans the whole walk: from the first page's start to the last's end.
    assert len(infos) == 2
    assert customers["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": infos[0]["hasPreviousPage"],
        "startCursor": infos[0]["startCursor"],
        "endCursor": infos[-1]["endCursor"],
    }
    refused = _cli(big, "listCustomers", "--all", "-i", "offset=3")
    assert refused.returncode == 2
    assert "action 'listCustomers', input 'offset'" in refused.stderr


def test_a_progress_bar_on_stderr_only_when_it_is_a_terminal(big: Emulator) -> None:
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    # A terminal 100 columns wide, as a person's would be.
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    env = {**os.environ, "PRISMATIC_URL": big.url, "PRISM_REFRESH_TOKEN": big.refresh_token}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "prismatic_connector", "invoke", "listCustomers", "--all"],
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            timeout=120,
            env=env,
        )
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 130
    text = shown.decode("utf-8", "replace")
    assert "listCustomers" in text
    assert "130/130" in text
