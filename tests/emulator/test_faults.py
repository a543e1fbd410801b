"""Injected faults: latency, 429 with Retry-After, 502/503, dropped connections, a rate limit,
and the counters that prove what each mutation applied."""

from __future__ import annotations

import time

import pytest
import requests

from prismatic_connector.emulator import Emulator, Faults

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


def test_rate_limit_per_token() -> None:
    with Emulator(seed="empty", faults=Faults(rate_limit=3)) as emu:
        token, other = emu.access_token(), emu.access_token()
        answers = [_post(emu, token) for _ in range(5)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
        assert answers[3].headers["Retry-After"] == "1"
        assert _post(emu, other).status_code == 200
        time.sleep(1.05)
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
