"""``EmulatorClient``: the control surface of an emulator running in another process.

It has the control methods ``Emulator`` has (``controls.py``) and speaks to the
admin-key-guarded ``/emulator/`` routes; it needs only requests, so a test suite
drives a served emulator without the ``emulator`` extra. The admin key is found as
``emulator token`` finds it, from where ``emulator serve`` left it for the URL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

import requests

from ..errors import ControlError, TransportError
from .journal import called
from .keyfile import local_url, read_admin_key

ADMIN_HEADER = "X-Emulator-Admin-Key"


class EmulatorClient:
    def __init__(
        self,
        url: str | None = None,
        admin_key: str | None = None,
        *,
        admin_key_file: str | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        """``url``: the emulator's (default: ``PRISMATIC_URL``), on the loopback only.
        ``admin_key``: what ``emulator serve`` printed; else read from ``admin_key_file``,
        else from where serve left it for ``url``."""
        self.url = local_url(url)
        self._admin_key = admin_key or read_admin_key(self.url, admin_key_file)
        self.timeout_s = timeout_s
        self._session = requests.Session()
        self._session.trust_env = False  # a loopback URL: no proxy may see the key

    def __repr__(self) -> str:
        return f"EmulatorClient({self.url!r})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> EmulatorClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def call(
        self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        """One control request; its JSON answer, or a ``ControlError`` naming the field."""
        try:
            response = self._session.request(
                method,
                f"{self.url}/emulator/{path}",
                json=body,
                params={k: v for k, v in (params or {}).items() if v is not None},
                headers={ADMIN_HEADER: self._admin_key},
                timeout=self.timeout_s,
            )
        except requests.RequestException as exc:
            raise TransportError(f"cannot reach the emulator at {self.url}: {exc}") from None
        try:
            answer = response.json()
        except ValueError:
            raise TransportError(
                f"the emulator answered HTTP {response.status_code} without JSON",
                status=response.status_code,
            ) from None
        if response.status_code >= 400:
            problems = answer.get("errors") if isinstance(answer, dict) else None
            first = problems[0] if isinstance(problems, list) and problems else {}
            message = str(first.get("message", f"HTTP {response.status_code}"))
            field = str(first.get("field", ""))
            problem = message.removeprefix(f"{field}: ") if field else message
            raise ControlError(field, problem, status=response.status_code)
        return answer

    # ------------------------------------------------------------------ the clock

    def clock(self) -> dict[str, Any]:
        """``{"now": ISO time, "epochSeconds": float, "manual": bool}``."""
        return dict(self.call("GET", "clock"))

    def clock_advance(self, seconds: float) -> dict[str, Any]:
        """Move the emulator's manual clock on by ``seconds``."""
        return dict(self.call("POST", "clock", {"seconds": seconds}))

    # ------------------------------------------------------------------ scripted runs

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
    ) -> str:
        """Script the next runs of ``target``, as ``Emulator.script_flow``; the script's ID."""
        given = {
            "target": target,
            "status": status,
            "error": error,
            "duration_s": duration_s,
            "polls": polls,
            "logs": [list(line) if isinstance(line, tuple) else line for line in logs],
            "result": result,
            "times": times,
        }
        return str(self.call("POST", "scripts", given)["id"])

    def scripts(self) -> list[dict[str, Any]]:
        """The scripts not yet used up, oldest first."""
        return list(self.call("GET", "scripts")["scripts"])

    def clear_scripts(self) -> int:
        """Drop every script; how many there were."""
        return int(self.call("DELETE", "scripts")["cleared"])

    def run_flow(self, target: str, payload: Any = None, times: int = 1) -> list[str]:
        """Start runs of ``target`` as a webhook call would; their execution IDs."""
        answer = self.call("POST", "runs", {"target": target, "payload": payload, "times": times})
        return [str(id_) for id_ in answer["executions"]]

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
    ) -> str:
        """A rule making requests go wrong (as ``Emulator.fault_add``); its ID."""
        given = {k: v for k, v in locals().items() if k != "self"}
        if isinstance(variables, Mapping):
            given["variables"] = dict(variables)
        defaults = {"latency_ms": 0, "probability": 1.0}
        sent = {k: v for k, v in given.items() if v is not None and defaults.get(k) != v}
        return str(self.call("POST", "faults", sent)["id"])

    def faults(self) -> list[dict[str, Any]]:
        """The rules in the order they are tried, each with how many times it ``struck``."""
        return list(self.call("GET", "faults"))

    def fault_remove(self, id: str) -> dict[str, Any]:
        return dict(self.call("DELETE", f"faults/{quote(str(id), safe='')}"))

    def faults_clear(self) -> dict[str, Any]:
        return dict(self.call("DELETE", "faults"))

    # ---- the journal

    def journal(
        self,
        operation: str | None = None,
        kind: str | None = None,
        since: Any = None,
        applied: bool | None = None,
    ) -> list[dict[str, Any]]:
        """The requests the emulator served, oldest first, masked."""
        params = {"operation": operation, "kind": kind, "since": since}
        if applied is not None:
            params["applied"] = "true" if applied else "false"
        return list(self.call("GET", "journal", params=params))

    def journal_clear(self) -> dict[str, Any]:
        return dict(self.call("DELETE", "journal"))

    def assert_called(
        self,
        operation: str,
        times: int | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        """As ``Emulator.assert_called``, on the journal fetched from the emulator."""
        called(self.journal(), operation, times, variables)

    # ---- snapshots

    def snapshot_save(self, name: str) -> dict[str, Any]:
        """Save the emulator's whole state as ``name`` (as ``Emulator.snapshot_save``)."""
        return dict(self.call("POST", "snapshots", {"name": name}))

    def snapshot_load(self, name: str) -> dict[str, Any]:
        """Put the state saved as ``name`` in place (as ``Emulator.snapshot_load``)."""
        return dict(self.call("POST", f"snapshots/{_segment(name)}/load"))

    def snapshots(self) -> list[dict[str, Any]]:
        """The snapshots saved, by name."""
        return list(self.call("GET", "snapshots")["snapshots"])

    def snapshot_delete(self, name: str) -> dict[str, Any]:
        return dict(self.call("DELETE", f"snapshots/{_segment(name)}"))


def _segment(name: str) -> str:
    """``name`` as one path segment, dots too: a URL library drops ``..`` segments, and the
    emulator is to refuse the name itself."""
    return quote(str(name), safe="").replace(".", "%2E")
