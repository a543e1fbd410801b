"""What a route is handed (``Request``, with the ``Front`` it answers for) and what it
hands back (``Answer``), so that routes never touch a socket and the server never
decides what to answer."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from ..engine import Outcome
    from ..faults import Faults, Verdict
    from ..journal import Journal
    from ..rules import Rules

JSON = "application/json"


class Served(Protocol):
    """What the routes ask of the emulator (``app.Emulator``), which serves them plain
    values: the front needs no more of it, and imports none of it."""

    url: str
    admin_key: str
    handler_timeout_s: float
    fault_rules: Rules
    journal_log: Journal

    def answer(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        operation_name: str | None = None,
        *,
        user_id: str | None = None,
    ) -> Outcome: ...

    def auth_meta(self) -> dict[str, str] | None: ...

    def token(self, kind: str) -> str: ...

    def exchange(
        self, refresh_token: str, tenant_id: str | None = None
    ) -> dict[str, Any] | None: ...

    def revoke(self, refresh_token: str) -> bool: ...

    def user_of(self, access_token: str) -> str | None: ...

    def invoke_webhook(
        self,
        config_id: str,
        body: bytes,
        content_type: str | None,
        *,
        synchronous: bool = False,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        path_fragment: str = "",
        url: str = "",
    ) -> tuple[str, Any] | None: ...

    def request_payload(self, run_id: str) -> tuple[str, bytes] | None: ...

    def upload(self, token: str, query: dict[str, str], body: bytes, content_type: str) -> None: ...

    def media(self, media_id: str) -> tuple[str, bytes] | None: ...

    def step_result(self, step_id: str) -> bytes | None: ...

    # The control surface (``controls.Controls``).

    def clock(self) -> dict[str, Any]: ...

    def clock_advance(self, seconds: float) -> dict[str, Any]: ...

    # ---- scripted runs

    def script_flow(
        self,
        target: str,
        *,
        status: str = "SUCCESS",
        error: str | None = None,
        duration_s: float = 0,
        polls: int | None = None,
        logs: Iterable[Any] = (),
        result: Any = None,
        times: int | None = None,
    ) -> str: ...

    def scripts(self) -> list[dict[str, Any]]: ...

    def clear_scripts(self) -> int: ...

    def run_flow(self, target: str, payload: Any = None, times: int = 1) -> list[str]: ...

    # ---- fault rules

    def fault_add(
        self,
        operation: str | None = None,
        kind: str | None = None,
        path: str | None = None,
        variables: Mapping[str, Any] | None = None,
        status: int | None = None,
        drop: str | None = None,
        payload_errors: list[dict[str, Any]] | None = None,
        graphql_error: str | None = None,
        latency_ms: float = 0,
        probability: float = 1.0,
        times: int | None = None,
        seed: int | None = None,
    ) -> str: ...

    def faults(self) -> list[dict[str, Any]]: ...

    def fault_remove(self, id: str) -> dict[str, Any]: ...

    def faults_clear(self) -> dict[str, Any]: ...

    # ---- the journal

    def journal(
        self,
        operation: str | None = None,
        kind: str | None = None,
        since: Any = None,
        applied: bool | None = None,
    ) -> list[dict[str, Any]]: ...

    def journal_clear(self) -> dict[str, Any]: ...

    # ---- snapshots

    def snapshot_save(self, name: str) -> dict[str, Any]: ...

    def snapshot_load(self, name: str) -> dict[str, Any]: ...

    def snapshots(self) -> list[dict[str, Any]]: ...

    def snapshot_delete(self, name: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Front:
    """What the routes answer for: the emulator, and the faults injected in front of it."""

    emulator: Served
    faults: Faults


@dataclass(frozen=True)
class Request:
    """One request that arrived whole. ``target`` is the path and query as sent; ``path``
    has neither the query nor a trailing slash; ``params`` is what the route's pattern took."""

    method: str
    target: str
    path: str
    headers: Message
    body: bytes = b""
    params: Mapping[str, str] = field(default_factory=dict)

    def query(self, *, keep_blank: bool = False) -> dict[str, str]:
        """The query's parameters, the first value of each."""
        fields = parse_qs(urlsplit(self.target).query, keep_blank_values=keep_blank)
        return {name: values[0] for name, values in fields.items()}

    def header(self, name: str) -> str:
        return str(self.headers.get(name, ""))


@dataclass(frozen=True)
class Answer:
    """An HTTP answer. ``close``: the connection closes after it; ``drop``: the connection
    is shut with no answer at all (an injected fault)."""

    status: int
    body: bytes = b""
    content_type: str = JSON
    headers: Mapping[str, str] = field(default_factory=dict)
    close: bool = False
    drop: bool = False


DROP = Answer(0, drop=True)


def json_answer(
    status: int, value: Any, headers: Mapping[str, str] | None = None, *, close: bool = False
) -> Answer:
    body = json.dumps(value, separators=(",", ":")).encode()
    return Answer(status, body, JSON, dict(headers or {}), close=close)


def error(status: int, message: str, *, close: bool = False) -> Answer:
    """The API's error shape: ``{"errors": [{"message": ...}]}``."""
    return json_answer(status, {"errors": [{"message": message}]}, close=close)


def stopped(verdict: Verdict) -> Answer | None:
    """What a request the faults stop gets instead of its answer; None if it goes on."""
    if verdict.kind == "drop":
        return DROP
    if verdict.kind == "status":
        headers = {"Retry-After": str(verdict.retry_after_s)} if verdict.retry_after_s else {}
        phrase = HTTPStatus(verdict.status).phrase
        return json_answer(verdict.status, {"errors": [{"message": phrase}]}, headers)
    return None
