"""Keeping tokens out of logs, reprs, exceptions and output."""

from __future__ import annotations

from collections.abc import Iterable

REDACTED = "[redacted]"


class Secret:
    """A string that only gives up its value when asked by name.

    ``str()``, ``repr()`` and f-strings show a placeholder, so a secret that
    reaches a log line or an exception message by accident is not leaked.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)


def scrub(text: str, secrets: Iterable[Secret | str | None]) -> str:
    """Replace every occurrence of the given secrets in ``text``."""
    for secret in secrets:
        value = secret.reveal() if isinstance(secret, Secret) else secret
        if value and len(value) >= 4:
            text = text.replace(value, REDACTED)
    return text
