"""Injected faults: latency, 429 with Retry-After, 502/503, dropped connections, a rate limit,
and the counters that prove what each mutation applied."""

from __future__ import annotations

import time

import pytest
import requests

from prismatic_connector import Component, ConfigurationError, Connection, OutcomeUnknownError
from prismatic_connector.cli.emulator import add_parser
from prismatic_connector.emulator import Emulator, Faults

from ..clock import FakeClock

QUERY = {"query": "{ customers { totalCount } }"}
CREATE = {"query": 'mutation { createCustomer(input: {name: "Once"}) { errors { field } } }'}


def _post(emu: Emulator, token: str, body: dict[str, str] = QUERY) -> requests.Response:
    return requests.post(
        f"{emu.url}/api", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


@pytest.mark.parametrize(
    ("faults", "status", "retry_after"),
    [
        (Faults(rate_429=1.0, retry_after_s=7), 429, "7"),
        (Faults(rate_502=1.0), 502, None),
        (Faults(rate_503=1.0, retry_after_s=2), 503, "2"),
    ],
)
def test_failure_statuses(faults: Faults, status: int, retry_after: str | None) -> None:
    with Emulator(seed="empty", faults=faults) as emu:
        answer = _post(emu, emu.access_token())
        assert answer.status_code == status
        assert answer.headers.get("Retry-After") == retry_after


def test_dropped_connections() -> None:
    with (
        Emulator(seed="empty", faults=Faults(rate_drop=1.0)) as emu,
        pytest.raises(requests.ConnectionError),
    ):
        _post(emu, emu.access_token())


def test_latency_delays_each_request() -> None:
    with Emulator(seed="empty", faults=Faults(latency_ms=150)) as emu:
        token = emu.access_token()
        started = time.perf_counter()
        assert _post(emu, token).status_code == 200
        assert time.perf_counter() - started >= 0.15


def test_a_share_of_failures_is_repeatable_with_a_seed() -> None:
    def statuses() -> list[int]:
        with Emulator(seed="empty", faults=Faults(rate_503=0.5, fault_seed=42)) as emu:
            token = emu.access_token()
            return [_post(emu, token).status_code for _ in range(40)]

    first = statuses()
    assert first == statuses()
    assert 5 < first.count(503) < 35
    assert first.count(200) == 40 - first.count(503)


def test_rate_limit_per_token_on_the_injected_clock() -> None:
    clock = FakeClock(start=time.time())
    with Emulator(seed="empty", faults=Faults(rate_limit=3), clock=clock) as emu:
        token, other = emu.access_token(), emu.access_token()
        answers = [_post(emu, token) for _ in range(5)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
        assert answers[3].headers["Retry-After"] == "1"
        assert _post(emu, other).status_code == 200
        clock.advance(1.0)
        assert _post(emu, token).status_code == 200


def test_faults_can_change_while_running_and_refused_requests_apply_nothing() -> None:
    with Emulator(seed="empty") as emu:
        token = emu.access_token()
        emu.faults.rate_503 = 1.0
        assert _post(emu, token, CREATE).status_code == 503
        emu.faults.rate_503 = 0.0
        assert _post(emu, token, CREATE).status_code == 200
        assert emu.applied() == {"createCustomer": 1}
        assert _post(emu, token, CREATE).json()["data"]["createCustomer"]["errors"] == [
            {"field": "name"}
        ]
        assert emu.applied() == {"createCustomer": 1}


def test_a_drop_after_apply_applies_the_mutation_and_never_answers(component: Component) -> None:
    with Emulator(seed="empty", faults=Faults(rate_drop_after_apply=1.0)) as emu:
        with pytest.raises(requests.ConnectionError):
            _post(emu, emu.access_token(), CREATE)
        assert emu.applied() == {"createCustomer": 1}
        with (
            Connection(emu.refresh_token, base_url=emu.url) as conn,
            pytest.raises(OutcomeUnknownError),
        ):
            component.invoke(
                "rawRequest", {"query": CREATE["query"].replace("Once", "Twice")}, connection=conn
            )
        assert emu.applied() == {"createCustomer": 2}  # applied once, never resent


def test_faults_reach_the_token_exchange_only_when_asked() -> None:
    with Emulator(seed="empty", faults=Faults(rate_503=1.0)) as emu:
        refreshed = requests.post(
            f"{emu.url}/auth/refresh", json={"refresh_token": emu.refresh_token}, timeout=10
        )
        assert refreshed.status_code == 200
        emu.faults.on_refresh = True
        refused = requests.post(
            f"{emu.url}/auth/refresh", json={"refresh_token": emu.refresh_token}, timeout=10
        )
        assert refused.status_code == 503


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"rate_429": 1.5}, "rate_429"),
        ({"rate_drop": -0.1}, "rate_drop"),
        ({"rate_502": float("nan")}, "rate_502"),
        ({"rate_429": 0.6, "rate_503": 0.6}, "rate_*"),
        ({"latency_ms": -1}, "latency_ms"),
        ({"retry_after_s": 1.5}, "retry_after_s"),
        ({"rate_limit": 0}, "rate_limit"),
        ({"fault_seed": "x"}, "fault_seed"),
    ],
)
def test_fault_options_are_range_checked(options: dict[str, object], name: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Faults(**options)  # type: ignore[arg-type]
    assert caught.value.setting == name


def test_the_serve_flags_are_the_python_names_in_kebab_case() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"), argparse.HelpFormatter)
    args = parser.parse_args(
        [
            "emulator",
            "serve",
            "--rate-429",
            "0.1",
            "--rate-drop-after-apply",
            "0.2",
            "--on-refresh",
            "--fault-seed",
            "7",
            "--retry-after-s",
            "3",
            "--rate-limit",
            "20",
            "--latency-ms",
            "5",
        ]
    )
    names = {name for name, _, _ in Faults.options()}
    assert names == {
        "latency_ms",
        "rate_429",
        "rate_502",
        "rate_503",
        "rate_drop",
        "rate_drop_after_apply",
        "retry_after_s",
        "rate_limit",
        "on_refresh",
        "fault_seed",
    }
    faults = Faults(**{name: getattr(args, name) for name in names})
    assert (faults.rate_429, faults.rate_drop_after_apply, faults.on_refresh) == (0.1, 0.2, True)
    assert (faults.fault_seed, faults.retry_after_s, faults.rate_limit, faults.latency_ms) == (
        7,
        3,
        20,
        5,
    )


def test_token_expiry_follows_the_injected_clock(component: Component) -> None:
    clock = FakeClock(start=time.time())
    with Emulator(seed="empty", token_ttl_s=60, clock=clock) as emu:
        token = emu.access_token()
        assert _post(emu, token).status_code == 200
        clock.advance(61)
        assert _post(emu, token).status_code == 401
