"""The requests a rollout makes: the reads it plans and settles with, and its two mutations.

The mutations go through the connector's own actions (``updateInstanceVersion``,
``deployInstance``), so they carry the same operation, retries and refusals as
``invoke``; the reads ask only for the fields the decisions need.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..component import answers
from ..component.runner import Component
from ..connection import Connection
from ..errors import GraphQLError, InputError
from .rollout_plan import Observed, Target, observed

INSTANCE_FIELDS = """
    id name enabled deployedVersion needsDeploy inFailedState
    customer { id name }
    integration { id versionNumber }
    configVariables { nodes { status requiredConfigVariable { key } } }
"""
VERSION_FIELDS = """
    id versionNumber
    requiredConfigVariables(first: 100) { nodes { key dataType defaultValue } }
    flows(first: 100) { nodes { name } }
"""
RESOLVE = f"""query rolloutTarget($id: ID!, $number: Int, $latest: Boolean) {{
  integration(id: $id) {{
    id name versionSequenceId
    target: versionAt(versionNumber: $number, latestAvailable: $latest) {{ {VERSION_FIELDS} }}
  }}
}}"""
LIST = f"""query rolloutInstances($sequence: UUID, $after: String) {{
  instances(isSystem: false, integration_VersionSequenceId: $sequence, first: 100,
            after: $after) {{
    nodes {{ {INSTANCE_FIELDS} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
READ = f"""query rolloutInstance($id: ID!) {{
  instance(id: $id) {{ {INSTANCE_FIELDS} flowConfigs {{ nodes {{ id flow {{ name }} }} }} }}
}}"""
SMOKE = """mutation rolloutSmokeTest($id: ID!) {
  testInstanceFlowConfig(input: {id: $id}) {
    testInstanceFlowConfigResult { execution { id status error } }
    errors { field messages }
  }
}"""
EXECUTION = """query rolloutSmokeRun($id: ID!) {
  executionResult(id: $id) { id status error }
}"""
ACTION = "rollout"


class Api:
    """The rollout's view of Prismatic through one connection (and its one limiter)."""

    def __init__(self, component: Component, connection: Connection) -> None:
        self.component = component
        self.connection = connection
        self.transport = connection.transport(component.exchange())

    def _query(self, query: str, variables: dict[str, Any], operation: str) -> dict[str, Any]:
        answer = self.transport.graphql(
            query, variables, action=ACTION, operation=operation, mutation=False
        )
        return answers.interpret(ACTION, answer)

    def resolve(self, integration_id: str, to_version: int | None) -> tuple[str, str, Target]:
        """The integration's name, its version sequence and the target version."""
        variables = {"id": integration_id, "number": to_version, "latest": to_version is None}
        try:
            found = self._query(RESOLVE, variables, "rolloutTarget").get("integration")
        except GraphQLError:
            found = None
        if not found:
            raise InputError(ACTION, "integration", f"no integration has the ID {integration_id!r}")
        version = found.get("target")
        if not version:
            wanted = f"version {to_version}" if to_version is not None else "a published version"
            raise InputError(ACTION, "to_version", f"{found['name']!r} has no {wanted}")
        required = tuple(
            (v["key"], v["dataType"], v.get("defaultValue"))
            for v in version["requiredConfigVariables"]["nodes"]
        )
        flows = tuple(f["name"] for f in version["flows"]["nodes"])
        target = Target(version["id"], int(version["versionNumber"]), required, flows)
        return found["name"], found["versionSequenceId"], target

    def instances(self, sequence: str) -> Iterator[Observed]:
        """Every non-system instance of any version of the integration."""
        cursor: str | None = None
        while True:
            data = self._query(LIST, {"sequence": sequence, "after": cursor}, "rolloutInstances")
            page = data["instances"]
            yield from (observed(node) for node in page["nodes"])
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage") or not info.get("endCursor"):
                return
            cursor = info["endCursor"]

    def read(self, instance_id: str) -> Observed:
        node = self._query(READ, {"id": instance_id}, "rolloutInstance").get("instance")
        if not node:
            raise InputError(ACTION, "instance", f"instance {instance_id} no longer exists")
        return observed(node)

    def smoke_test(self, flow_config_id: str) -> dict[str, Any]:
        """Start a test of the flow config; its execution (``id``, ``status``, ``error``)."""
        answer = self.transport.graphql(
            SMOKE,
            {"id": flow_config_id},
            action=ACTION,
            operation="rolloutSmokeTest",
            mutation=True,
        )
        payload = answers.interpret(ACTION, answer)["testInstanceFlowConfig"]
        if payload.get("errors"):
            messages = [m for e in payload["errors"] for m in e.get("messages") or []]
            raise InputError(ACTION, "smoke_flow", "; ".join(messages) or "the test was refused")
        execution: dict[str, Any] = payload["testInstanceFlowConfigResult"]["execution"]
        return execution

    def execution(self, execution_id: str) -> dict[str, Any]:
        found = self._query(EXECUTION, {"id": execution_id}, "rolloutSmokeRun")
        return dict(found.get("executionResult") or {})

    def move(self, instance_id: str, version_id: str) -> None:
        self.component.invoke(
            "updateInstanceVersion",
            {"instanceId": instance_id, "versionId": version_id},
            connection=self.connection,
            raise_on_payload_errors=True,
        )

    def deploy(self, instance_id: str) -> None:
        self.component.invoke(
            "deployInstance",
            {"instanceId": instance_id},
            connection=self.connection,
            raise_on_payload_errors=True,
        )
