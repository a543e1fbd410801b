"""Waiting for what an action started: a flow test's execution, until it ends.

``testFlow`` answers as soon as the run is queued; a runner that tests a flow needs
its result. With ``wait``, the runner polls ``getExecution`` until the execution's
status is final or the call's deadline passes, and returns that envelope: the
execution with its step results and logs.

Polls start a quarter second apart and double, but never grow past a second or a
tenth of the time waited so far, whichever is larger: a short run's end is seen
within about a second, and an hour-long one costs a few dozen reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import InputError, TransportError
from ..policy import Clock

Envelope = dict[str, Any]
# Hears each status read while waiting, with the seconds since the action started.
Watcher = Callable[[str, float], None]
FINAL = frozenset({"SUCCESS", "ERROR"})
FIRST_POLL_S = 0.25
SEEN_WITHIN_S = 1.0
SEEN_WITHIN_SHARE = 0.1
# The actions that can wait, and where their answer names the execution.
EXECUTION_PATHS = {
    "testFlow": ("testIntegrationFlow", "testIntegrationFlowResult", "execution", "id"),
}


def check_can_wait(action: str) -> None:
    """Refuse, before anything is sent, to wait on an action that starts no run."""
    if action not in EXECUTION_PATHS:
        starters = ", ".join(EXECUTION_PATHS)
        raise InputError(action, None, f"cannot wait: only {starters} starts a run to wait for")


def execution_id(action: str, envelope: Envelope) -> str | None:
    """The execution the action started, or None (payload errors: nothing started)."""
    check_can_wait(action)
    value: Any = envelope["data"]["data"]
    for key in EXECUTION_PATHS[action]:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) and value else None


def next_delay(delay: float, waited: float) -> float:
    """The pause before the next poll, after ``delay`` and ``waited`` seconds in all."""
    return min(delay * 2, max(SEEN_WITHIN_S, waited * SEEN_WITHIN_SHARE))


def wait_for(
    action: str,
    ident: str,
    fetch: Callable[[str], Envelope],
    *,
    clock: Clock,
    started: float,
    deadline: float,
    on_status: Watcher | None = None,
) -> Envelope:
    """Poll ``fetch(ident)`` (getExecution) until the execution ends or the deadline."""
    delay = FIRST_POLL_S
    while True:
        envelope = fetch(ident)
        execution = envelope["data"]["data"].get("executionResult") or {}
        status = execution.get("status")
        now = clock.now()
        if on_status is not None:
            on_status(str(status), now - started)
        if status in FINAL:
            return envelope
        if now >= deadline:
            raise TransportError(
                f"action {action!r}: execution {ident} was still {status} at the deadline; "
                "read it later with getExecution",
                action=action,
            )
        # The last poll lands on the deadline rather than giving up a pause early.
        clock.sleep(min(delay, deadline - now))
        delay = next_delay(delay, clock.now() - started)
