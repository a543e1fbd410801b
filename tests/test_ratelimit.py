"""The client-side limiter, on a clock that only moves when the limiter waits."""

from __future__ import annotations

import bisect

import pytest

from prismatic_connector.transport.limiter import DeadlineExceededError, RateLimiter, shared_limiter

from .clock import FakeClock


def admitted_times(limiter: RateLimiter, clock: FakeClock, count: int) -> list[float]:
    times = []
    for _ in range(count):
        limiter.acquire(deadline=clock.now() + 1000)
        times.append(clock.now())
    return times


def most_in_any_window(times: list[float], window: float) -> int:
    return max(bisect.bisect_left(times, t + window) - i for i, t in enumerate(times))


@pytest.mark.parametrize("rate", [1, 5, 20, 100])
def test_never_more_than_the_rate_in_any_one_second_window(rate: int) -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate, clock=clock)
    times = admitted_times(limiter, clock, rate * 5)
    assert most_in_any_window(times, 1.0) == rate
    # and it does not hold back more than it must: five seconds' worth in a little over four
    assert times[-1] - times[0] < 4 * 1.11


def test_a_rate_below_one_per_second_widens_the_window() -> None:
    clock = FakeClock()
    times = admitted_times(RateLimiter(0.5, clock=clock), clock, 3)
    assert times[1] - times[0] >= 2.0
    assert times[2] - times[1] >= 2.0


def test_a_429_halves_the_limit_pauses_everyone_and_the_limit_recovers() -> None:
    clock = FakeClock()
    limiter = RateLimiter(20, clock=clock)
    limiter.throttled(3.0)
    assert limiter.limit == 10
    before = clock.now()
    limiter.acquire(deadline=before + 100)
    assert clock.now() - before >= 3.0
    admitted_times(limiter, clock, 60)
    clock.advance(15)
    limiter.acquire(deadline=clock.now() + 100)
    assert limiter.limit == 20


def test_a_wait_past_the_deadline_is_refused_at_once() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, clock=clock)
    limiter.acquire(deadline=clock.now() + 10)
    with pytest.raises(DeadlineExceededError):
        limiter.acquire(deadline=clock.now() + 0.5)
    assert clock.slept == []


def test_connections_to_one_tenant_as_one_user_share_a_limiter() -> None:
    clock = FakeClock()
    one = shared_limiter("http://127.0.0.1:1", "digest-a", 20, clock)
    assert shared_limiter("http://127.0.0.1:1", "digest-a", 20, clock) is one
    assert shared_limiter("http://127.0.0.1:1", "digest-b", 20, clock) is not one
    assert shared_limiter("http://127.0.0.1:2", "digest-a", 20, clock) is not one


def test_rates_must_be_positive() -> None:
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="positive"):
            RateLimiter(bad)
