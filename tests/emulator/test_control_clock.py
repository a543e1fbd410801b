"""The emulator's clock on the control surface, three ways in: the in-process
``Emulator``, ``EmulatorClient`` and ``emulator clock``, against an emulator served
with ``--manual-clock``."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from prismatic_connector.emulator import Emulator, EmulatorClient, ManualClock
from prismatic_connector.errors import ConfigurationError, ControlError

from .served import Served, served


@pytest.fixture(scope="module")
def manual(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served(tmp_path_factory.mktemp("manual"), "--manual-clock", "--seed", "empty") as s:
        yield s


def test_in_process_the_clock_moves_only_when_told() -> None:
    clock = ManualClock(start=1_800_000_000.0)
    with Emulator(seed="empty", clock=clock) as emu:
        assert emu.clock() == {
            "now": "2027-01-15T08:00:00Z",
            "epochSeconds": 1_800_000_000.0,
            "manual": True,
        }
        assert emu.clock_advance(90)["now"] == "2027-01-15T08:01:30Z"
        for bad in (-1, float("nan"), "10", True):
            with pytest.raises(ControlError) as refused:
                emu.clock_advance(bad)
            assert (refused.value.field, refused.value.status) == ("seconds", 400)
        assert clock.now() == 1_800_000_090.0


def test_a_wall_clock_is_not_moved_and_names_the_flag() -> None:
    with Emulator(seed="empty") as emu:
        assert emu.clock()["manual"] is False
        with pytest.raises(ControlError, match="--manual-clock") as refused:
            emu.clock_advance(1)
        assert refused.value.status == 409


def test_a_sleeper_wakes_when_the_clock_passes_its_time() -> None:
    clock = ManualClock(start=0.0)
    woke = threading.Event()
    sleeper = threading.Thread(target=lambda: (clock.sleep(5), woke.set()))
    sleeper.start()
    clock.advance(4)
    assert not woke.wait(0.2)
    clock.advance(1)
    assert woke.wait(5)
    sleeper.join()


def test_an_access_token_expires_on_the_emulator_clock() -> None:
    clock = ManualClock()
    with Emulator(seed="empty", clock=clock, token_ttl_s=60) as emu:
        token = emu.access_token()
        assert emu.user_of(token) is not None
        emu.clock_advance(61)
        assert emu.user_of(token) is None


def test_the_client_reads_and_moves_a_served_clock(
    manual: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The key is found from the URL, where serve left it, as `emulator token` finds it.
    monkeypatch.setenv("XDG_RUNTIME_DIR", manual.env["XDG_RUNTIME_DIR"])
    with EmulatorClient(manual.url) as client:
        before = client.clock()
        assert before["manual"] is True
        after = client.clock_advance(3600)
        assert after["epochSeconds"] == pytest.approx(before["epochSeconds"] + 3600)
        with pytest.raises(ControlError) as refused:
            client.clock_advance(-5)
        assert (refused.value.field, refused.value.status) == ("seconds", 400)


def test_the_routes_need_the_admin_key_and_name_a_bad_field(manual: Served) -> None:
    for headers in ({}, {"X-Emulator-Admin-Key": "wrong"}):
        answer = requests.get(f"{manual.url}/emulator/clock", headers=headers, timeout=10)
        assert answer.status_code == 403
    key = (Path(manual.env["XDG_RUNTIME_DIR"]) / "prismatic-connector").glob("*.key")
    admin = {"X-Emulator-Admin-Key": next(key).read_text().strip()}
    for body, field in ((b"[1]", "body"), (b"{", "body"), (b'{"secs": 1}', "secs")):
        answer = requests.post(f"{manual.url}/emulator/clock", data=body, headers=admin, timeout=10)
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["field"] == field


def test_the_command_line_reads_and_moves_it(manual: Served) -> None:
    shown = manual.cli("emulator", "clock")
    assert shown.returncode == 0, shown.stderr
    before = json.loads(shown.stdout)["epochSeconds"]
    moved = manual.cli("emulator", "clock", "--advance", "30")
    assert moved.returncode == 0, moved.stderr
    assert json.loads(moved.stdout)["epochSeconds"] == pytest.approx(before + 30)
    refused = manual.cli("emulator", "clock", "--advance", "-1")
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr.startswith("prismatic-connector: error: --advance: expected a number")


def test_the_client_without_a_key_or_a_local_url_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read"):
        EmulatorClient("http://127.0.0.1:9", admin_key_file=str(tmp_path / "none.key"))
    with pytest.raises(ConfigurationError) as refused:
        EmulatorClient("https://app.prismatic.io", admin_key="k")
    assert refused.value.setting == "url"
