"""Fault rules: which requests go wrong, and how, set while the emulator runs.

A rule matches a request by its route (``path``, ``/api`` by default), a root field
of its document or the operation's name (``operation``), its ``kind`` and a subset of
its ``variables`` (a list in the rule means any of its values). Rules are tried in the
order added; the first that strikes decides. A rule strikes with its own seeded chance
(``probability``), at most ``times`` times, after waiting ``latency_ms`` on the
emulator's clock, and then answers a ``status``, drops the connection (``drop``: before
or after running the request), answers ``payload_errors`` or a ``graphql_error``, or
only delays it.

The start-up ``Faults`` are rules of their own kinds on the same list (``startup-shares``:
one draw over its shares; ``startup-rate-limit``), reading its settings as they change.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Protocol

from ..errors import ControlError
from .clock import Clock
from .documents import Shape
from .faults import Faults, Verdict
from .matching import subset
from .ruleargs import API, TOKEN_ROUTES, check

RETRY_AFTER_S = 1


@dataclass(frozen=True)
class Seen:
    """What a rule matches against: one request as it arrived."""

    path: str
    shape: Shape
    operation_name: str | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)
    token: str = ""

    def calls(self, operation: str) -> bool:
        """Whether the request calls ``operation``: a root field of its document, or the
        operation's own name, as the journal reads it (``listInstances`` asks ``instances``)."""
        if operation in self.shape.fields:
            return True
        chosen = self.shape.chosen(self.operation_name)
        return operation in (self.operation_name, chosen.name if chosen else None)

    @cached_property
    def kind(self) -> str | None:
        chosen = self.shape.chosen(self.operation_name)
        return None if chosen is None else chosen.kind


class Striker(Protocol):
    id: str
    struck: int

    def strike(self, seen: Seen, clock: Clock, lock: threading.Lock) -> Verdict | None: ...

    def listed(self) -> dict[str, Any] | None: ...


@dataclass
class Rule:
    """One rule as ``fault_add`` made it (its arguments are checked by ``make``)."""

    id: str
    operation: str | None
    kind: str | None
    path: str
    variables: dict[str, Any] | None
    verdict: Verdict
    latency_ms: float
    probability: float
    times: int | None
    seed: int | None
    arguments: dict[str, Any]
    struck: int = 0
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)  # noqa: S311 - chance of a fault, not security

    def matches(self, seen: Seen) -> bool:
        if seen.path != self.path:
            return False
        if self.operation is not None and not seen.calls(self.operation):
            return False
        if self.kind is not None and seen.kind != self.kind:
            return False
        return self.variables is None or subset(self.variables, seen.variables)

    def strike(self, seen: Seen, clock: Clock, lock: threading.Lock) -> Verdict | None:
        if not self.matches(seen):
            return None
        with lock:
            if self.times is not None and self.struck >= self.times:
                return None
            if self.probability < 1.0 and self._random.random() >= self.probability:
                return None
            self.struck += 1
        if self.latency_ms:
            clock.sleep(self.latency_ms / 1000)
        return self.verdict

    def listed(self) -> dict[str, Any]:
        return {"id": self.id, **self.arguments, "struck": self.struck}


@dataclass
class Shares:
    """The start-up ``Faults``' shares and latency: one draw per request, as before."""

    faults: Faults
    id: str = "startup-shares"
    struck: int = 0

    def strike(self, seen: Seen, clock: Clock, lock: threading.Lock) -> Verdict | None:
        faults = self.faults
        if seen.path != API and not (seen.path == TOKEN_ROUTES[0] and faults.on_refresh):
            return None
        if not faults.active:
            return None
        verdict = faults.draw()
        if verdict is not None:
            with lock:
                self.struck += 1
        return verdict

    def listed(self) -> dict[str, Any] | None:
        f = self.faults
        shares = {n: getattr(f, n) for n in ("rate_drop", "rate_drop_after_apply")}
        shares |= {n: getattr(f, n) for n in ("rate_429", "rate_502", "rate_503")}
        if not (any(shares.values()) or f.latency_ms):
            return None
        paths = [API, TOKEN_ROUTES[0]] if f.on_refresh else [API]
        return {
            "id": self.id,
            "shares": shares,
            "latency_ms": f.latency_ms,
            "retry_after_s": f.retry_after_s,
            "seed": f.fault_seed,
            "paths": paths,
            "struck": self.struck,
        }


@dataclass
class RateLimit:
    """The start-up ``Faults``' rate limit: requests per second per access token."""

    faults: Faults
    id: str = "startup-rate-limit"
    struck: int = 0

    def strike(self, seen: Seen, clock: Clock, lock: threading.Lock) -> Verdict | None:
        if seen.path != API or not self.faults.rate_limit:
            return None
        verdict = self.faults.admit(seen.token)
        if verdict is not None:
            with lock:
                self.struck += 1
        return verdict

    def listed(self) -> dict[str, Any] | None:
        if not self.faults.rate_limit:
            return None
        return {"id": self.id, "rate_limit": self.faults.rate_limit, "struck": self.struck}


class Rules:
    """The emulator's fault rules, in the order they are tried."""

    def __init__(self, faults: Faults, clock: Clock) -> None:
        self.clock = clock
        self._faults = faults
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._rules: list[Striker] = []
        self.startup()

    def startup(self) -> None:
        """Put back the start-up ``Faults`` as the first rules, the others gone."""
        with self._lock:
            self._rules = [Shares(self._faults), RateLimit(self._faults)]

    def strike(self, seen: Seen) -> Verdict | None:
        """The verdict of the first rule that strikes (with its ID), or None."""
        for rule in self._rules:  # a list replaced, never changed in place, when rules change
            verdict = rule.strike(seen, self.clock, self._lock)
            if verdict is not None:
                return verdict if verdict.rule else _named(verdict, rule.id)
        return None

    def add(self, **arguments: Any) -> str:
        with self._lock:
            rule_id = f"rule-{next(self._ids)}"
            rule = make(rule_id, arguments)
            self._rules = [*self._rules, rule]
        return rule_id

    def listed(self) -> list[dict[str, Any]]:
        with self._lock:
            rules = list(self._rules)
        return [shown for rule in rules if (shown := rule.listed()) is not None]

    def remove(self, rule_id: Any) -> dict[str, Any]:
        with self._lock:
            kept = [rule for rule in self._rules if rule.id != rule_id]
            if len(kept) == len(self._rules):
                raise ControlError("id", f"no fault rule {rule_id!r}", status=404)
            self._rules = kept
        return {"removed": rule_id}

    def clear(self) -> dict[str, Any]:
        with self._lock:
            removed = len(self._rules)
            self._rules = []
        return {"removed": removed}


def _named(verdict: Verdict, rule_id: str) -> Verdict:
    return replace(verdict, rule=rule_id)


def make(rule_id: str, given: dict[str, Any]) -> Rule:
    """A rule from ``fault_add``'s arguments, each checked (a ``ControlError`` naming it)."""
    a = check(given)
    verdict = _verdict(a, rule_id)
    return Rule(
        id=rule_id,
        operation=a["operation"],
        kind=a["kind"],
        path=a["path"] or API,
        variables=a["variables"],
        verdict=verdict,
        latency_ms=a["latency_ms"],
        probability=a["probability"],
        times=a["times"],
        seed=a["seed"],
        arguments=a,
    )


def _verdict(a: dict[str, Any], rule_id: str) -> Verdict:
    if a["status"] is not None:
        retry = RETRY_AFTER_S if a["status"] in (429, 503) else None
        return Verdict("status", a["status"], retry, rule=rule_id)
    if a["drop"] is not None:
        return Verdict("drop" if a["drop"] == "before" else "drop_after_apply", rule=rule_id)
    if a["payload_errors"] is not None:
        return Verdict("payload_errors", rule=rule_id, payload_errors=tuple(a["payload_errors"]))
    if a["graphql_error"] is not None:
        return Verdict("graphql_error", rule=rule_id, message=a["graphql_error"])
    return Verdict("pass", rule=rule_id)
