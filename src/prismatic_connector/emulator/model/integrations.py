"""Integrations: the draft and its published versions, their flows and required config variables.

The draft is the integration's canonical record. Publishing snapshots the draft
into a new version record (``versionNumber`` + 1) in the same version sequence;
the draft keeps the latest published number and loses its unpublished changes.
Only the latest published version has ``versionIsLatest``, and every draft does.
"""

from __future__ import annotations

import json
from typing import Any

from .. import definitions, ids
from ..query import Listing
from ..transaction import Record, Tx, Where, field_sql
from . import components
from .base import Invalid, clean_labels, related, stamp

ORDER = {
    "CATEGORY": "category",
    "CREATED_AT": "createdAt",
    "CUSTOMER": "customer",
    "DESCRIPTION": "description",
    "NAME": "name",
    "PUBLISHED_AT": "versionCreatedAt",
    "UPDATED_AT": "updatedAt",
    "VERSION_NUMBER": "versionNumber",
}
LISTING = Listing(
    order_fields=ORDER,
    handled=(
        "allVersions",
        "hasInstances",
        "marketplace",
        "hasOutdatedComponents",
        "activated",
        "includeActiveIntegrations",
        "strictMatchFilterQuery",
    ),
    # Published versions sort ahead of their draft when the sort keys tie.
    first=(field_sql("isDraft"),),
)
VERSIONS = Listing(order_fields=ORDER, newest_first=True)
FLOWS = Listing(first=(field_sql("sortOrder"),))
_NUMBER_DESC = f"{field_sql('versionNumber')} DESC"


def integration(definition: dict[str, Any], *, customer: Any = None, parent: Any = None) -> Record:
    """A new integration's draft, described by its definition."""
    return stamp(
        {
            "id": ids.new_id("Integration"),
            "versionSequenceId": ids.new_uuid(),
            "isDraft": True,
            "draft": None,
            **described_by(definition),
            "avatarUrl": None,
            "customer": customer,
            "parent": parent,
            "versionNumber": 0,
            "versionIsAvailable": True,
            "versionIsLatest": True,
            "versionComment": None,
            "versionCreatedAt": None,
            "versionCreatedBy": None,
            "versionAttributes": None,
            "hasUnpublishedChanges": True,
            "isCodeNative": False,
            "endpointType": str(definition.get("endpointType") or "flow_specific").upper(),
            "marketplaceConfiguration": "NOT_AVAILABLE_IN_MARKETPLACE",
            "allowMultipleMarketplaceInstances": False,
            "useAsTemplate": False,
            "starred": False,
            "allowPublish": True,
            "allowFork": True,
            "allowUpdate": True,
            "allowRemove": True,
            "attachments": [],
            "systemInstance": None,
        },
        created=True,
    )


def version(draft: Record, *, number: int, comment: Any, by: str, attributes: Any) -> Record:
    """A published snapshot of ``draft``."""
    moment = ids.now()
    return {
        **draft,
        "id": ids.new_id("Integration"),
        "isDraft": False,
        "draft": draft["id"],
        "versionNumber": number,
        "versionIsAvailable": True,
        "versionIsLatest": True,
        "versionComment": comment,
        "versionCreatedAt": moment,
        "versionCreatedBy": by,
        "versionAttributes": attributes,
        "hasUnpublishedChanges": False,
        "systemInstance": None,
        "createdAt": moment,
        "updatedAt": moment,
    }


def flow(record: Record, spec: dict[str, Any], n: int, previous: Record | None) -> Record:
    """A flow of an integration record, from its definition; ``previous`` keeps its ID and tests."""
    retry = spec.get("retryConfig") or {}
    kept = previous or {}
    return {
        "id": kept.get("id") or ids.new_id("IntegrationFlow"),
        "integration": record["id"],
        "name": spec["name"],
        "stableKey": spec.get("stableKey"),
        "stableId": spec.get("stableId"),
        "description": spec.get("description") or "",
        "sortOrder": n,
        "isSynchronous": bool(spec.get("isSynchronous")),
        "isAgentFlow": bool(spec.get("isAgentFlow")),
        "endpointSecurityType": str(spec.get("endpointSecurityType")).upper(),
        "retryMaxAttempts": int(retry.get("maxAttempts") or 0),
        "retryDelayMinutes": int(retry.get("delayMinutes") or 0),
        "retryUsesExponentialBackoff": bool(retry.get("usesExponentialBackoff")),
        "schemas": json.dumps(spec["schemas"]) if spec.get("schemas") else None,
        "steps": spec["steps"],
        "testPayload": kept.get("testPayload"),
        "testContentType": kept.get("testContentType"),
        "testHeaders": kept.get("testHeaders"),
        "organizationApiKeys": kept.get("organizationApiKeys", []),
        "lastExecutedAt": kept.get("lastExecutedAt"),
        "allowUpdate": True,
        "allowRemove": True,
    }


def described_by(definition: dict[str, Any]) -> dict[str, Any]:
    """What an integration record takes from its definition."""
    return {
        "definition": definition,
        "name": definition["name"],
        "description": definition.get("description") or "",
        "category": definition.get("category"),
        "labels": clean_labels(definition.get("labels")),
        "documentation": definition.get("documentation"),
    }


def parse(tx: Tx, text: str) -> dict[str, Any]:
    """A definition from YAML; raises ``definitions.DefinitionError``."""

    def component_version(key: str) -> int | None:
        latest = components.latest_version(tx, key)
        return int(latest["versionNumber"]) if latest else None

    return definitions.parse(text, component_version)


def parse_input(tx: Tx, text: str) -> dict[str, Any]:
    """A mutation's ``definition``: its problems are the payload's errors."""
    try:
        return parse(tx, text)
    except definitions.DefinitionError as exc:
        raise Invalid.on("definition", *exc.messages) from None


# ---------------------------------------------------------------- versions


def draft_of(tx: Tx, record: Record) -> Record:
    return record if record["isDraft"] else (tx.get("Integration", record["draft"]) or record)


def sequence_ids(tx: Tx, record: Record) -> list[str]:
    return tx.ids("Integration", versionSequenceId=record["versionSequenceId"])


def published(tx: Tx, record: Record, condition: Where | None = None) -> list[Record]:
    """The published versions of the record's integration, newest first."""
    scope = Where().equal("versionSequenceId", record["versionSequenceId"]).equal("isDraft", False)
    return tx.select("Integration", scope.extend(condition or Where()), order=(_NUMBER_DESC,))


def latest_available(tx: Tx, record: Record) -> Record | None:
    """The version an instance of this integration gets when given its canonical ID."""
    found = published(tx, record, Where().equal("versionIsAvailable", True))
    return found[0] if found else None


def version_at(tx: Tx, record: Record, args: dict[str, Any]) -> Record | None:
    condition = Where()
    if args.get("versionNumber") is not None:
        condition.equal("versionNumber", args["versionNumber"])
    elif args.get("latestAvailable"):
        condition.equal("versionIsAvailable", True)
    elif args.get("id"):
        condition.add("r.id = ?", args["id"])
    found = published(tx, record, condition)
    return found[0] if found else None


def versions(tx: Tx, record: Record) -> list[Record]:
    return [
        {
            "id": ids.encode("Version", r["id"]),
            "versionNumber": r["versionNumber"],
            "publishedBy": related(tx, r.get("versionCreatedBy")),
            "publishedAt": r["versionCreatedAt"],
            "comment": r.get("versionComment"),
            "isAvailable": r["versionIsAvailable"],
        }
        for r in published(tx, record)
    ]


def list_scope(args: dict[str, Any]) -> Where:
    """What the ``integrations`` arguments the plain filters do not cover select."""
    scope = Where()
    if not args.get("allVersions"):
        scope.equal("isDraft", True)
    if args.get("hasInstances"):
        # Through the indexes: the sequence's versions, then an instance of one of them.
        scope.add(
            "EXISTS (SELECT 1 FROM records v JOIN records i"
            f" ON i.type = 'Instance' AND {field_sql('integration', 'i.data')} = v.id"
            f" WHERE v.type = 'Integration'"
            f" AND {field_sql('versionSequenceId', 'v.data')} = {field_sql('versionSequenceId')}"
            f" AND {field_sql('isSystem', 'i.data')} = 0)"
        )
    if args.get("marketplace"):
        scope.add(f"{field_sql('marketplaceConfiguration')} != 'NOT_AVAILABLE_IN_MARKETPLACE'")
    return scope


def marketplace_scope() -> Where:
    return (
        Where()
        .equal("isDraft", False)
        .equal("versionIsAvailable", True)
        .equal("versionIsLatest", True)
        .add(f"{field_sql('marketplaceConfiguration')} != 'NOT_AVAILABLE_IN_MARKETPLACE'")
    )


# ---------------------------------------------------------------- flows and variables


def flows(tx: Tx, record: Record) -> list[Record]:
    return tx.select(
        "IntegrationFlow", Where().equal("integration", record["id"]), order=FLOWS.first
    )


def write_flows(tx: Tx, record: Record) -> None:
    """Replace the record's flows with its definition's; a flow that keeps its name keeps its ID."""
    old = {f["name"]: f for f in tx.find("IntegrationFlow", integration=record["id"])}
    for n, spec in enumerate(record["definition"]["flows"]):
        previous = old.pop(spec["name"], None)
        made = flow(record, spec, n, previous)
        (tx.put if previous else tx.insert)("IntegrationFlow", made)
    for gone in old.values():
        tx.delete("IntegrationFlow", gone["id"])


def step_action(flow: Record, step: dict[str, Any]) -> dict[str, Any]:
    """A flow step as an IntegrationAction, its component action named by key."""
    action = step.get("action") or {}
    component_key = (action.get("component") or {}).get("key")
    return {
        "id": ids.encode("IntegrationAction", f"{flow['id']}:{step.get('name')}"),
        "name": step.get("name"),
        "stableKey": step.get("stableKey"),
        "description": step.get("description") or "",
        "integration": flow["integration"],
        "action": {
            "componentKey": component_key,
            "key": action.get("key"),
            "isTrigger": bool(step.get("isTrigger")),
        },
        "errorHandlerType": (
            (step.get("errorConfig") or {}).get("errorHandlerType") or "fail"
        ).upper(),
    }


def required_vars(record: Record) -> list[dict[str, Any]]:
    out = []
    for n, var in enumerate(record["definition"].get("requiredConfigVars") or []):
        connection = var.get("connection") or {}
        collection = var.get("collectionType")
        out.append(
            {
                "id": ids.encode(
                    "RequiredConfigVariable", f"{record['versionSequenceId']}:{var['key']}"
                ),
                "key": var["key"],
                "stableKey": var.get("stableKey"),
                "description": var.get("description") or "",
                "dataType": str(var.get("dataType") or "string").upper(),
                "collectionType": str(collection).upper() if collection else None,
                "defaultValue": _default_value(var),
                "orgOnly": bool(var.get("orgOnly")),
                "sortOrder": n,
                "pickList": json.dumps(var["pickList"]) if var.get("pickList") else None,
                "connectionInputs": list((var.get("inputs") or {}).items())
                if connection or var.get("inputs")
                else [],
                "integration": record["id"],
            }
        )
    return out


def _default_value(var: dict[str, Any]) -> str | None:
    if str(var.get("dataType", "")).lower() == "connection":
        return None
    value = var.get("defaultValue")
    if value is None:
        return "[]" if var.get("collectionType") else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)
