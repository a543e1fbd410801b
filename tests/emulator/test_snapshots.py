"""Snapshots of the emulator's whole state, three ways in (the in-process ``Emulator``,
``EmulatorClient``, ``emulator snapshot``): what a load puts back, what it keeps, and
what it refuses, leaving the state as it was."""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from prismatic_connector.emulator import Emulator, EmulatorClient, ManualClock
from prismatic_connector.emulator.layout import LAYOUT
from prismatic_connector.errors import ControlError

from .served import Served, served
from .snapshot_state import make_every_type, q, read_all, rows

BAD_NAMES = ["", "..", "../x", "a/b", ".hidden", "-x", "x" * 65, "a b", "é", "a\\b"]


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[Emulator]:
    with Emulator(clock=ManualClock(start=1_800_000_000.0), snapshot_dir=tmp_path / "snaps") as e:
        yield e


def test_a_load_puts_every_record_type_back_as_it_was(emu: Emulator) -> None:
    make_every_type(emu)
    before, stored = read_all(emu), rows(emu)
    # Every type the layout names has a record here: a new type needs one made above.
    assert set(stored["records"]) == set(LAYOUT.indexes)
    saved = emu.snapshot_save("everything")
    assert saved["records"] == {t: len(found) for t, found in stored["records"].items()}
    assert (saved["replaced"], saved["format"]) == (False, 1)

    emu.clock_advance(3600)
    made = q(emu, 'mutation { createCustomer(input: {name: "Later"}) { customer { id } } }')
    assert made["createCustomer"]["customer"]["id"]
    instance = q(emu, "{ instances(isSystem: false) { nodes { id } } }")["instances"]["nodes"][0]
    q(
        emu,
        "mutation ($id: ID!) { deleteInstance(input: {id: $id}) { errors { field } } }",
        id=instance["id"],
    )
    emu.run_flow("Sync Inventory", {"n": 1}, times=2)
    emu.clear_scripts()
    assert read_all(emu) != before

    loaded = emu.snapshot_load("everything")
    assert loaded["clock"] == before["clock"]
    assert read_all(emu) == before
    assert rows(emu) == stored
    # New records take new IDs and sequence numbers after the restored ones.
    again = q(emu, 'mutation { createCustomer(input: {name: "Later"}) { customer { id } } }')
    assert again["createCustomer"]["customer"]["id"] != made["createCustomer"]["customer"]["id"]


def test_a_load_keeps_the_tokens_issued_and_empties_the_journal(emu: Emulator) -> None:
    emu.snapshot_save("start")
    token, refresh = emu.access_token(), emu.refresh_token
    with requests.post(
        f"{emu.url}/api",
        json={"query": "{ organization { name } }"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ) as answer:
        assert answer.status_code == 200
    assert emu.journal()
    emu.snapshot_load("start")
    assert emu.journal() == []
    assert emu.user_of(token) == emu.user_id
    assert emu.exchange(refresh) is not None
    assert emu.refresh_token == refresh
    # reset() still returns to the seed the emulator started with.
    q(emu, 'mutation { createCustomer(input: {name: "Gone"}) { customer { id } } }')
    emu.reset()
    assert q(emu, '{ customers(name: "Gone") { totalCount } }')["customers"]["totalCount"] == 0


def test_files_are_readable_by_their_owner_only(emu: Emulator) -> None:
    emu.snapshot_save("private")
    path = emu.snapshot_dir / "private.snapshot"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(emu.snapshot_dir.stat().st_mode) == 0o700
    assert sorted(p.name for p in emu.snapshot_dir.iterdir()) == ["private.snapshot"]
    again = emu.snapshot_save("private")
    assert again["replaced"] is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_name_that_is_not_one_is_refused_before_the_disk_is_touched(
    emu: Emulator, name: str
) -> None:
    for call in (emu.snapshot_save, emu.snapshot_load, emu.snapshot_delete):
        with pytest.raises(ControlError, match="expected a snapshot name") as refused:
            call(name)
        assert (refused.value.field, refused.value.status) == ("name", 400)
    assert not emu.snapshot_dir.exists()


def _damaged(data: bytes) -> dict[str, bytes]:
    first, rest = data.split(b"\n", 1)
    flipped = bytearray(data)
    flipped[-100] ^= 0xFF
    return {
        "is damaged": data[: len(data) // 2],
        "checksum does not match": bytes(flipped),
        "of snapshot format '2'": first[:-1] + b"2\n" + rest,
        "is not an emulator snapshot": b"SQLite format 3\x00" + data[100:],
    }


def test_a_damaged_or_foreign_file_is_refused_and_the_state_stays(emu: Emulator) -> None:
    make_every_type(emu)
    emu.snapshot_save("good")
    path = emu.snapshot_dir / "good.snapshot"
    good = path.read_bytes()
    token = emu.access_token()
    before, stored = read_all(emu), rows(emu)
    emu.journal_clear()
    q(emu, "{ organization { name } }")
    journal = emu.journal()
    for says, data in _damaged(good).items():
        path.write_bytes(data)
        with pytest.raises(ControlError, match=says) as refused:
            emu.snapshot_load("good")
        assert (refused.value.field, refused.value.status) == ("snapshot", 400)
        assert rows(emu) == stored
        assert emu.journal() == journal
        assert emu.user_of(token) == emu.user_id
    assert read_all(emu) == before
    listed = {s["name"]: s for s in emu.snapshots()}
    assert "not an emulator snapshot" in listed["good"]["problem"]


def test_list_and_delete(emu: Emulator) -> None:
    assert emu.snapshots() == []
    saved = emu.snapshot_save("one")
    [listed] = emu.snapshots()
    assert listed["name"] == "one"
    assert listed["size"] == saved["size"] == (emu.snapshot_dir / "one.snapshot").stat().st_size
    assert listed["records"] == saved["records"]
    assert listed["format"] == 1
    assert listed["created"] == "2027-01-15T08:00:00Z"  # the emulator's clock
    assert emu.snapshot_delete("one") == {"deleted": "one"}
    assert emu.snapshots() == []
    for call in (emu.snapshot_delete, emu.snapshot_load):
        with pytest.raises(ControlError, match="no snapshot named 'one'") as refused:
            call("one")
        assert refused.value.status == 404


def test_an_emulator_starts_from_a_snapshot_by_name_or_path(tmp_path: Path) -> None:
    folder = tmp_path / "snaps"
    with Emulator(clock=ManualClock(start=1_800_000_000.0), snapshot_dir=folder) as first:
        make_every_type(first)
        first.clock_advance(60)
        first.snapshot_save("made")
        before, refresh = _portable(read_all(first), first.url), first.refresh_token
    for source in ("made", folder / "made.snapshot"):
        clock = ManualClock(start=1_900_000_000.0)
        with Emulator(snapshot_dir=folder, from_snapshot=source, clock=clock) as second:
            assert _portable(read_all(second), second.url) == before
            # The saved emulator's tokens come with it: its refresh token is good again.
            assert second.refresh_token == refresh
            q(second, 'mutation { createCustomer(input: {name: "x"}) { customer { id } } }')
            second.reset()  # back to the snapshot it started from
            assert _portable(read_all(second), second.url) == before
    with pytest.raises(ControlError, match="no snapshot named 'nope'"):
        Emulator(snapshot_dir=folder, from_snapshot="nope")


def _portable(state: dict[str, object], url: str) -> object:
    """``state`` with the emulator's own URL (in the links it answers) left out."""
    return json.loads(json.dumps(state).replace(url, "$URL"))


# ---- through HTTP and the command line


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path]]:
    base = tmp_path_factory.mktemp("snapshots")
    folder = base / "kept"
    with served(base, "--manual-clock", "--snapshot-dir", str(folder)) as s:
        yield s, folder


def test_the_client_saves_lists_loads_and_deletes(
    server: tuple[Served, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    s, folder = server
    monkeypatch.setenv("XDG_RUNTIME_DIR", s.env["XDG_RUNTIME_DIR"])
    with EmulatorClient(s.url) as client:
        requests.post(f"{s.url}/api", json={"query": "{ organization { name } }"}, timeout=10)
        assert client.journal()
        saved = client.snapshot_save("client")
        assert (folder / "client.snapshot").stat().st_size == saved["size"]
        client.clock_advance(100)
        assert [x["name"] for x in client.snapshots()] == ["client"]
        loaded = client.snapshot_load("client")
        assert loaded["clock"]["epochSeconds"] == client.clock()["epochSeconds"]
        assert client.journal() == []
        for name in ("..", "a b", ".x"):
            with pytest.raises(ControlError, match="expected a snapshot name") as refused:
                client.snapshot_load(name)
            assert (refused.value.field, refused.value.status) == ("name", 400)
        with pytest.raises(ControlError) as refused:
            client.call("POST", "snapshots", {"name": "x", "path": "/etc"})
        assert refused.value.field == "path"
        assert client.snapshot_delete("client") == {"deleted": "client"}
        with pytest.raises(ControlError) as refused:
            client.snapshot_delete("client")
        assert refused.value.status == 404


def test_the_command_line_mirrors_the_client(server: tuple[Served, Path]) -> None:
    s, folder = server
    saved = s.cli("emulator", "snapshot", "save", "cli")
    assert saved.returncode == 0, saved.stderr
    assert json.loads(saved.stdout)["name"] == "cli"
    assert stat.S_IMODE((folder / "cli.snapshot").stat().st_mode) == 0o600
    listed = s.cli("emulator", "snapshot", "list")
    assert "cli" in [x["name"] for x in json.loads(listed.stdout)["snapshots"]]
    loaded = s.cli("emulator", "snapshot", "load", "cli")
    assert loaded.returncode == 0, loaded.stderr
    refused = s.cli("emulator", "snapshot", "load", "../etc")
    assert refused.returncode == 2
    assert refused.stderr.startswith("prismatic-connector: error: NAME: expected a snapshot name")
    assert "Traceback" not in refused.stderr
    assert s.cli("emulator", "snapshot", "delete", "cli").returncode == 0
    missing = s.cli("emulator", "snapshot", "delete", "cli")
    assert missing.returncode == 2
    assert "no snapshot named 'cli'" in missing.stderr


def test_serve_starts_from_a_snapshot_file(server: tuple[Served, Path], tmp_path: Path) -> None:
    s, _ = server
    assert s.cli("emulator", "snapshot", "save", "seed-copy").returncode == 0
    source = server[1] / "seed-copy.snapshot"
    with served(tmp_path, "--from-snapshot", str(source)) as second:
        # The saved emulator's refresh token comes with it.
        assert second.refresh_token == s.refresh_token
    bad = tmp_path / "bad.snapshot"
    bad.write_bytes(b"not one")
    out = s.cli("emulator", "serve", "--from-snapshot", str(bad))
    assert out.returncode == 2
    assert "--from-snapshot" in out.stderr
    assert "is not an emulator snapshot" in out.stderr
    out = s.cli("emulator", "serve", "--from-snapshot", "bad.snapshot")
    assert out.returncode == 2
    assert "give its path, such as ./FILE" in out.stderr


@pytest.mark.scale
def test_a_load_at_two_thousand_instances_takes_seconds_at_most(tmp_path: Path) -> None:
    with Emulator(seed="empty", scale={"instances": 2000}, snapshot_dir=tmp_path) as emu:
        emu.snapshot_save("big")
        totals = "{ instances(isSystem: false) { totalCount } }"
        before = emu.execute(totals)
        q(emu, 'mutation { createCustomer(input: {name: "after"}) { customer { id } } }')
        started = time.perf_counter()
        emu.snapshot_load("big")
        took = time.perf_counter() - started
        assert emu.execute(totals) == before
        assert q(emu, '{ customers(name: "after") { totalCount } }')["customers"]["totalCount"] == 0
    assert took < 5.0, f"a load at 2,000 instances took {took:.2f} s"


def test_a_snapshot_loaded_at_start_into_a_db_file_stays_there(tmp_path: Path) -> None:
    folder, db = tmp_path / "snaps", tmp_path / "state.sqlite3"
    with Emulator(seed="empty", snapshot_dir=folder) as first:
        q(first, 'mutation { createCustomer(input: {name: "Kept"}) { customer { id } } }')
        first.snapshot_save("kept")
    with Emulator(db=db, snapshot_dir=folder, from_snapshot="kept"):
        pass
    with Emulator(db=db) as again:  # the file holds the snapshot's state, without it
        assert (
            q(again, '{ customers(name: "Kept") { totalCount } }')["customers"]["totalCount"] == 1
        )
        assert again.snapshot_dir == tmp_path / "snapshots"  # beside the database
