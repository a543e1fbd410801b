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

from ..component.failures import EXIT_USAGE, exit_status
from ..component.failures import payload_errors as _payload_errors
from ..component.runner import Envelope
from ..errors import ConnectorError, OutcomeUnknownError, PayloadError
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
        failure: BaseException
        try:
            return hook.run(
                self.action,
                self.inputs,
                wait=self.wait,
                raise_on_payload_errors=self.fail_on_payload_errors,
            )
        except (OutcomeUnknownError, PayloadError) as exc:
            failure = AirflowFailException(str(exc))  # retrying cannot help, or could harm
        except ConnectorError as exc:
            if exit_status(exc) == EXIT_USAGE:  # an input, or no token at all: fix, not retry
                failure = AirflowFailException(str(exc))
            else:
                failure = AirflowException(f"{type(exc).__name__}: {exc}")
        raise failure


def payload_errors(envelope: Envelope) -> list[dict[str, Any]]:
    """The ``errors`` of each mutation payload in the answer, as ``{field, messages}``."""
    return [
        {"field": e["field"], "messages": e["messages"]}
        for e in _payload_errors(envelope["data"]["data"])
    ]
