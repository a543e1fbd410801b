"""``PrismaticHook``: a task's way to run any action on a ``prismatic`` Airflow connection."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow.sdk import BaseHook

from ..component.runner import Envelope, load_component
from ..connection import Connection
from ..errors import ConnectorError
from . import UI_FIELD_BEHAVIOUR


class PrismaticHook(BaseHook):
    conn_name_attr = "prismatic_conn_id"
    default_conn_name = "prismatic_default"
    conn_type = "prismatic"
    hook_name = "Prismatic"

    def __init__(self, prismatic_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.prismatic_conn_id = prismatic_conn_id
        self._stored: dict[str, Any] | None = None

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return UI_FIELD_BEHAVIOUR

    def get_conn(self) -> Connection:
        """The connector's Connection for the Airflow connection, reused within the worker."""
        return load_component().connection(self._values(), action=self.prismatic_conn_id)

    def _values(self) -> dict[str, Any]:
        """The Airflow connection as a runner's connection values, read once per hook."""
        if self._stored is None:
            stored = self.get_connection(self.prismatic_conn_id)
            extra = stored.extra_dejson or {}
            values = {
                "apiKey": stored.password,
                "baseUrl": stored.host,
                "tenantId": extra.get("tenant_id"),
            }
            self._stored = {k: v for k, v in values.items() if v}
        return self._stored

    def run(
        self,
        action: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        wait: bool = False,
        raise_on_payload_errors: bool = False,
    ) -> Envelope:
        return load_component().invoke(
            action,
            inputs or {},
            connection=self._values(),
            wait=wait,
            raise_on_payload_errors=raise_on_payload_errors,
        )

    def test_connection(self) -> tuple[bool, str]:
        """What the UI's Test button runs: exchange the token and read the current user."""
        failure = ""
        try:
            user = self.run("getCurrentUser")["data"]["data"]["authenticatedUser"]
        except ConnectorError as exc:
            failure = f"{type(exc).__name__}: {exc}"
        if failure:
            return False, failure
        return True, f"Connected as {user.get('email') or user.get('name') or user.get('id')}"
