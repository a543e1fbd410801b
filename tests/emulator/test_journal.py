"""The request journal, in process: what each entry says, what is masked (a canary token
echoed back included), its caps, its filters, and ``assert_called``'s message."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import requests

import prismatic_connector.emulator.journal as journal
from prismatic_connector import Connection, load_component
from prismatic_connector.emulator import Emulator, ManualClock
from prismatic_connector.errors import ControlError

CREATE = (
    "mutation Make($name: String!) { createCustomer(input: {name: $name})"
    " { customer { id } errors { field messages } } }"
)


def post(emu: Emulator, query: str, variables: dict[str, Any] | None = None) -> requests.Response:
    return requests.post(
        f"{emu.url}/api",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {emu.access_token()}"},
        timeout=10,
    )


def test_each_entry_says_how_the_request_went() -> None:
    with Emulator(seed="empty", clock=ManualClock(start=1_800_000_000.0)) as emu:
        post(emu, CREATE, {"name": "Acme"})
        post(emu, CREATE, {"name": "Acme"})  # refused: the name is taken
        post(emu, "{ nope }")
        entries = emu.journal()
        assert [(e["status"], e["applied"], e["kind"]) for e in entries] == [
            (200, True, "mutation"),
            (200, False, "mutation"),
            (400, False, "query"),
        ]
        first = entries[0]
        assert first["time"] == "2027-01-15T08:00:00Z"
        assert (first["operationName"], first["rootFields"]) == ("Make", ["createCustomer"])
        assert first["variables"] == {"name": "Acme"}
        assert entries[1]["payloadErrors"][0]["field"] == "name"
        assert [e["rootFields"] for e in emu.journal(applied=True)] == [["createCustomer"]]
        assert len(emu.journal(operation="Make", kind="mutation")) == 2
        assert emu.journal(since="2027-01-15T08:00:01Z") == []
        emu.clock_advance(5)
        post(emu, "{ customers { totalCount } }")
        assert [e["time"] for e in emu.journal(since=1_800_000_001)] == ["2027-01-15T08:00:05Z"]
        assert len(emu.journal(since="1800000000")) == 4
        with pytest.raises(ControlError) as refused:
            emu.journal(since="yesterday")
        assert refused.value.field == "since"
        emu.reset()
        assert emu.journal() == []


def test_the_connector_s_calls_are_journaled() -> None:
    with Emulator(seed="empty") as emu:
        with Connection(emu.refresh_token, base_url=emu.url) as conn:
            load_component().invoke(
                "rawRequest", {"query": "query Who { authenticatedUser { id } }"}, connection=conn
            )
        assert [e["path"] for e in emu.journal()] == ["/auth/refresh", "/api"]
        assert emu.journal()[0]["variables"]["refresh_token"] == "***"
        emu.assert_called("authenticatedUser", times=1)


def test_no_secret_reaches_the_journal_even_echoed_back() -> None:
    with Emulator(seed="empty") as emu:
        access = emu.access_token()
        canary = emu.refresh_token
        echoed = [{"field": "name", "messages": [f"bad {canary} and {access}"]}]
        emu.fault_add(operation="createCustomer", payload_errors=echoed)
        post(
            emu,
            CREATE,
            {
                "name": f"x{canary}x",
                "note": access,
                "apiToken": "t0ps3cret",
                "clientSecret": "s",
                "Password": "p",
                "credentials": {"user": "u"},
                "configVariables": [{"key": "Endpoint", "value": "https://x"}],
                "values": "v",
                "admin": emu.admin_key,
                "big": "z" * 2000,
            },
        )
        requests.post(f"{emu.url}/auth/refresh", json={"refresh_token": canary}, timeout=10)
        text = json.dumps(emu.journal())
        for secret in (canary, access, emu.admin_key, "t0ps3cret", "https://x"):
            assert secret not in text
        variables = emu.journal()[0]["variables"]
        assert variables["note"] == variables["apiToken"] == variables["values"] == "***"
        digest = hashlib.sha256(b"z" * 2000).hexdigest()
        assert variables["big"] == {"length": 2000, "sha256": digest}


def test_the_oldest_entries_go_past_the_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal, "MAX_ENTRIES", 3)
    with Emulator(seed="empty") as emu:
        for name in "ABCDE":
            post(emu, CREATE, {"name": name})
        assert [e["variables"]["name"] for e in emu.journal()] == ["C", "D", "E"]
    monkeypatch.setattr(journal, "MAX_ENTRIES", 100)
    monkeypatch.setattr(journal, "MAX_BYTES", 900)
    with Emulator(seed="empty") as emu:
        for name in "ABCDE":
            post(emu, CREATE, {"name": name})
        kept = emu.journal()
        assert 1 <= len(kept) < 5
        assert kept[-1]["variables"]["name"] == "E"
        assert sum(len(json.dumps(e, separators=(",", ":"))) for e in kept) <= 900


def test_assert_called_says_how_the_closest_calls_differ() -> None:
    with Emulator(seed="empty") as emu:
        post(emu, CREATE, {"name": "Acme"})
        post(emu, CREATE, {"name": "Bolt"})
        post(emu, "query Count { customers { totalCount } }")
        emu.assert_called("createCustomer", times=2)
        emu.assert_called("createCustomer", variables={"name": ["Bolt", "Zed"]})
        with pytest.raises(AssertionError) as failed:
            emu.assert_called("createCustomer", variables={"name": "Cask"})
        message = str(failed.value)
        assert message.splitlines()[0] == (
            "expected at least 1 call(s) of createCustomer with variables {'name': 'Cask'}; got 0"
        )
        assert "name: expected 'Cask', got 'Acme'" in message
        assert "name: expected 'Cask', got 'Bolt'" in message
        assert "different operation (expected createCustomer, got customers)" in message
        with pytest.raises(AssertionError, match="exactly 1 call"):
            emu.assert_called("createCustomer", times=1)
