"""The decisions of following logs and the times jobs take, apart from any I/O."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from prismatic_connector import ConfigurationError
from prismatic_connector.jobs.logdecide import (
    LogLine,
    at_or_above,
    check_level,
    missed,
    next_interval,
    read_from,
    remember,
)
from prismatic_connector.jobs.times import parse_duration, parse_time

T0 = datetime(2027, 1, 15, 8, 0, tzinfo=timezone.utc)
TEN = timedelta(seconds=10)


def test_the_next_read_starts_the_window_before_the_newest_line_never_before_the_start() -> None:
    assert read_from(None, None, TEN) is None
    assert read_from(None, T0, TEN) == T0
    assert read_from(T0 + timedelta(seconds=30), T0, TEN) == T0 + timedelta(seconds=20)
    assert read_from(T0 + timedelta(seconds=5), T0, TEN) == T0
    assert read_from(T0, None, TEN) == T0 - TEN


def test_only_the_ids_a_read_can_answer_again_are_remembered() -> None:
    seen = {"a": T0, "b": T0 + timedelta(seconds=15), "c": T0 + timedelta(seconds=20)}
    assert set(remember(seen, T0 + timedelta(seconds=25), TEN)) == {"b", "c"}
    assert remember(seen, None, TEN) == seen


def test_missed_lines_are_those_counted_by_the_api_and_not_read() -> None:
    assert missed(10, 10) == 0
    assert missed(12, 10) == 2
    assert missed(9, 10) == 0  # a line read after the count was taken


def test_the_poll_interval_is_short_while_lines_arrive_and_backs_off_to_five_seconds() -> None:
    waits, current = [], 0.5
    for arrived in (False, False, False, False, False, True, False):
        current = next_interval(current, arrived)
        waits.append(current)
    assert waits == [1.0, 2.0, 4.0, 5.0, 5.0, 0.5, 1.0]


def test_levels_are_at_or_above_and_unknown_ones_refused() -> None:
    assert check_level(None) is None
    assert check_level("warn") == "WARN"
    assert at_or_above("ERROR", "WARN")
    assert at_or_above("WARN", "WARN")
    assert not at_or_above("INFO", "WARN")
    assert not at_or_above("METRIC", "WARN")
    assert at_or_above("DEBUG", None)
    with pytest.raises(ConfigurationError, match="expected one of TRACE, DEBUG"):
        check_level("verbose")


def test_a_line_reads_from_the_api_node() -> None:
    node = {
        "id": "TG9nOjE=",
        "timestamp": "2027-01-15T08:00:01Z",
        "severity": "WARN",
        "message": "slow",
        "stepName": "fetch",
        "executionResult": {"id": "RXhlYzox"},
        "instance": None,
    }
    line = LogLine.from_node(node)
    assert line.at == T0 + timedelta(seconds=1)
    assert line.as_text() == "2027-01-15T08:00:01Z WARN  [fetch] slow"
    assert line.as_json()["execution"] == "RXhlYzox"


def test_times_take_a_zone_or_a_duration() -> None:
    assert parse_time("2027-01-15T09:00:00+01:00", name="since") == T0
    assert parse_time("2027-01-15T08:00:00Z", name="since") == T0
    assert parse_time("24h", name="since", now=T0) == T0 - timedelta(hours=24)
    assert parse_duration("1h30m", name="x") == timedelta(minutes=90)
    # Four digits first is still a duration when all of it is one, and never a date.
    assert parse_time("3650d", name="since", now=T0) == T0 - timedelta(days=3650)
    assert parse_time("1440m", name="since", now=T0) == T0 - timedelta(days=1)
    for bad, why in [
        ("2027-01-15T08:00:00", "has no zone"),
        ("yesterday", "expected an ISO 8601 time"),
        ("0s", "a duration from 1s"),
        ("", "expected an ISO 8601 time"),
    ]:
        with pytest.raises(ConfigurationError, match=why) as caught:
            parse_time(bad, name="--since")
        assert caught.value.setting == "--since"
