"""A bulk seed for tests and benchmarks: thousands of realistic records in seconds.

``Emulator(scale={"instances": 10000})`` (or ``emulator serve --scale
instances=10000``) tops the seeded organization up to that many records of
each kind, in one transaction, through the model's constructors rather than
one mutation at a time. Each count is a total: records the seed already made
count towards it, and a kind left out is left as seeded.

- ``customers``: customers with external IDs and a spread of labels.
- ``integrations``: integrations imported from the Acme Inventory definition, each published.
- ``instances``: deployed instances of those integrations, spread over the customers; one
  in ten is disabled and one in seven has a config change waiting for a deploy.
- ``executions``: webhook runs of those instances, with their step results and logs.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from . import ids
from .model import authoring, customers, executions, instances, integrations, triggers
from .seed import ACME_INVENTORY
from .transaction import Record, Tx, Where

KINDS = ("customers", "integrations", "instances", "executions")
MAX_COUNT = 1_000_000
_LABELS: list[list[str]] = [["gold"], ["silver"], ["bronze"], []]
_LOGIN = json.dumps(
    [
        {"name": "username", "type": "value", "value": "sync"},
        {"name": "password", "type": "value", "value": "scaled-password"},
    ]
)


def check(scale: Mapping[str, Any]) -> dict[str, int]:
    """The scale, validated; a ValueError names the kind and what was expected."""
    if not isinstance(scale, Mapping):
        raise ValueError(
            f"scale must map kinds to counts, such as {{'instances': 10000}}: {scale!r}"
        )
    out = {}
    for kind, count in scale.items():
        if kind not in KINDS:
            raise ValueError(f"scale: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_COUNT:
            raise ValueError(f"scale: {kind} must be a whole number from 0 to {MAX_COUNT}")
        out[kind] = count
    return out


def parse(text: str) -> dict[str, int]:
    """``instances=10000,customers=100`` as a scale."""
    out: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, sep, count = part.partition("=")
        if not sep or not count.strip().isdigit():
            raise ValueError(f"expected kind=count (such as instances=10000), got {part!r}")
        out[kind.strip()] = int(count)
    return check(out)


def grow(tx: Tx, scale: Mapping[str, int], *, owner: str) -> None:
    """Add records until each kind reaches its count."""
    wanted = check(scale)
    if "customers" in wanted:
        _customers(tx, wanted["customers"])
    if "integrations" in wanted:
        _integrations(tx, wanted["integrations"], owner)
    if "instances" in wanted:
        _instances(tx, wanted["instances"], owner)
    if "executions" in wanted:
        _executions(tx, wanted["executions"])


def _customers(tx: Tx, total: int) -> list[Record]:
    have = tx.find("Customer", isSystem=False)
    made = [
        customers.customer(
            name=f"Customer {n:05d}",
            external_id=f"cust-{n:05d}",
            description=f"Scaled customer number {n}",
            labels=_LABELS[n % len(_LABELS)],
        )
        for n in range(len(have) + 1, total + 1)
    ]
    tx.insert_many("Customer", made)
    return have + made


def _integrations(tx: Tx, total: int, owner: str) -> None:
    have = tx.count("Integration", Where().equal("isDraft", True))
    template = integrations.parse(tx, ACME_INVENTORY)
    for n in range(have + 1, total + 1):
        definition = copy.deepcopy(template)
        definition["name"] = f"Acme Inventory {n:05d}"
        draft = authoring.new_draft(tx, definition)
        authoring.publish(tx, {"id": draft["id"], "comment": "First release"}, by=owner)


def _instances(tx: Tx, total: int, owner: str) -> None:
    have = tx.count("Instance", Where().equal("isSystem", False))
    if have >= total:
        return
    people = tx.find("Customer", isSystem=False) or _customers(tx, 1)
    if not tx.first("Integration", isDraft=False, versionIsLatest=True):
        _integrations(tx, tx.count("Integration", Where().equal("isDraft", True)) + 1, owner)
    versions = tx.find("Integration", isDraft=False, versionIsLatest=True)
    flows = {v["id"]: integrations.flows(tx, v) for v in versions}
    values = {v["id"]: _config_values(v) for v in versions}
    moment = ids.now()
    made: list[Record] = []
    configs: list[Record] = []
    for n in range(have + 1, total + 1):
        version = versions[n % len(versions)]
        customer = people[n % len(people)]
        record = instances.instance(
            name=f"{version['name']} for {customer['name']} #{n:05d}",
            customer=customer["id"],
            integration=version["id"],
            description=f"Scaled instance number {n}",
            labels=_LABELS[n % len(_LABELS)],
        )
        record.update(
            configVariables=values[version["id"]],
            enabled=n % 10 != 0,
            needsDeploy=n % 7 == 0,
            deployedVersion=version["versionNumber"],
            lastDeployedAt=moment,
        )
        made.append(record)
        configs.extend(instances.flow_config(record["id"], flow) for flow in flows[version["id"]])
    tx.insert_many("Instance", made)
    tx.insert_many("InstanceFlowConfig", configs)


def _config_values(version: Record) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for required in integrations.required_vars(version):
        if required["dataType"] == "CONNECTION":
            values[required["key"]] = {"values": _LOGIN}
        elif required["key"].endswith("Endpoint"):
            values[required["key"]] = {"value": "https://acme.example/api"}
    return values


def _executions(tx: Tx, total: int) -> None:
    have = tx.count("InstanceExecutionResult")
    if have >= total:
        return
    live = [
        i
        for i in tx.select("Instance", Where().equal("isSystem", False), limit=1000)
        if instances.live(i)
    ]
    configs = [c for i in live for c in instances.flow_configs(tx, i)]
    if not configs:
        raise ValueError("scale: executions need a deployed, enabled instance to run")
    for n in range(have, total):
        config = configs[n % len(configs)]
        body = json.dumps({"item": f"SKU-{n:06d}", "quantity": n % 50})
        request = triggers.Request(body=body, content_type="application/json")
        executions.run_flow(tx, config, request, invoke_type="WEBHOOK")
