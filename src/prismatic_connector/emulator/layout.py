"""The emulator's ``Layout``: what the store indexes for each record type, and what a
delete takes along. The store builds its indexes from it, a transaction's deletes follow
its cascades, and the list filters its references and text indexes.

Every lookup by a referenced ID, every equality filter that a list is usually
scoped by, and each uniqueness check has an index here, so requests cost the
same at 10,000 records as at 100. So do the filters through a reference
(``customer_ExternalId``): ``refs`` names the type each ID points at, and both
ends are indexed (the referenced field, and the field holding the ID). The
substring filters the list actions expose (``nameContains``...) have a trigram
index each (``texts``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Layout:
    """What the store knows of the record types: indexed fields, and what a delete takes along.

    ``indexes``: every record type -> fields looked up, filtered or sorted on: ``"customer"``,
    several fields in one index (``"customer isSystem"``, so a count of a customer's
    instances reads only the index), or ``"name nocase"``, without regard to ASCII case.
    ``cascades``: type -> (child type, field of the child holding the parent's ID).
    ``refs``: type -> field holding an ID -> the type it points at, so a filter through it
    (``customer_ExternalId``) finds the related records first, by their own indexes.
    ``texts``: type -> fields whose substring filters a trigram index serves (``fulltext``).
    """

    indexes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cascades: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    refs: dict[str, dict[str, str]] = field(default_factory=dict)
    texts: dict[str, tuple[str, ...]] = field(default_factory=dict)


LAYOUT = Layout(
    indexes={
        "Organization": (),
        "Role": ("scope",),
        "User": ("customer", "email nocase"),
        "Customer": ("isSystem", "name nocase", "externalId", "createdAt"),
        "Component": ("key customer",),
        "Integration": ("versionSequenceId isDraft", "isDraft", "name nocase"),
        "IntegrationFlow": ("integration", "name"),
        "Instance": (
            "customer isSystem",
            "integration isSystem",
            "isSystem enabled",
            "isSystem needsDeploy",
            "name nocase",
            "createdAt",
        ),
        "InstanceFlowConfig": ("instance", "flow"),
        "InstanceExecutionResult": (
            "instance",
            "flow",
            "flowConfig",
            "integration",
            "isTestExecution",
            "status",
            "readyAt",
            "startedAt",
            "error",
            "settleAt",
            "replayForExecution",
        ),
        "InstanceStepResult": ("executionResult",),
        "Log": (
            "executionResult",
            "instance",
            "flowConfig",
            "timestamp",
            "visibleAt",
            # An instance's or a run's lines in time order, as log followers page them.
            "instance timestamp",
            "executionResult timestamp",
        ),
        "RunScript": ("target",),
        "Upload": (),
        "Media": (),
        "AlertGroup": (),
        "AlertWebhook": (),
        "AlertMonitor": ("instance",),
        "AlertEvent": ("monitor",),
        "OrganizationSigningKey": (),
        "OnPremiseResource": ("customer",),
        "ScopedConfigVariable": ("managedBy", "customer"),
        "Workflow": ("customer",),
    },
    cascades={
        "Customer": (
            ("Instance", "customer"),
            ("User", "customer"),
            ("OnPremiseResource", "customer"),
            ("ScopedConfigVariable", "customer"),
            ("Workflow", "customer"),
        ),
        "Integration": (("IntegrationFlow", "integration"), ("Instance", "integration")),
        "Instance": (("InstanceFlowConfig", "instance"), ("AlertMonitor", "instance")),
        "AlertMonitor": (("AlertEvent", "monitor"),),
    },
    refs={
        "User": {"customer": "Customer"},
        "IntegrationFlow": {"integration": "Integration"},
        "Instance": {"customer": "Customer", "integration": "Integration"},
        "InstanceFlowConfig": {"instance": "Instance", "flow": "IntegrationFlow"},
        "InstanceExecutionResult": {
            "instance": "Instance",
            "flow": "IntegrationFlow",
            "flowConfig": "InstanceFlowConfig",
            "integration": "Integration",
            "replayForExecution": "InstanceExecutionResult",
        },
        "InstanceStepResult": {"executionResult": "InstanceExecutionResult"},
        "Log": {
            "instance": "Instance",
            "flowConfig": "InstanceFlowConfig",
            "executionResult": "InstanceExecutionResult",
        },
        "AlertMonitor": {"instance": "Instance"},
        "AlertEvent": {"monitor": "AlertMonitor"},
        "OnPremiseResource": {"customer": "Customer"},
        "ScopedConfigVariable": {"customer": "Customer"},
        "Workflow": {"customer": "Customer"},
    },
    texts={
        "Customer": ("name", "description", "labels"),
        "Integration": ("name", "description", "category", "labels", "marketplaceConfiguration"),
        "Instance": ("name", "description", "labels"),
    },
)
