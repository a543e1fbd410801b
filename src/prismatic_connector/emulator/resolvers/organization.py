"""The organization's settings beyond its users: signing keys, on-prem resources,
scoped config variables (its activated connections) and embedded workflows."""

from __future__ import annotations

from typing import Any

from .. import definitions
from ..engine import Info, registry
from ..model import onprem, signing, workflows
from ..query import page
from ..transaction import Record
from .common import lookup, mutation, ref, tx

ref("OnPremiseResource", "customer")
ref("ScopedConfigVariable", "customer")
ref("Workflow", "customer")
lookup("onPremiseResource", "OnPremiseResource")
lookup("workflow", "Workflow")


@registry.field("Organization", "signingKeys")
def signing_keys(_: Record, info: Info, **args: Any) -> dict[str, Any]:
    return page(tx(info), "OrganizationSigningKey", args)


@mutation("createOrganizationSigningKey", "result")
def create_signing_key(info: Info, data: dict[str, Any]) -> Any:
    return signing.generate(tx(info))


@mutation("importOrganizationSigningKey", "organizationSigningKey")
def import_signing_key(info: Info, data: dict[str, Any]) -> Any:
    return signing.import_public_key(tx(info), data.get("publicKey"))


@mutation("deleteOrganizationSigningKey", "organizationSigningKey")
def delete_signing_key(info: Info, data: dict[str, Any]) -> Any:
    return signing.delete(tx(info), data.get("id"))


@registry.query("onPremiseResources")
def list_on_premise_resources(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    return page(tx(info), "OnPremiseResource", args)


@mutation("deleteOnPremiseResource", "onPremiseResource")
def delete_on_premise_resource(info: Info, data: dict[str, Any]) -> Any:
    return onprem.delete(tx(info), data.get("id"))


@mutation("createOnPremiseResourceJWT", "result")
def create_on_premise_jwt(info: Info, data: dict[str, Any]) -> Any:
    return onprem.issue_jwt(tx(info), data, rotate=False)


@mutation("rotateOnPremiseResourceJWT", "result")
def rotate_on_premise_jwt(info: Info, data: dict[str, Any]) -> Any:
    return onprem.issue_jwt(tx(info), data, rotate=True)


@registry.query("scopedConfigVariables")
def list_scoped_config_variables(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    return page(tx(info), "ScopedConfigVariable", args)


@registry.query("workflows")
def list_workflows(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    return page(tx(info), "Workflow", args)


@registry.field("Workflow", "definition")
def workflow_definition(record: Record, info: Info, **args: Any) -> str:
    return definitions.dump(
        definitions.exported(record["definition"], args.get("useLatestComponentVersions"))
    )


@mutation("importWorkflow", "workflow")
def import_workflow(info: Info, data: dict[str, Any]) -> Any:
    return workflows.import_(tx(info), data)
