"""The bulk move of an integration's instances to its latest published version.

Every customer instance of any version of the integration moves to the latest version
an instance may be given (its latest available one, as ``createInstance`` picks from a
canonical ID); the deployed ones are deployed again, as ``deployInstance`` does. An
instance the new version leaves not fully configured (a connection it adds, say) moves
all the same and is left needing a deploy: one such instance does not undo the batch.
Instances already on the latest version are left as they are. The test instance follows
the draft, not the published versions, and is not touched.
"""

from __future__ import annotations

from typing import Any

from ..transaction import Record, Tx, Where
from . import instances, integrations
from .base import Invalid, require


def to_latest(tx: Tx, integration_id: Any) -> Record:
    """Move every instance of the integration to its latest version; that version."""
    draft = integrations.draft_of(tx, require(tx, "Integration", integration_id))
    latest = integrations.latest_available(tx, draft)
    if latest is None:
        raise Invalid.on("id", "This integration has no published version to update instances to.")
    scope = (
        Where().equal("integration", integrations.sequence_ids(tx, draft)).equal("isSystem", False)
    )
    for record in tx.select("Instance", scope):
        if record["integration"] == latest["id"]:
            continue
        deployed = record["lastDeployedAt"] is not None
        instances.update(tx, {"id": record["id"], "integration": latest["id"]})
        if deployed:
            _redeploy(tx, record["id"])
    return latest


def _redeploy(tx: Tx, instance_id: str) -> None:
    try:
        with tx.savepoint():
            instances.deploy(tx, instance_id)
    except Invalid:
        pass  # not fully configured on the new version: it keeps needing a deploy
