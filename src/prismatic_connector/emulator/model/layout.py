"""What the store indexes for each record type, and what a delete takes along.

Every lookup by a referenced ID, every equality filter that a list is usually
scoped by, and each uniqueness check has an index here, so requests cost the
same at 10,000 records as at 100.
"""

from __future__ import annotations

from ..store import Layout

LAYOUT = Layout(
    indexes={
        "Organization": (),
        "Role": ("scope",),
        "User": ("customer", "email nocase"),
        "Customer": ("isSystem", "name nocase", "externalId", "createdAt"),
        "Component": ("key customer",),
        "Integration": ("versionSequenceId isDraft", "isDraft", "name nocase"),
        "IntegrationFlow": ("integration",),
        "Instance": (
            "customer isSystem",
            "integration isSystem",
            "isSystem enabled",
            "isSystem needsDeploy",
            "name nocase",
            "createdAt",
        ),
        "InstanceFlowConfig": ("instance", "flow"),
        "InstanceExecutionResult": ("instance", "flow"),
        "InstanceStepResult": ("executionResult",),
        "Log": ("executionResult",),
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
)
