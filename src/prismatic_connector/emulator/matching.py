"""Variables matched by a subset, as fault rules and ``assert_called`` match them.

Every name the expected mapping holds must be in the actual one with a matching value:
a mapping matches a mapping holding (at least) its names, a list matches any one of its
values (or a list equal to it), anything else matches an equal value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def subset(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> bool:
    return all(name in actual and value(want, actual[name]) for name, want in expected.items())


def value(want: Any, got: Any) -> bool:
    if isinstance(want, list):
        return want == got or any(value(one, got) for one in want)
    if isinstance(want, Mapping):
        return isinstance(got, Mapping) and subset(want, got)
    if isinstance(want, bool) or isinstance(got, bool):
        return want is got
    return bool(want == got)


def differences(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    """Each expected variable ``actual`` does not match, as ``name: expected X, got Y``."""
    out = []
    for name, want in expected.items():
        if name not in actual:
            out.append(f"{name}: expected {want!r}, missing")
        elif not value(want, actual[name]):
            out.append(f"{name}: expected {want!r}, got {actual[name]!r}")
    return out
