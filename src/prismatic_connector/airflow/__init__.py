"""The Apache Airflow provider: the ``prismatic`` connection type, a hook and an operator.

Installed with the ``airflow`` extra and found by Airflow through the
``apache_airflow_provider`` entry point. Nothing survives between tasks: each
worker process builds its own connections and rate limiter, so any executor runs it.
"""

from __future__ import annotations

from typing import Any

from .._version import __version__

CONNECTION_TYPE = "prismatic"
HOOK = "prismatic_connector.airflow.hook.PrismaticHook"

# The form: the refresh token in the password, the base URL as the host (a full URL
# with scheme and port), the tenant in extras; what the connection does not use is hidden.
UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema", "port", "login", "extra"],
    "relabeling": {"host": "Base URL", "password": "Refresh Token"},
    "placeholders": {
        "host": "https://app.prismatic.io",
        "password": "prism me:token --type refresh",
        "tenant_id": "optional: the tenant to act in",
    },
}


def get_provider_info() -> dict[str, Any]:
    """What Airflow's providers manager reads through the entry point."""
    return {
        "package-name": "prismatic-connector",
        "name": "Prismatic",
        "description": "Drive Prismatic's GraphQL API from Airflow tasks.",
        "versions": [__version__],
        "integrations": [
            {"integration-name": "Prismatic", "external-doc-url": "https://prismatic.io/docs/api/"}
        ],
        "hooks": [
            {
                "integration-name": "Prismatic",
                "python-modules": ["prismatic_connector.airflow.hook"],
            }
        ],
        "operators": [
            {
                "integration-name": "Prismatic",
                "python-modules": ["prismatic_connector.airflow.operator"],
            }
        ],
        "connection-types": [
            {
                "hook-class-name": HOOK,
                "hook-name": "Prismatic",
                "connection-type": CONNECTION_TYPE,
                "conn-fields": {
                    "tenant_id": {"label": "Tenant ID", "schema": {"type": ["string", "null"]}}
                },
                "ui-field-behaviour": UI_FIELD_BEHAVIOUR,
            }
        ],
    }
