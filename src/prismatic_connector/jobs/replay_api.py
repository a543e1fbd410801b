"""The requests a replay makes: the failed originals it plans from, their replays, the mutation.

The listing asks for each failed original with its replays in one page (100 at a time),
by the integration's version sequence, so every version's runs come in one walk. The
mutation goes through the connector's own ``replayExecution`` action, with the same
operation, retries and refusals as ``invoke``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..component import answers
from ..component.runner import Component
from ..connection import Connection
from ..errors import GraphQLError, InputError

ACTION = "replay"
RUN_FIELDS = """
    id status startedAt
    instance { id name customer { name } }
    flow { name }
    replays(first: 100) { nodes { id status } }
"""
RESOLVE = """query replayIntegration($id: ID!) {
  integration(id: $id) { id name versionSequenceId }
}"""
LIST = f"""query replayCandidates($sequence: UUID, $instance: ID, $since: DateTime,
                                $until: DateTime, $after: String) {{
  executionResults(status: ERROR, replayForExecution_Isnull: true,
                   integration_VersionSequenceId: $sequence, instance: $instance,
                   startedAt_Gte: $since, startedAt_Lte: $until, first: 100, after: $after,
                   orderBy: {{field: STARTED_AT, direction: ASC}}) {{
    nodes {{ {RUN_FIELDS} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
READ = f"""query replayOriginal($id: ID!) {{
  executionResult(id: $id) {{ {RUN_FIELDS} }}
}}"""
__all__ = ["Api", "Original", "decide"]


@dataclass(frozen=True)
class Original:
    """A failed run that is not a replay, with its replays (ID, status) as the API answered."""

    id: str
    started: str
    instance: str
    instance_name: str
    customer: str
    flow: str
    replays: tuple[tuple[str, str], ...]


def original(node: dict[str, Any]) -> Original:
    instance = node.get("instance") or {}
    replays = ((node.get("replays") or {}).get("nodes")) or []
    return Original(
        id=node["id"],
        started=node.get("startedAt") or "",
        instance=instance.get("id") or "",
        instance_name=instance.get("name") or "",
        customer=(instance.get("customer") or {}).get("name") or "",
        flow=(node.get("flow") or {}).get("name") or "",
        replays=tuple((r["id"], r.get("status") or "") for r in replays),
    )


def decide(run: Original, again: bool) -> str | None:
    """Why the run is skipped, or None when it is to be replayed (Prismatic's own rule:
    a replay that succeeded or is still going settles it; only failed replays leave it open)."""
    settled = [rid for rid, status in run.replays if status != "ERROR"]
    if settled:
        return f"replay {settled[-1]} succeeded or is still running"
    if run.replays and not again:
        return "its replays all failed (add --again-if-replay-failed to replay it again)"
    return None


class Api:
    """The replay's view of Prismatic through one connection (and its one limiter)."""

    def __init__(self, component: Component, connection: Connection) -> None:
        self.component = component
        self.connection = connection
        self.transport = connection.transport(component.exchange())

    def _query(self, query: str, variables: dict[str, Any], operation: str) -> dict[str, Any]:
        answer = self.transport.graphql(
            query, variables, action=ACTION, operation=operation, mutation=False
        )
        return answers.interpret(ACTION, answer)

    def resolve(self, integration_id: str) -> tuple[str, str]:
        """The integration's name and version sequence, from any version's or the draft's ID."""
        try:
            found = self._query(RESOLVE, {"id": integration_id}, "replayIntegration")
        except GraphQLError:
            found = {}
        node = found.get("integration")
        if not node:
            raise InputError(ACTION, "integration", f"no integration has the ID {integration_id!r}")
        return str(node["name"]), str(node["versionSequenceId"])

    def originals(
        self,
        sequence: str | None,
        instance: str | None,
        since: datetime | None,
        until: datetime | None,
    ) -> Iterator[Original]:
        """Every failed original in the window, oldest first, each with its replays."""
        variables: dict[str, Any] = {
            "sequence": sequence,
            "instance": instance,
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "after": None,
        }
        while True:
            page = self._query(LIST, variables, "replayCandidates")["executionResults"]
            yield from (original(node) for node in page["nodes"])
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage") or not info.get("endCursor"):
                return
            variables["after"] = info["endCursor"]

    def read(self, execution_id: str) -> Original:
        node = self._query(READ, {"id": execution_id}, "replayOriginal").get("executionResult")
        if not node:
            raise InputError(ACTION, "execution", f"execution {execution_id} no longer exists")
        return original(node)

    def replay(self, execution_id: str) -> str:
        """Replay the run; the replay's execution ID."""
        envelope = self.component.invoke(
            "replayExecution",
            {"executionId": execution_id},
            connection=self.connection,
            raise_on_payload_errors=True,
        )
        payload = envelope["data"]["data"]
        payload = payload.get("replayExecution", payload)
        return str(payload["instanceExecutionResult"]["id"])
