"""Publishing the component to a registry, as ``prism components:publish`` does for its own.

The manifest becomes ``publishComponent``'s input as the real schema types it;
the registry answers with presigned URLs, and the package and icons go up as
raw bytes with HTTP PUT. A registry that answers payload errors gets nothing
uploaded.

The two operations are files (``operations/``), posted and read by the executor
every action goes through. The uploads go through the connection's session too,
without its token: a presigned URL is another origin, and its own credential.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

from ..component.executor import execute
from ..component.manifest import ComponentSpec, InputSpec
from ..component.operations import scan
from ..component.runner import Component
from ..connection import Connection
from ..errors import PublishError, TransportError
from ..policy import Retry, Timeout
from ..redaction import scrub
from ..transport import Call, Transport
from . import examples, packaging

ACTION = "publish"
_OPERATIONS = Path(__file__).resolve().parent / "operations"
PUBLISH = (_OPERATIONS / "publishComponent.graphql").read_text(encoding="utf-8")
SIGNATURE = (_OPERATIONS / "componentSignature.graphql").read_text(encoding="utf-8")
_KINDS = {text: scan(text, ACTION) for text in (PUBLISH, SIGNATURE)}
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


def _within(conn: Connection, timeout: Timeout | float | None, retries: Retry | int | None) -> Call:
    """The publish as one call: its deadline, from now, and its retries."""
    limit = Timeout.of(timeout, conn.timeout)
    retry = Retry.of(retries, conn.retry)
    return Call(ACTION, "publishComponent", True, conn.clock.now() + limit.total, retry, limit)


def _run(
    component: Component, conn: Connection, text: str, variables: Mapping[str, Any], within: Call
) -> dict[str, Any]:
    return execute(
        conn,
        component.exchange(),
        text,
        variables,
        action=ACTION,
        operation=_KINDS[text],
        timeout=within.timeout,
        retry=within.retry,
        deadline=within.deadline,
    ).data


def latest_signature(
    component: Component,
    conn: Connection,
    *,
    timeout: Timeout | float | None = None,
    retries: Retry | int | None = None,
) -> Latest | None:
    """The registry's latest version of this component and its signature; None if it has none.

    Read-only: the one question ``publish`` asks before publishing, and a dry run asks alone.
    ``timeout`` and ``retries`` override the connection's, as for an action.
    """
    return _latest(component, conn, _within(conn, timeout, retries))


def _latest(component: Component, conn: Connection, within: Call) -> Latest | None:
    variables = {"key": component.spec.key, "public": False}
    data = _run(component, conn, SIGNATURE, variables, within)
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
    timeout: Timeout | float | None = None,
    retries: Retry | int | None = None,
) -> Published:
    """Publish, upload the package and icons, and say which version was made.

    When the registry already holds this package (same SHA-1): skip with
    ``skip_on_signature_match``, else ask ``confirm`` (a person at a terminal);
    with neither, publish anyway. ``timeout``: seconds for the whole publish, the
    signature query, ``publishComponent`` and every upload (a person's time to
    answer ``confirm`` is not counted); ``retries``: the most retries of each request.
    Both default to the connection's. A failed upload raises ``PublishError``.
    """
    sha1 = packaging.sha1(package)
    within = _within(conn, timeout, retries)
    latest = _latest(component, conn, within)
    if latest is not None and latest.signature == sha1:
        question = "The registry already has this exact package. Publish it again?"
        if skip_on_signature_match:
            return Published(None, None, sha1, skipped=True)
        if confirm is not None:
            asked = conn.clock.now()
            if not confirm(question):
                return Published(None, None, sha1, skipped=True)
            within = replace(within, deadline=within.deadline + conn.clock.now() - asked)
    data = _run(component, conn, PUBLISH, variables, within)
    payload = data.get("publishComponent") or {}
    errors = payload.get("errors") or []
    if errors:
        found = "; ".join(f"{e.get('field')}: {' '.join(e.get('messages') or [])}" for e in errors)
        raise PublishError(f"the registry refused the component, nothing was uploaded: {found}")
    result = payload.get("publishResult") or {}
    transport = conn.transport(component.exchange())
    for name, url, body, content_type in _uploads(component, result, package):
        if isinstance(url, str) and url:
            _upload(transport, name, url, body, content_type, within)
    made = result.get("component") or {}
    return Published(made.get("versionNumber"), made.get("id"), sha1)


def _uploads(
    component: Component, result: dict[str, Any], package: bytes
) -> list[tuple[str, Any, bytes, str]]:
    """(what, upload URL, bytes, content type) for each upload the registry asked for."""
    icon = component.bundle.asset(component.spec.icon).read_bytes()
    uploads = [("package", result.get("packageUploadUrl"), package, "application/zip")]
    uploads.append(("icon", result.get("iconUploadUrl"), icon, "image/png"))
    for item in result.get("connectionIconUploadUrls") or []:
        name = f"icon of connection {item.get('connectionKey')}"
        uploads.append((name, item.get("iconUploadUrl"), icon, "image/png"))
    return uploads


def _upload(
    transport: Transport, name: str, url: str, body: bytes, content_type: str, within: Call
) -> None:
    failure = ""
    try:
        answer = transport.put(url, body, content_type, within=within)
    except TransportError as exc:
        failure = str(exc).removeprefix(within.label)
    else:
        if not 200 <= answer.status < 300:
            failure = f"HTTP {answer.status}"
    if failure:
        # Raised outside the handler: the presigned URL's signature must not ride along.
        where = _without_query(url)
        raise PublishError(f"uploading the {name} to {where} failed: {_unsigned(failure, url)}")


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def _unsigned(text: str, url: str) -> str:
    """``text`` without the URL's query or any value in it, as sent or decoded: what an
    upload server said may quote the request."""
    query = urlsplit(url).query
    sent = [part.partition("=")[2] for part in query.split("&")]
    return scrub(text, [query, *sent, *(value for _, value in parse_qsl(query))])
