"""Release a new version of an integration and move an instance onto it.

list the integration -> find its instance -> import the new definition -> publish it
-> move the instance to the new version (rawRequest, as updateInstance documents no
version input) -> deploy it, failing the run on deploy payload errors. Each task
reads what it needs from an earlier task's XCom: ``["data"]["data"]`` is the
GraphQL data.

Needs an Airflow connection ``prismatic_default`` of type ``prismatic``: the base URL
as the host, the refresh token as the password, the tenant (if any) in extras.
"""

from __future__ import annotations

from pathlib import Path

from airflow.sdk import DAG

from prismatic_connector.airflow.operator import PrismaticOperator

DEFINITION = Path(__file__).with_name("acme-inventory-v2.yml").read_text(encoding="utf-8")
MOVE_INSTANCE = """
mutation ($instance: ID!, $version: ID!) {
  updateInstance(input: {id: $instance, integration: $version}) {
    instance { id name integration { id versionNumber } }
    errors { field messages }
  }
}
"""


def pulled(task: str, path: str) -> str:
    """A template that reads ``path`` from ``task``'s XCom, under its GraphQL data."""
    return "{{ ti.xcom_pull(task_ids='" + task + "')['data']['data']" + path + " }}"


with DAG(
    dag_id="prismatic_deploy_new_version",
    schedule=None,
    catchup=False,
    params={"integration": "Acme Inventory", "instance": "Acme Inventory"},
    tags=["prismatic"],
) as dag:
    list_integrations = PrismaticOperator(
        task_id="list_integrations",
        action="listIntegrations",
        inputs={"name": "{{ params.integration }}", "hasUnpublishedChanges": ""},
    )
    list_instances = PrismaticOperator(
        task_id="list_instances",
        action="listInstances",
        inputs={"name": "{{ params.instance }}"},
    )
    import_definition = PrismaticOperator(
        task_id="import_definition",
        action="importIntegration",
        inputs={
            "integrationId": pulled("list_integrations", "['integrations']['nodes'][0]['id']"),
            "yamlDefinition": DEFINITION,
        },
    )
    publish = PrismaticOperator(
        task_id="publish",
        action="publishIntegration",
        inputs={
            "integrationId": pulled(
                "import_definition", "['importIntegration']['integration']['id']"
            ),
            "comments": "Released by Airflow run {{ run_id }}",
        },
    )
    move_instance = PrismaticOperator(
        task_id="move_instance",
        action="rawRequest",
        inputs={
            "query": MOVE_INSTANCE,
            "variables": {
                "instance": pulled("list_instances", "['instances']['nodes'][0]['id']"),
                "version": pulled("publish", "['publishIntegration']['integration']['id']"),
            },
        },
    )
    deploy = PrismaticOperator(
        task_id="deploy",
        action="deployInstance",
        inputs={"instanceId": pulled("list_instances", "['instances']['nodes'][0]['id']")},
        fail_on_payload_errors=True,
    )

    [list_integrations, list_instances] >> import_definition >> publish >> move_instance >> deploy
