"""The emulator at volume: the bulk seed, costs that do not grow with the data, parallel reads."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from prismatic_connector.emulator import Emulator
from prismatic_connector.emulator.scale import parse
from prismatic_connector.emulator.transaction import Tx, register_functions

from ..signals import interruptible

pytestmark = pytest.mark.scale

ROOT = Path(__file__).resolve().parents[2]
GET = (ROOT / "queries/getInstance.graphql").read_text(encoding="utf-8")
LIST = (ROOT / "queries/listInstances.graphql").read_text(encoding="utf-8")
CUSTOMERS = (ROOT / "queries/listCustomers.graphql").read_text(encoding="utf-8")
INTEGRATIONS = (ROOT / "queries/listIntegrations.graphql").read_text(encoding="utf-8")
FIRST = "query { instances(isSystem: false, first: 3) { nodes { id customer { id externalId } } } }"
TOTALS = """query {
  instances(isSystem: false) { totalCount }
  customers(isSystem: false) { totalCount }
  integrations { totalCount }
  executionResults { totalCount }
}"""


def _totals(emu: Emulator) -> dict[str, int]:
    return {k: v["totalCount"] for k, v in emu.execute(TOTALS).items()}


def test_scale_tops_the_seed_up_with_live_records() -> None:
    scale = {"customers": 12, "integrations": 3, "instances": 400, "executions": 30}
    with Emulator(seed="demo", scale=scale) as emu:
        assert _totals(emu) == {
            "instances": 400,
            "customers": 12,
            "integrations": 3,
            "executionResults": 30,
        }
        # Scaled instances are deployed and configured: their webhooks run their flows.
        found = emu.execute(
            "{ instances(isSystem: false, enabled: true, needsDeploy: false, last: 1) {"
            " nodes { configState flowConfigs { nodes { webhookUrl } } } } }"
        )["instances"]["nodes"][0]
        assert found["configState"] == "FULLY_CONFIGURED"
        url = found["flowConfigs"]["nodes"][0]["webhookUrl"]
        assert "executionId" in requests.post(url, json={"sku": 1}, timeout=10).json()
        # reset() returns to the scaled seed, not to the plain one.
        emu.execute('mutation { createCustomer(input: {name: "Extra"}) { errors { field } } }')
        emu.reset()
        assert _totals(emu)["customers"] == 12
        assert _totals(emu)["executionResults"] == 30


def test_scale_counts_are_totals_and_an_empty_seed_gets_what_instances_need() -> None:
    with Emulator(seed="empty", scale={"instances": 5}) as emu:
        totals = _totals(emu)
        assert totals["instances"] == 5
        assert totals["customers"] == 1
        assert totals["integrations"] == 1


@pytest.mark.parametrize(
    ("scale", "says"),
    [
        ({"instance": 10}, "unknown kind 'instance'"),
        ({"instances": -1}, "instances must be a whole number"),
        ({"instances": True}, "instances must be a whole number"),
        ({"instances": 10**9}, "from 0 to 1000000"),
    ],
)
def test_bad_scales_are_refused_by_name(scale: dict[str, int], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        Emulator(seed="empty", scale=scale)


def test_scale_text_is_parsed_as_the_command_line_gives_it() -> None:
    assert parse("instances=10000, customers=100") == {"instances": 10000, "customers": 100}
    assert parse("") == {}
    with pytest.raises(ValueError, match="expected kind=count"):
        parse("instances:10")


def test_serve_takes_a_scale(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "prismatic_connector", "emulator", "serve"),
            *("--seed", "empty", "--scale", "instances=250,customers=7"),
        ],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in range(4)]
        values = dict(line.split("=", 1) for line in lines if line.startswith("PRISM"))
        url = values["PRISMATIC_URL"]
        token = requests.post(
            f"{url}/auth/refresh", json={"refresh_token": values["PRISM_REFRESH_TOKEN"]}, timeout=10
        ).json()["access_token"]
        answer = requests.post(
            f"{url}/api",
            json={"query": TOTALS},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).json()["data"]
        assert answer["instances"]["totalCount"] == 250
        assert answer["customers"]["totalCount"] == 7
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        assert proc.stdout is not None
        proc.stdout.close()


def test_serve_refuses_a_bad_scale_without_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "prismatic_connector", "emulator", "serve", "--scale", "pods=3"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--scale: scale: unknown kind 'pods'" in done.stderr
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------- cost does not grow


class _Costs:
    """What one request did: rows decoded, and every SQL statement it ran."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.statements: list[str] = []

    def measure(self, query: str, variables: dict[str, object]) -> int:
        self.statements.clear()
        self.emu.store.trace(self.statements.append)
        before = Tx.decoded
        try:
            self.emu.execute(query, variables)
        finally:
            self.emu.store.trace(None)
        return Tx.decoded - before

    def _selects(self) -> Iterator[tuple[sqlite3.Connection, str]]:
        check = sqlite3.connect(self.emu.db_path)
        register_functions(check)
        try:
            for statement in self.statements:
                if statement.lstrip().startswith("SELECT"):
                    yield check, statement
        finally:
            check.close()

    def full_scans(self) -> list[str]:
        """Statements whose plan reads every record, or every record of a type.

        Walking an index in the order asked for, until a page is full, is not one;
        nor is counting the entries of an index. Comparing texts (``contains_ci``)
        without looking the text up in its index first is one (a lookup in a text index
        says MATCH: ``SCAN fts_Instance VIRTUAL TABLE INDEX 0:M1``), and so is following
        the reference of each record (``CORRELATED SCALAR SUBQUERY`` over records).
        """
        found = []
        for check, statement in self._selects():
            plan = " | ".join(row[3] for row in check.execute(f"EXPLAIN QUERY PLAN {statement}"))
            walk = "USING INDEX" in plan and " LIMIT " in statement
            counted = "COVERING INDEX" in plan and "count(*)" in statement
            scan = re.search(r"SCAN (r|x)\b", plan) and not (walk or counted)
            looked_up = re.search(r"SCAN fts_\w+ VIRTUAL TABLE INDEX \d+:[^|]*M", plan)
            compared = "_ci(" in statement and not looked_up
            followed = re.search(r"CORRELATED SCALAR SUBQUERY \d+ \| SEARCH x", plan)
            if scan or compared or followed or "SCAN records" in plan:
                found.append(f"{statement[:160]} -> {plan}")
        return found

    def work(self) -> int:
        """SQLite's virtual machine steps, in hundreds, for the statements run again."""
        steps = [0]

        def count() -> int:
            steps[0] += 1
            return 0

        for check, statement in self._selects():
            check.set_progress_handler(count, 100)
            check.execute(statement).fetchall()
        return steps[0]


@pytest.fixture(scope="module")
def sizes() -> Iterator[dict[int, Emulator]]:
    small = Emulator(seed="demo", scale={"instances": 100, "executions": 40}).start()
    large = Emulator(seed="demo", scale={"instances": 4000, "executions": 40}).start()
    try:
        yield {100: small, 4000: large}
    finally:
        small.stop()
        large.stop()


def _requests(emu: Emulator) -> list[tuple[str, str, dict[str, object]]]:
    node = emu.execute(FIRST)["instances"]["nodes"][2]
    return [
        ("getInstance", GET, {"instanceId": node["id"]}),
        ("listInstances by customer", LIST, {"customer": node["customer"]["id"], "first": 20}),
        ("listInstances, enabled", LIST, {"enabled": True, "first": 20}),
        (
            "instances by name",
            "query($c: ID) { instances(customer: $c, isSystem: false, first: 20,"
            " orderBy: {field: NAME, direction: DESC}) { nodes { id } } }",
            {"c": node["customer"]["id"]},
        ),
        (
            "every instance by name",
            "{ instances(isSystem: false, first: 20, orderBy: {field: NAME, direction: ASC})"
            " { nodes { id } totalCount } }",
            {},
        ),
        (
            "by customer external ID",
            LIST,
            {"customerExternalId": node["customer"]["externalId"], "first": 20},
        ),
        # Acme Corp's #00041, #00045 and #00049, at either size.
        ("by name contains", LIST, {"nameContains": "ACME corp #0004", "first": 20}),
        ("by description contains", LIST, {"descriptionContains": "no such text", "first": 20}),
        ("by label contains", LIST, {"labelContains": "GOL", "first": 20}),
        ("customers by text", CUSTOMERS, {"nameContains": "rocket", "labelContains": "gold"}),
        ("customers by start", CUSTOMERS, {"nameStartsWith": "acme", "descriptionContains": "anv"}),
        ("integrations by text", INTEGRATIONS, {"nameContains": "inventory"}),
        (
            "createCustomer",
            "mutation($n: String!) { createCustomer(input: {name: $n}) { customer { id } } }",
            {"n": "Costs Inc"},
        ),
    ]


def test_requests_decode_the_same_rows_at_4000_instances_as_at_100(
    sizes: dict[int, Emulator],
) -> None:
    decoded = {
        n: {name: _Costs(emu).measure(q, v) for name, q, v in _requests(emu)}
        for n, emu in sizes.items()
    }
    assert decoded[4000] == decoded[100]
    for emu in sizes.values():
        emu.reset()


def test_no_request_reads_every_row_of_a_type(sizes: dict[int, Emulator]) -> None:
    emu = sizes[4000]
    costs = _Costs(emu)
    for name, query, variables in _requests(emu):
        costs.measure(query, variables)
        assert costs.full_scans() == [], name
    emu.reset()


def test_a_text_under_three_characters_reads_every_record_of_its_type(
    sizes: dict[int, Emulator],
) -> None:
    # A trigram index has nothing to look up for one or two characters.
    costs = _Costs(sizes[4000])
    costs.measure(LIST, {"nameContains": "co", "first": 20})
    assert costs.full_scans() != []
    costs.measure(LIST, {"nameContains": "cor", "first": 20})
    assert costs.full_scans() == []


PICK_RUN = """{ executionResults(first: 1) { nodes {
  instance { id customer { id } integration { id versionSequenceId } }
  flowConfig { flow { id name } } } } }"""


def _through_references(emu: Emulator) -> list[tuple[str, str, dict[str, object]]]:
    """Every filter through a reference that the schema offers, on a list of 20 (the
    listInstances action's customerExternalId is among _requests)."""
    run = emu.execute(PICK_RUN)["executionResults"]["nodes"][0]
    instance, flow = run["instance"], run["flowConfig"]["flow"]
    sequence = instance["integration"]["versionSequenceId"]
    found: list[tuple[str, str, dict[str, object]]] = [
        (
            "instances by version sequence",
            "query($s: UUID) { instances(integration_VersionSequenceId: $s, first: 20)"
            " { nodes { id } totalCount } }",
            {"s": sequence},
        ),
        (
            "flow configs by flow name",
            "query($i: ID!, $n: String) { instance(id: $i) { flowConfigs(flow_Name: $n)"
            " { nodes { id } totalCount } } }",
            {"i": instance["id"], "n": flow["name"]},
        ),
    ]
    values: dict[str, object] = {
        "instance_Customer": instance["customer"]["id"],
        "instance_Integration": instance["integration"]["id"],
        "instance_Integration_VersionSequenceId": sequence,
        "integration_VersionSequenceId": sequence,
        "instance_IsSystem": True,
        "flowConfig_Flow": flow["id"],
        "executionResult_IsTestExecution": True,
    }
    for field, arg, kind in _THROUGH:
        query = (
            f"query($v: {kind}) {{ {field}({arg}: $v, first: 20) {{ nodes {{ id }} totalCount }} }}"
        )
        found.append((f"{field} by {arg}", query, {"v": values[arg]}))
    return found


# The other filters through a reference that the schema offers: list, argument, its type.
_THROUGH = [
    *(("executionResults", arg, "ID") for arg in ("instance_Customer", "instance_Integration")),
    ("executionResults", "instance_Integration_VersionSequenceId", "UUID"),
    ("executionResults", "integration_VersionSequenceId", "UUID"),
    ("executionResults", "instance_IsSystem", "Boolean"),
    ("executionResults", "flowConfig_Flow", "ID"),
    ("logs", "executionResult_IsTestExecution", "Boolean"),
    *(("logs", arg, "ID") for arg in ("instance_Customer", "instance_Integration")),
    ("logs", "instance_IsSystem", "Boolean"),
    ("logs", "flowConfig_Flow", "ID"),
]


def test_no_filter_through_a_reference_reads_every_row_of_a_type(
    sizes: dict[int, Emulator],
) -> None:
    emu = sizes[4000]
    costs = _Costs(emu)
    for name, query, variables in _through_references(emu):
        costs.measure(query, variables)
        assert costs.full_scans() == [], name


def test_filtered_lists_do_the_work_their_answers_need_at_either_size(
    sizes: dict[int, Emulator],
) -> None:
    work: dict[int, dict[str, int]] = {}
    for n, emu in sizes.items():
        costs = _Costs(emu)
        work[n] = {}
        for name, query, variables in _requests(emu):
            costs.measure(query, variables)
            work[n][name] = costs.work()
        emu.reset()
    # Texts of three characters or more: the same matches at either size, the same work.
    for name in ("by name contains", "by description contains", "customers by text"):
        assert work[4000][name] <= 1.5 * work[100][name] + 2, (name, work)
    # Through the reference, as by the customer's ID (whose totalCount counts 25 or 1,000
    # instances), and one lookup more.
    for n in sizes:
        wanted = work[n]["listInstances by customer"] + 2
        assert work[n]["by customer external ID"] <= wanted, (n, work)


# ---------------------------------------------------------------- readers and writers


def test_readers_do_not_wait_for_a_writer(prismatic_emulator: Emulator) -> None:
    emu = prismatic_emulator
    count = "{ customers { totalCount } }"
    before = emu.execute(count)["customers"]["totalCount"]
    seen: list[int] = []
    with emu.store.write() as tx:
        tx.insert("Customer", {"id": "held", "name": "Uncommitted", "isSystem": False})
        reader = threading.Thread(
            target=lambda: seen.append(emu.execute(count)["customers"]["totalCount"])
        )
        reader.start()
        reader.join(timeout=10)
        # The reader finished while the write was still open, and saw the state before it.
        assert seen == [before]
    assert emu.execute(count)["customers"]["totalCount"] == before + 1


def test_a_payload_error_undoes_what_the_mutation_wrote(prismatic_emulator: Emulator) -> None:
    emu = prismatic_emulator
    node = emu.execute("{ instances(isSystem: false, first: 1) { nodes { id name } } }")
    instance = node["instances"]["nodes"][0]
    answer = emu.execute(
        """mutation ($id: ID!) {
          updateInstance(input: {id: $id, name: "Renamed",
                                 configVariables: [{key: "No Such Variable", value: "x"}]}) {
            instance { id } errors { field messages } } }""",
        {"id": instance["id"]},
    )["updateInstance"]
    assert answer["errors"][0]["field"] == "configVariables"
    again = emu.execute("query ($id: ID!) { instance(id: $id) { name } }", {"id": instance["id"]})
    assert again["instance"]["name"] == instance["name"]
    assert "updateInstance" not in emu.applied()
