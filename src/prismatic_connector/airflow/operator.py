"""``PrismaticOperator``: one action as an Airflow task; its envelope becomes the XCom.

    PrismaticOperator(
        task_id="deploy",
        action="deployInstance",
        inputs={"instanceId": "{{ ti.xcom_pull('create')['data']['data']['createInstance']... }}"},
    )

A downstream task reads ``ti.xcom_pull(task_ids=...)["data"]["data"]``. Mutation
payload errors (``errors: [{field, messages}]``) fail the task unless
``fail_on_payload_errors=False``; a mutation whose outcome is unknown fails it
without a retry, since a retry could apply the change twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from ..errors import ConnectorError, InputError, OutcomeUnknownError
from ..runner import Envelope
from .hook import PrismaticHook


class PrismaticOperator(BaseOperator):
    template_fields: Sequence[str] = ("inputs",)

    def __init__(
        self,
        *,
        action: str,
        inputs: Mapping[str, Any] | None = None,
        prismatic_conn_id: str = PrismaticHook.default_conn_name,
        fail_on_payload_errors: bool = True,
        wait: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.action = action
        self.inputs = dict(inputs or {})
        self.prismatic_conn_id = prismatic_conn_id
        self.fail_on_payload_errors = fail_on_payload_errors
        self.wait = wait

    def execute(self, context: Any) -> Envelope:
        hook = PrismaticHook(self.prismatic_conn_id)
        failure: BaseException | None = None
        try:
            envelope = hook.run(self.action, self.inputs, wait=self.wait)
        except (OutcomeUnknownError, InputError) as exc:
            failure = AirflowFailException(str(exc))  # retrying cannot help, or could harm
        except ConnectorError as exc:
            failure = AirflowException(f"{type(exc).__name__}: {exc}")
        if failure is not None:
            raise failure
        errors = payload_errors(envelope)
        if errors and self.fail_on_payload_errors:
            shown = "; ".join(
                f"{e.get('field')}: {', '.join(e.get('messages') or [])}" for e in errors
            )
            raise AirflowFailException(f"{self.action} answered payload errors: {shown}")
        return envelope


def payload_errors(envelope: Envelope) -> list[dict[str, Any]]:
    """The ``errors`` of each mutation payload in the answer."""
    found: list[dict[str, Any]] = []
    for payload in (envelope["data"]["data"] or {}).values():
        if isinstance(payload, dict) and isinstance(payload.get("errors"), list):
            found += [e for e in payload["errors"] if isinstance(e, dict)]
    return found
