"""What a flow run is handed and what it keeps of it: the trigger payload, the request
as ``requestPayloadUrl`` serves it, and step results as ``resultsUrl`` serves them.

The trigger payload has the fields spectral's ``TriggerPayload`` documents; it is the
trigger step's result, which later steps read as ``results.body.data``,
``results.headers`` and so on. A step result is served as Prismatic's CLI decodes
it: msgpack of ``{data}``, the data a value of its own (not bytes in a content type).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..transaction import Record, Tx
from . import instances

# They frame the request as it was sent; a replay (prism flows:test -p) frames its own.
FRAMING = frozenset({"connection", "content-length", "keep-alive", "transfer-encoding"})
USER_FIELDS = ("id", "email", "name", "externalId")


@dataclass(frozen=True)
class Request:
    """How a run was invoked. ``url`` is empty for runs the API starts (flow tests)."""

    body: str = ""
    content_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    path_fragment: str = ""
    url: str = ""
    debug: bool = False


def headers_of(given: Any) -> dict[str, str]:
    """Header names in lower case, as a Node server hands them on, without framing ones."""
    pairs = given.items() if isinstance(given, Mapping) else []
    return {str(k).lower(): str(v) for k, v in pairs if str(k).lower() not in FRAMING}


def webhook_url(public_url: str, config_id: str) -> str:
    """A flow config's webhook URL, given the emulator's (``tx.meta("public_url")``)."""
    return f"{public_url}/trigger/{config_id}"


def payload(
    tx: Tx, request: Request, run: Mapping[str, Any], records: Mapping[str, Record]
) -> dict[str, Any]:
    """The trigger payload of run ``{id, startedAt}``; ``records``: its instance, flow config,
    flow, integration and customer (empty ones where a run has none)."""
    instance, config = records["instance"], records["config"]
    configs = instances.flow_configs(tx, instance) if instance.get("id") else [config]
    integration, customer, flow = records["integration"], records["customer"], records["flow"]
    public_url = tx.meta("public_url") or ""
    return {
        "headers": headers_of(request.headers),
        "queryParameters": dict(request.query),
        "rawBody": {"data": request.body},
        "body": {
            "data": decoded(request.body, request.content_type),
            "contentType": request.content_type or "",
        },
        "pathFragment": request.path_fragment,
        "webhookUrls": {c["flowName"]: webhook_url(public_url, c["id"]) for c in configs},
        "webhookApiKeys": {c["flowName"]: list(c.get("apiKeys") or []) for c in configs},
        "invokeUrl": request.url or webhook_url(public_url, config["id"]),
        "executionId": run["id"],
        "customer": _attributes(customer, "id", "externalId", "name"),
        "instance": _attributes(instance, "id", "name"),
        # A user appears only with user-level configuration, which the emulator has not.
        "user": dict.fromkeys(USER_FIELDS, ""),
        "integration": _attributes(
            integration, "id", "name", "versionSequenceId", "externalVersion"
        ),
        "flow": _attributes(flow, "id", "name"),
        "startedAt": run["startedAt"],
        "globalDebug": bool(instance.get("globalDebug")) or request.debug,
    }


def decoded(body: str, content_type: str | None) -> Any:
    """The body as a webhook trigger parses it: JSON when it says so, else the text."""
    if content_type and "json" in content_type:
        try:
            return json.loads(body) if body else None
        except ValueError:
            return body
    return body


def request_document(run: Record) -> bytes:
    """What ``requestPayloadUrl`` serves: the body in base64, its content type and the other
    headers (a JSON text), as prism's ``integrations:flows:listen`` reads them."""
    body = str(run.get("requestPayload") or "")
    # The content type has a field of its own; a replay that also sent it as a header
    # would send it twice.
    headers = {k: v for k, v in (run.get("requestHeaders") or {}).items() if k != "content-type"}
    document = {
        "headers": json.dumps(headers),
        "body": base64.b64encode(body.encode()).decode(),
        "contentType": run.get("requestContentType") or "",
    }
    return json.dumps(document).encode()


def served_result(step: Record) -> dict[str, Any]:
    """A step's result as ``resultsUrl`` serves it, before msgpack: ``{data}``."""
    output = step.get("output") or {}
    # Runs recorded before trigger payloads kept the request under "payload".
    data = output["data"] if "data" in output else output.get("payload")
    if output.get("trigger") and isinstance(data, dict):
        raw = data.get("rawBody") or {}
        # A trigger is handed the raw body as a Buffer, which msgpack keeps as bytes.
        data = {**data, "rawBody": {**raw, "data": str(raw.get("data") or "").encode()}}
    return {"data": data}


def _attributes(record: Record, *names: str) -> dict[str, Any]:
    return {name: record.get(name) or "" for name in names}
