"""What counts as a failure, decided once for every way of running an action.

A payload error is a non-empty ``errors`` list in any root field of a mutation's
data: Prismatic refused the change and kept nothing of it. ``invoke`` (when asked),
the command line, the step protocol and the Airflow operator all apply this one
rule, and all map an exception to the same exit status: 2 when nothing was sent
because of what was given (an input, a setting, the manifest, no refresh token at
all), 1 for everything else that failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import (
    ConfigurationError,
    ControlError,
    CredentialError,
    InputError,
    ManifestError,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def payload_errors(data: Any) -> list[dict[str, Any]]:
    """Each refusal in a mutation's data, as ``{"root", "field", "messages"}``."""
    found: list[dict[str, Any]] = []
    if not isinstance(data, Mapping):
        return found
    for root, payload in data.items():
        errors = payload.get("errors") if isinstance(payload, Mapping) else None
        if not isinstance(errors, list):
            continue
        for error in errors:
            if isinstance(error, Mapping):
                field, messages = error.get("field"), error.get("messages")
            else:  # not the documented shape, but still a refusal
                field, messages = None, [error]
            if not isinstance(messages, list):
                messages = [] if messages is None else [messages]
            found.append(
                {
                    "root": str(root),
                    "field": None if field is None else str(field),
                    "messages": [str(m) for m in messages],
                }
            )
    return found


def exit_status(error: BaseException) -> int:
    """The exit status a failure ends a command with."""
    if isinstance(error, (InputError, ManifestError, ConfigurationError, ControlError)):
        return EXIT_USAGE
    if isinstance(error, CredentialError) and error.missing:
        return EXIT_USAGE
    return EXIT_FAILED
