"""The exceptions prismatic-connector raises.

    ConnectorError              the one root: catch this to catch everything below
    ├── ManifestError           a component file is malformed (names the file and the path)
    ├── InputError              an action input is missing or malformed; nothing was sent
    ├── ConfigurationError      a setting is wrong (a timeout, retries, the base URL, an
    │                           emulator fault share, a second exchange hook); nothing was sent
    ├── CredentialError         the refresh token is missing, invalid or revoked: fix the connection
    ├── TransportError          no usable answer: unreachable, non-2xx, not GraphQL JSON, too big,
    │   │                       too slow, or retries did not help
    │   └── OutcomeUnknownError a mutation was sent and may or may not have been applied
    ├── GraphQLError            the API answered with top-level GraphQL ``errors``
    ├── PayloadError            a mutation was refused: its payload answered ``errors``
    │                           (raised only when asked; carries the envelope)
    ├── PaginationError         a list's cursor stopped advancing
    └── PublishError            the registry refused a publish, or an upload failed

Mutation payload errors (``errors: [{field, messages}]`` inside ``data``) are data by
default: they are returned in the envelope, as Prismatic's own integrations expect.
``raise_on_payload_errors=True`` (and the command line, unless told otherwise) turns
them into a ``PayloadError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "ConfigurationError",
    "ConnectorError",
    "ControlError",
    "CredentialError",
    "GraphQLError",
    "InputError",
    "ManifestError",
    "OutcomeUnknownError",
    "PaginationError",
    "PayloadError",
    "PublishError",
    "TransportError",
]


class ConnectorError(Exception):
    """Base class of every error this package raises."""


class ManifestError(ConnectorError):
    """The manifest or another component file is malformed."""

    def __init__(self, file: str, path: str, problem: str) -> None:
        self.file = file
        self.path = path
        self.problem = problem
        where = f"{file}: {path}" if path else file
        super().__init__(f"{where}: {problem}")


class InputError(ConnectorError):
    """An action input is missing or malformed. Raised before any request is sent."""

    def __init__(self, action: str, input: str | None, problem: str) -> None:
        self.action = action
        self.input = input
        self.problem = problem
        if input is None:
            super().__init__(f"action {action!r}: {problem}")
        else:
            super().__init__(f"action {action!r}, input {input!r}: {problem}")


class ConfigurationError(ConnectorError):
    """A setting that is not an action's input is wrong: ``setting`` names it.

    Raised before anything is sent, for a timeout, retries, the base URL or another
    argument of a ``Connection``, an emulator fault, or a connection bound to a second
    exchange hook. The command line names the setting by its flag (``--timeout``).
    """

    def __init__(self, setting: str, problem: str) -> None:
        self.setting = setting
        self.problem = problem
        super().__init__(f"{setting}: {problem}")


class ControlError(ConnectorError):
    """The emulator's control surface refused a request: ``field`` names what was wrong
    (``seconds``, ``operation``, ...) and ``status`` is the HTTP status it answers with
    (400 for a bad value, 404 for an unknown rule, 409 for what the emulator's state
    does not allow, 403 for a wrong admin key)."""

    def __init__(self, field: str, problem: str, *, status: int = 400) -> None:
        self.field = field
        self.problem = problem
        self.status = status
        super().__init__(f"{field}: {problem}" if field else problem)


class CredentialError(ConnectorError):
    """The refresh token is missing, invalid or revoked.

    This is a configuration problem: the user must give the connection a valid
    refresh token (``prism me:token --type refresh``).
    """

    def __init__(self, message: str, *, status: int | None = None, missing: bool = False) -> None:
        self.status = status
        # No token was given at all, so nothing was sent: a usage error, not a failed call.
        self.missing = missing
        super().__init__(message)


class TransportError(ConnectorError):
    """No usable answer: unreachable, a non-2xx status, a body that is not GraphQL JSON,
    an answer over the size cap or past the deadline, or retries that did not help.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        snippet: str = "",
        action: str | None = None,
    ) -> None:
        self.status = status
        self.snippet = snippet
        self.action = action
        super().__init__(message)


class OutcomeUnknownError(TransportError):
    """A mutation was sent, and no answer says whether it was applied.

    It is never sent again on its own: look (list or get the record) before
    deciding to repeat it.
    """

    outcome = "unknown"

    def __init__(self, action: str, operation: str, reason: str) -> None:
        self.operation = operation
        super().__init__(
            f"action {action!r}: {reason} after the mutation {operation} was sent; "
            "the change may or may not have been applied. It was not sent again: "
            "check its effect before repeating it",
            action=action,
        )


class GraphQLError(ConnectorError):
    """The API answered with top-level GraphQL ``errors``.

    ``errors`` holds them as sent (message, locations, path); ``data`` holds any
    partial data that came with them.
    """

    def __init__(
        self,
        action: str,
        errors: Sequence[Mapping[str, Any]],
        data: Mapping[str, Any] | None,
        *,
        status: int = 200,
    ) -> None:
        self.action = action
        self.errors = list(errors)
        self.data = data
        self.status = status
        super().__init__(f"action {action!r}: {_summarise(self.errors)}")

    @property
    def messages(self) -> list[str]:
        return [str(e.get("message", "")) for e in self.errors]

    @property
    def paths(self) -> list[list[str | int] | None]:
        return [e.get("path") for e in self.errors]


def _summarise(errors: Sequence[Mapping[str, Any]]) -> str:
    parts = []
    for err in errors:
        message = str(err.get("message", "unknown error"))
        path = err.get("path")
        parts.append(f"{message} (at {'.'.join(map(str, path))})" if path else message)
    return "; ".join(parts) or "the API reported an error without a message"


class PayloadError(ConnectorError):
    """A mutation answered payload errors: Prismatic refused the change and kept nothing.

    ``envelope`` is the answer as ``invoke`` would have returned it; ``errors`` lists
    each refusal as ``{"root", "field", "messages"}`` (``root``: the mutation's field).
    """

    def __init__(
        self, action: str, envelope: Mapping[str, Any], errors: Sequence[Mapping[str, Any]]
    ) -> None:
        self.action = action
        self.envelope = envelope
        self.errors = [dict(e) for e in errors]
        super().__init__(f"{action} answered payload errors: {describe_payload_errors(errors)}")


class PaginationError(ConnectorError):
    """The list's cursor stopped advancing; names the action and the cursor."""

    def __init__(self, action: str, cursor: str | None) -> None:
        super().__init__(
            f"action {action!r}: the cursor {cursor!r} did not advance; stopped paging"
        )
        self.action = action
        self.cursor = cursor


class PublishError(ConnectorError):
    """Publishing failed: the registry refused it, or an upload did."""


def describe_payload_errors(errors: Sequence[Mapping[str, Any]]) -> str:
    """``field: message, message; ...``, each field under its mutation when there are several."""
    roots = {e.get("root") for e in errors}
    parts = []
    for err in errors:
        field = str(err.get("field") or "")
        if len(roots) > 1 or not field:
            field = ".".join(str(p) for p in (err.get("root"), field or None) if p)
        messages = ", ".join(str(m) for m in err.get("messages") or []) or "(no message)"
        parts.append(f"{field}: {messages}")
    return "; ".join(parts)
