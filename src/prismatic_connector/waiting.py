"""Waiting for what an action started: a flow test's execution, until it ends.

``testFlow`` answers as soon as the run is queued; a runner that tests a flow needs
its result. With ``wait``, the runner polls ``getExecution`` with back-off until the
execution's status is final or the call's deadline passes, and returns that
envelope: the execution with its step results and logs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import InputError, TransportError
from .policy import Clock

Envelope = dict[str, Any]
FINAL = frozenset({"SUCCESS", "ERROR"})
FIRST_POLL_S = 0.25
MAX_POLL_S = 5.0
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


def wait_for(
    action: str,
    ident: str,
    fetch: Callable[[str], Envelope],
    *,
    clock: Clock,
    deadline: float,
) -> Envelope:
    """Poll ``fetch(ident)`` (getExecution) until the execution ends; back-off doubles."""
    delay = FIRST_POLL_S
    while True:
        envelope = fetch(ident)
        execution = envelope["data"]["data"].get("executionResult") or {}
        status = execution.get("status")
        if status in FINAL:
            return envelope
        if clock.now() + delay > deadline:
            raise TransportError(
                f"action {action!r}: execution {ident} was still {status} at the deadline; "
                "read it later with getExecution",
                action=action,
            )
        clock.sleep(delay)
        delay = min(delay * 2, MAX_POLL_S)
