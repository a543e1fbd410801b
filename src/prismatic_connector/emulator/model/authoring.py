"""Making and changing integrations: create, import, update, publish, fork, delete.

Every change to a draft's definition is carried to its flows and to the flow
configs of its test instance.
"""

from __future__ import annotations

import json
from typing import Any

from .. import definitions
from ..transaction import Record, Tx
from . import instances, integrations
from .base import Invalid, check_name, clean_labels, require, stamp

MARKETPLACE = (
    "AVAILABLE_AND_DEPLOYABLE",
    "AVAILABLE_NOT_DEPLOYABLE",
    "NOT_AVAILABLE_IN_MARKETPLACE",
)


def new_draft(
    tx: Tx, definition: dict[str, Any], *, customer: Any = None, parent: Any = None
) -> Record:
    """An integration's draft, its flows, and its test instance."""
    draft = tx.insert(
        "Integration", integrations.integration(definition, customer=customer, parent=parent)
    )
    integrations.write_flows(tx, draft)
    return instances.add_test_instance(tx, draft)


def _redefine(tx: Tx, draft: Record, definition: dict[str, Any]) -> Record:
    draft.update(integrations.described_by(definition), hasUnpublishedChanges=True)
    tx.put("Integration", stamp(draft))
    integrations.write_flows(tx, draft)
    instances.sync_test_instance(tx, draft)
    return draft


def create(tx: Tx, data: dict[str, Any]) -> Record:
    check_name(data, required=True)
    name = data["name"].strip()
    if data.get("customer"):
        require(tx, "Customer", data["customer"])
    if data.get("definition"):
        definition = integrations.parse_input(tx, data["definition"])
        definition["name"] = name
    else:
        definition = definitions.minimal(name, data.get("description") or "")
    if data.get("description") is not None:
        definition["description"] = data["description"]
    if data.get("labels") is not None:
        definition["labels"] = clean_labels(data["labels"])
    return new_draft(tx, definition, customer=data.get("customer"), parent=data.get("parent"))


def import_(tx: Tx, data: dict[str, Any]) -> Record:
    definition = integrations.parse_input(tx, data.get("definition") or "")
    if data.get("integrationId"):
        draft = integrations.draft_of(tx, require(tx, "Integration", data["integrationId"]))
        return _redefine(tx, draft, definition)
    if data.get("customer"):
        require(tx, "Customer", data["customer"])
    return new_draft(tx, definition, customer=data.get("customer"))


def update(tx: Tx, data: dict[str, Any]) -> Record:
    record = require(tx, "Integration", data.get("id"))
    if data.get("definition"):
        definition = integrations.parse_input(tx, data["definition"])
        record = _redefine(tx, integrations.draft_of(tx, record), definition)
    check_name(data, required=False)
    changed = False
    for key in ("name", "description", "category", "documentation"):
        if data.get(key) is not None and data[key] != record.get(key):
            record[key] = record["definition"][key] = data[key]
            changed = True
    if data.get("labels") is not None:
        record["labels"] = record["definition"]["labels"] = clean_labels(data["labels"])
    for key in ("avatarUrl", "starred", "useAsTemplate", "allowMultipleMarketplaceInstances"):
        if data.get(key) is not None:
            record[key] = data[key]
    if data.get("customer") is not None:
        record["customer"] = require(tx, "Customer", data["customer"])["id"]
    for flow_input in data.get("flows") or []:
        flow = require(tx, "IntegrationFlow", flow_input["id"])
        for key in ("testPayload", "testContentType", "testHeaders", "organizationApiKeys"):
            if flow_input.get(key) is not None:
                flow[key] = flow_input[key]
        tx.put("IntegrationFlow", flow)
    if data.get("testConfigVariables") is not None:
        # The test instance's configuration: what a flow test runs with.
        test = instances.test_instance(tx, integrations.draft_of(tx, record))
        if test is not None:
            instances.update_config_variables(
                tx, {"id": test["id"], "configVariables": data["testConfigVariables"]}
            )
    if changed and record["isDraft"]:
        record["hasUnpublishedChanges"] = True
    return tx.put("Integration", stamp(record))


def publish(tx: Tx, data: dict[str, Any], *, by: str) -> Record:
    draft = integrations.draft_of(tx, require(tx, "Integration", data.get("id")))
    if not draft["definition"]["flows"]:
        raise Invalid.on("__all__", "An integration needs at least one flow to be published.")
    for previous in integrations.published(tx, draft)[:1]:
        previous["versionIsLatest"] = False
        tx.put("Integration", previous)
    number = draft["versionNumber"] + 1
    made = integrations.version(
        draft, number=number, comment=data.get("comment"), by=by, attributes=data.get("attributes")
    )
    tx.insert("Integration", made)
    integrations.write_flows(tx, made)
    draft.update(
        versionNumber=number,
        hasUnpublishedChanges=False,
        versionComment=made["versionComment"],
        versionCreatedAt=made["versionCreatedAt"],
        versionCreatedBy=by,
    )
    tx.put("Integration", draft)
    return made


def fork(tx: Tx, data: dict[str, Any]) -> Record:
    parent = require(tx, "Integration", data.get("parent"))
    check_name(data, required=True)
    definition = json.loads(json.dumps(parent["definition"]))
    definition["name"] = data["name"].strip()
    if data.get("description") is not None:
        definition["description"] = data["description"]
    return new_draft(tx, definition, parent=parent["id"], customer=parent.get("customer"))


def delete(tx: Tx, integration_id: Any) -> Record:
    """Delete an integration: every version, their flows and instances."""
    draft = integrations.draft_of(tx, require(tx, "Integration", integration_id))
    for member in integrations.sequence_ids(tx, draft):
        tx.delete("Integration", member)
    return draft


def set_availability(tx: Tx, data: dict[str, Any]) -> Record:
    record = require(tx, "Integration", data.get("id"))
    if record["isDraft"]:
        raise Invalid.on("id", "Only a published version can be made available or unavailable.")
    record["versionIsAvailable"] = bool(data["available"])
    return tx.put("Integration", stamp(record))


def set_marketplace(tx: Tx, data: dict[str, Any]) -> Record:
    """The marketplace settings belong to the integration: its draft and every version."""
    record = require(tx, "Integration", data.get("id"))
    config = data.get("marketplaceConfiguration")
    if config is not None and config not in MARKETPLACE:
        raise Invalid.on("marketplaceConfiguration", f"Choose one of {', '.join(MARKETPLACE)}.")
    changes = {
        key: data[key]
        for key in ("marketplaceConfiguration", "overview", "allowMultipleMarketplaceInstances")
        if data.get(key) is not None
    }
    for id_ in integrations.sequence_ids(tx, record):
        if id_ != record["id"]:
            other = tx.get("Integration", id_)
            if other is not None:
                tx.put("Integration", stamp({**other, **changes}))
    record.update(changes)
    return tx.put("Integration", stamp(record))


def validate(tx: Tx, text: str) -> list[str]:
    """What is wrong with a definition; empty when it is valid."""
    try:
        integrations.parse(tx, text)
    except definitions.DefinitionError as exc:
        return list(exc.messages)
    return []
