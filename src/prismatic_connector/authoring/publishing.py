"""Publishing the component to a registry, as ``prism components:publish`` does for its own.

The manifest becomes ``publishComponent``'s input as the real schema types it;
the registry answers with presigned URLs, and the package and icons go up as
raw bytes with HTTP PUT. A registry that answers payload errors gets nothing
uploaded.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import requests

from ..component import answers
from ..component.manifest import ComponentSpec, InputSpec
from ..component.runner import Component
from ..connection import Connection
from ..errors import PublishError
from . import examples, packaging

ACTION = "publish"
PUBLISH = """mutation publishComponent(
  $definition: ComponentDefinitionInput!, $actions: [ActionDefinitionInput]
  $connections: [ConnectionDefinitionInput], $comment: String, $customer: ID
  $attributes: String
) {
  publishComponent(input: {definition: $definition, actions: $actions,
    connections: $connections, comment: $comment, customer: $customer,
    attributes: $attributes}) {
    publishResult {
      component { id versionNumber }
      packageUploadUrl
      iconUploadUrl
      connectionIconUploadUrls { connectionKey iconUploadUrl }
    }
    errors { field messages }
  }
}"""
SIGNATURE = """query componentSignature($key: String!, $public: Boolean) {
  components(key: $key, public: $public) { nodes { signature versionNumber } }
}"""
UPLOAD_TIMEOUT_S = 120.0
_TYPES = {"integer": "string", "json": "code"}


class Latest(NamedTuple):
    """The registry's latest version of a component: its package's SHA-1, and its number."""

    signature: str | None
    version: int | None


@dataclass(frozen=True)
class Published:
    version: int | None
    component_id: str | None
    sha1: str
    skipped: bool = False


def _input_field(spec: InputSpec) -> dict[str, Any]:
    field: dict[str, Any] = {
        "key": spec.key,
        "label": spec.label,
        "type": "password" if spec.secret else _TYPES.get(spec.type, spec.type),
        "required": spec.required,
        "comments": spec.comments or None,
        "collection": None,
        "model": None,
    }
    if spec.default is not None:
        field["default"] = spec.default
    if spec.type == "json":
        field["language"] = "json"
    return field


def example_payload(component: Component, key: str) -> str:
    """The action's example payload as JSON text; ``{}`` when it has none, as prism sends."""
    found = examples.read(component, key)
    return "{}" if found is None else json.dumps(found, separators=(",", ":"))


def publish_variables(
    component: Component,
    *,
    comment: str | None = None,
    customer: str | None = None,
    attributes: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``publishComponent``'s input for this component, field by field as the schema types it."""
    spec: ComponentSpec = component.spec
    connection = spec.connection
    return {
        "definition": {
            "key": spec.key,
            "public": False,
            "display": {
                "label": spec.label,
                "description": spec.description,
                "category": "Application Connectors",
                "iconPath": spec.icon,
            },
            "authorization": {"required": True, "methods": [connection.key]},
        },
        "actions": [
            {
                "key": action.key,
                "display": {"label": action.label, "description": action.description},
                "inputs": [_input_field(i) for i in action.inputs],
                "examplePayload": example_payload(component, action.key),
            }
            for action in spec.actions
        ],
        "connections": [
            {
                "key": connection.key,
                "label": connection.label,
                "comments": connection.comments,
                "iconPath": spec.icon,
                "inputs": [
                    {**_input_field(i), "shown": True, "onPremiseControlled": False}
                    for i in connection.inputs
                ],
            }
        ],
        "comment": comment,
        "customer": customer,
        "attributes": json.dumps(attributes, sort_keys=True) if attributes else None,
    }


def git_attributes(folder: Path) -> dict[str, str] | None:
    """The commit hash, commit URL and repository URL of a git checkout; None outside one."""

    def git(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 - fixed git arguments, no shell
            ["git", "-C", str(folder), *args],  # noqa: S607 - git from PATH, as a user runs it
            capture_output=True,
            text=True,
            timeout=10,
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    try:
        commit = git("rev-parse", "HEAD")
        remote = git("config", "--get", "remote.origin.url")
    except (OSError, subprocess.SubprocessError):
        return None
    if not commit:
        return None
    found = {"commitHash": commit}
    repo = _web_url(remote)
    if repo:
        found.update(repoUrl=repo, commitUrl=f"{repo}/commit/{commit}")
    return found


def _web_url(remote: str) -> str:
    """A remote as a web address: ``git@host:owner/repo.git`` -> ``https://host/owner/repo``."""
    remote = remote.strip()
    if remote.startswith("git@") and ":" in remote:
        host, _, path = remote[4:].partition(":")
        remote = f"https://{host}/{path}"
    if not remote.startswith(("https://", "http://")):
        return ""
    parts = urlsplit(remote)
    path = parts.path.removesuffix(".git").rstrip("/")
    return f"{parts.scheme}://{parts.hostname}{path}" if parts.hostname else ""


def _graphql(
    component: Component, conn: Connection, query: str, variables: dict[str, Any], mutation: bool
) -> dict[str, Any]:
    operation = "publishComponent" if mutation else "componentSignature"
    answer = conn.transport(component.exchange()).graphql(
        query, variables, action=ACTION, operation=operation, mutation=mutation
    )
    return answers.interpret(ACTION, answer)


def latest_signature(component: Component, conn: Connection) -> Latest | None:
    """The registry's latest version of this component and its signature; None if it has none.

    Read-only: the one question ``publish`` asks before publishing, and a dry run asks alone.
    """
    data = _graphql(component, conn, SIGNATURE, {"key": component.spec.key, "public": False}, False)
    nodes = (data.get("components") or {}).get("nodes") or []
    latest = max(nodes, key=lambda n: n.get("versionNumber") or 0, default=None)
    if latest is None:
        return None
    return Latest(latest.get("signature"), latest.get("versionNumber"))


def publish(
    component: Component,
    conn: Connection,
    variables: dict[str, Any],
    package: bytes,
    *,
    skip_on_signature_match: bool = False,
    confirm: Callable[[str], bool] | None = None,
) -> Published:
    """Publish, upload the package and icons, and say which version was made.

    When the registry already holds this package (same SHA-1): skip with
    ``skip_on_signature_match``, else ask ``confirm`` (a person at a terminal);
    with neither, publish anyway.
    """
    sha1 = packaging.sha1(package)
    latest = latest_signature(component, conn)
    if latest is not None and latest.signature == sha1:
        question = "The registry already has this exact package. Publish it again?"
        if skip_on_signature_match or (confirm is not None and not confirm(question)):
            return Published(None, None, sha1, skipped=True)
    data = _graphql(component, conn, PUBLISH, variables, True)
    payload = data.get("publishComponent") or {}
    errors = payload.get("errors") or []
    if errors:
        found = "; ".join(f"{e.get('field')}: {' '.join(e.get('messages') or [])}" for e in errors)
        raise PublishError(f"the registry refused the component, nothing was uploaded: {found}")
    result = payload.get("publishResult") or {}
    icon = component.bundle.asset(component.spec.icon).read_bytes()
    uploads = [("package", result.get("packageUploadUrl"), package, "application/zip")]
    uploads.append(("icon", result.get("iconUploadUrl"), icon, "image/png"))
    for item in result.get("connectionIconUploadUrls") or []:
        name = f"icon of connection {item.get('connectionKey')}"
        uploads.append((name, item.get("iconUploadUrl"), icon, "image/png"))
    session = requests.Session()
    try:
        for name, url, body, content_type in uploads:
            if url:
                _upload(session, name, url, body, content_type)
    finally:
        session.close()
    made = result.get("component") or {}
    return Published(made.get("versionNumber"), made.get("id"), sha1)


def _upload(session: requests.Session, name: str, url: str, body: bytes, content_type: str) -> None:
    where = _without_query(url)
    failure = ""
    try:
        answer = session.put(
            url, data=body, headers={"Content-Type": content_type}, timeout=UPLOAD_TIMEOUT_S
        )
        if not 200 <= answer.status_code < 300:
            failure = f"HTTP {answer.status_code}"
    except requests.RequestException as exc:
        failure = type(exc).__name__
    if failure:
        # Raised outside the handler: the presigned URL's signature must not ride along.
        raise PublishError(f"uploading the {name} to {where} failed: {failure}")


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
