"""Substring filters served by a trigram index, and filters through references served by
the indexes of both ends: the answers are those of the plain filters, record for record.

The plain filters are the same functions without the transaction (``filters(args,
listing)``): they follow every record's references and compare every record's text, as
the emulator did before these indexes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from prismatic_connector.emulator import Emulator, fulltext
from prismatic_connector.emulator.layout import LAYOUT, Layout
from prismatic_connector.emulator.query import PLAIN, filters
from prismatic_connector.emulator.store import Store
from prismatic_connector.emulator.transaction import Tx

ROOT = Path(__file__).resolve().parents[2]
LIST = (ROOT / "queries/listInstances.graphql").read_text(encoding="utf-8")
CUSTOMERS = (ROOT / "queries/listCustomers.graphql").read_text(encoding="utf-8")

# Names, descriptions and labels that make lower-casing and FTS5's query syntax work.
TEXTS = [
    ("École Straße", "ÉCOLE straße, 50% off", ["Éco", "gold"]),
    ("İstanbul Depot", "DİYARBAKIR and İzmir", ["TR"]),
    ("Ⅻ Roman Numerals", "ⅫⅪⅩ, ΣΊΣΥΦΟΣ shipping", ["ⅻ"]),
    ('Quote\'s "Depot"', 'it\'s "quoted" AND NOT near(x)', ['"q"']),
    ("under_score_co", "100% sure_thing", ["a_b", "50%"]),
    ("Back\\slash Ltd", "C:\\path\\to*glob?[x]", ["back\\"]),
    ("Emoji 🚀 Rockets", "🚀🚀 to the MOON", ["🚀"]),
    ("MiXeD CaSe Corp", "nul\x00inside and\ttab", ["MiXeD", "silver"]),
]
PATTERNS = [
    *("école", "ÉCOLE", "STRASSE", "straße", "STRAßE", "50% o", "0% ", "%", "_"),
    *("istanbul", "i̇stanbul", "İSTANBUL", "DİY", "İz", "ⅻ r", "ⅻⅺ", "σίσυφος", "ΣΊΣ"),
    *("'s \"d", '"depot"', '"', "'", "AND NOT", "near(x)", "e's", '""'),
    *("_sc", "r_s", "e_c", "100%", "%_", "a_b", "\\sl", "\\path\\", "*glob?", "[x]"),
    *("🚀 r", "🚀🚀", "mixed case", "xed", "co", "c", "", "zzz", "l\x00i", "\ttab", "\x00"),
    *("gold", "GOL", "ol", "eco", "r", "silver", 'q"', "back\\"),
    *("mixed case CORP", "İSTANBUL DEPOT", "école STRASSE"),
]
LOOKUPS = (
    "name_Icontains",
    "description_Icontains",
    "labels_Icontains",
    "name_Istartswith",
    "name_Iexact",
)
UPDATE_CUSTOMER = """mutation ($id: ID!, $name: String, $description: String, $labels: [String]) {
  updateCustomer(input: {id: $id, name: $name, description: $description, labels: $labels}) {
    customer { id } errors { field messages } } }"""
UPDATE_INSTANCE = """mutation ($id: ID!, $name: String, $description: String, $labels: [String],
                     $vars: [InputInstanceConfigVariable]) {
  updateInstance(input: {id: $id, name: $name, description: $description, labels: $labels,
                         configVariables: $vars}) {
    instance { id } errors { field messages } } }"""


def _ids(tx: Tx, kind: str, args: dict[str, Any], *, indexed: bool) -> list[str]:
    condition = filters(args, PLAIN, "r.data", tx, kind) if indexed else filters(args, PLAIN)
    return [record["id"] for record in tx.select(kind, condition)]


# ---------------------------------------------------------------- through references


@pytest.fixture(scope="module")
def runs() -> Iterator[Emulator]:
    with Emulator(seed="demo", scale={"instances": 40, "executions": 24}) as emu:
        flow = emu.execute(
            "{ instances(isSystem: false, first: 1) { nodes { flowConfigs { nodes { id } } } } }"
        )
        config = flow["instances"]["nodes"][0]["flowConfigs"]["nodes"][0]["id"]
        emu.execute(
            "mutation ($id: ID!) { testInstanceFlowConfig(input: {id: $id}) { errors { field } } }",
            {"id": config},
        )
        customer = emu.execute('{ customers(externalId: "abc-123") { nodes { id } } }')
        role = emu.execute("{ customerRoles { id } }")["customerRoles"][0]["id"]
        emu.execute(
            "mutation ($c: ID!, $r: ID!) { createCustomerUser(input: {customer: $c, role: $r,"
            ' email: "pat@ftl.example", name: "Pat"}) { errors { field messages } } }',
            {"c": customer["customers"]["nodes"][0]["id"], "r": role},
        )
        yield emu


def _relation_cases(tx: Tx) -> list[tuple[str, dict[str, Any]]]:
    instance = tx.select("Instance", limit=1, offset=3)[0]
    system = tx.first("Instance", isSystem=True) or {}
    version = tx.get("Integration", instance["integration"]) or {}
    flow = tx.select("IntegrationFlow", limit=1)[0]
    sequence = version["versionSequenceId"]
    cases: list[tuple[str, dict[str, Any]]] = [
        ("Instance", {"customer_ExternalId": "acme-123"}),
        ("Instance", {"customer_ExternalId": "no-such-id"}),
        ("Instance", {"customer_ExternalId_In": ["acme-123", "abc-123", "x"]}),
        ("Instance", {"customer_ExternalId_In": []}),
        ("Instance", {"customer_ExternalId_Isnull": True}),
        ("Instance", {"customer_ExternalId_Isnull": False}),
        ("Instance", {"customer_Name_Icontains": "CORP"}),
        ("Instance", {"customer_Labels_Icontains": "gold"}),
        ("Instance", {"integration_VersionSequenceId": sequence}),
        (
            "Instance",
            {"customer_ExternalId": "acme-123", "integration_VersionSequenceId": sequence},
        ),
        ("InstanceFlowConfig", {"flow_Name": flow["name"]}),
        ("InstanceFlowConfig", {"instance_Customer_ExternalId": "abc-123"}),
        ("InstanceFlowConfig", {"instance_Customer_Name_Istartswith": "ftl"}),
    ]
    for kind in ("InstanceExecutionResult", "Log"):
        cases += [
            (kind, {"instance_Customer": instance["customer"]}),
            (kind, {"instance_Integration": instance["integration"]}),
            (kind, {"instance_IsSystem": True}),
            (kind, {"instance_IsSystem": False}),
            (kind, {"instance_Isnull": True}),
            (kind, {"flowConfig_Flow": flow["id"]}),
            (kind, {"instance_Integration_VersionSequenceId": sequence}),
            (kind, {"instance_Customer_ExternalId": "abc-123"}),
        ]
    cases += [
        ("InstanceExecutionResult", {"integration_VersionSequenceId": sequence}),
        ("Log", {"executionResult_IsTestExecution": True}),
        ("Log", {"executionResult_IsTestExecution": False}),
        ("Log", {"executionResult_Instance_Name_Icontains": "#0000"}),
        ("InstanceStepResult", {"executionResult_Instance": system.get("id")}),
        # The organization's users hold no customer: unset, as following it finds nothing.
        ("User", {"customer_ExternalId_Isnull": True}),
        ("User", {"customer_ExternalId_Isnull": False}),
        ("User", {"customer_Name_Icontains": "ftl"}),
    ]
    return cases


def test_filters_through_references_answer_as_following_them_does(runs: Emulator) -> None:
    found_some = 0
    with runs.store.read() as tx:
        for kind, args in _relation_cases(tx):
            indexed = _ids(tx, kind, args, indexed=True)
            assert indexed == _ids(tx, kind, args, indexed=False), (kind, args)
            found_some += bool(indexed)
    assert found_some >= 20


def test_the_documented_external_id_input_lists_that_customers_instances(runs: Emulator) -> None:
    customer = runs.execute('{ customers(externalId: "acme-123") { nodes { id } } }')
    by_id = runs.execute(LIST, {"customer": customer["customers"]["nodes"][0]["id"], "first": 100})
    by_external = runs.execute(LIST, {"customerExternalId": "acme-123", "first": 100})
    assert by_external == by_id
    assert by_external["instances"]["totalCount"] >= 5
    nobody = runs.execute(LIST, {"customerExternalId": "no-such-id"})["instances"]
    assert nobody["totalCount"] == 0


# ---------------------------------------------------------------- substrings


def _uses_index(tx: Tx, kind: str, args: dict[str, Any]) -> bool:
    return any("fts_" in term for term in filters(args, PLAIN, "r.data", tx, kind).terms)


def _index_agrees(emu: Emulator) -> None:
    """Each text index holds exactly the text of each record of its type, as it is now."""
    db = sqlite3.connect(emu.db_path)
    try:
        for kind, names in LAYOUT.texts.items():
            stored = {
                seq: fulltext.record_texts(json.loads(data), names)
                for seq, data in db.execute("SELECT seq, data FROM records WHERE type = ?", (kind,))
            }
            columns = ", ".join(f'"{name}"' for name in names)
            query = f"SELECT rowid, {columns} FROM {fulltext.table(kind)}"  # noqa: S608 - the layout's names
            indexed = {row[0]: list(row[1:]) for row in db.execute(query)}
            assert indexed == stored, kind
    finally:
        db.close()


def _named(emu: Emulator) -> Emulator:
    """The demo's eight customers and eight instances named and labelled as in TEXTS."""
    customers = emu.execute("{ customers(isSystem: false) { nodes { id } } }")
    instances = emu.execute("{ instances(isSystem: false) { nodes { id } } }")
    for (name, description, labels), customer, instance in zip(
        TEXTS,
        customers["customers"]["nodes"],
        instances["instances"]["nodes"],
        strict=True,
    ):
        values = {"description": description, "labels": labels}
        emu.execute(UPDATE_CUSTOMER, {"id": customer["id"], "name": name, **values})
        emu.execute(UPDATE_INSTANCE, {"id": instance["id"], "name": name, **values})
    return emu


SCALE = {"customers": 8, "instances": 8}


@pytest.fixture(scope="module")
def texts() -> Iterator[Emulator]:
    with Emulator(seed="demo", scale=SCALE) as emu:
        yield _named(emu)


@pytest.mark.parametrize("kind", ["Customer", "Instance"])
def test_substring_filters_answer_as_the_plain_filters_do(texts: Emulator, kind: str) -> None:
    served = 0
    with texts.store.read() as tx:
        for lookup in LOOKUPS:
            for pattern in PATTERNS:
                args = {lookup: pattern}
                indexed = _ids(tx, kind, args, indexed=True)
                assert indexed == _ids(tx, kind, args, indexed=False), args
                long_enough = len(fulltext.fold(pattern)) >= fulltext.MIN_PATTERN
                assert _uses_index(tx, kind, args) == long_enough, args
                served += bool(indexed) and long_enough
    assert served > 40  # most patterns find something through the index


def test_substring_filters_ignore_case_as_python_does(texts: Emulator) -> None:
    every = texts.execute("{ customers(isSystem: false) { nodes { name description labels } } }")[
        "customers"
    ]["nodes"]
    for pattern in PATTERNS:
        found = texts.execute(CUSTOMERS, {"nameContains": pattern})["customers"]["nodes"]
        wanted = [c for c in every if pattern.lower() in c["name"].lower()]
        assert len(found) == len(wanted), pattern
        labelled = texts.execute(CUSTOMERS, {"labelContains": pattern})["customers"]["nodes"]
        wanted = [c for c in every if any(pattern.lower() in x.lower() for x in c["labels"])]
        assert len(labelled) == len(wanted), pattern
    # Lower-casing, not ASCII: Ⅻ and İ find their lower-case forms, ß is not SS.
    assert texts.execute(CUSTOMERS, {"nameContains": "ⅻ roman"})["customers"]["totalCount"] == 1
    assert texts.execute(CUSTOMERS, {"nameContains": "İSTANBUL"})["customers"]["totalCount"] == 1
    assert texts.execute(CUSTOMERS, {"nameContains": "STRASSE"})["customers"]["totalCount"] == 0


def test_integration_text_filters_answer_as_the_plain_filters_do(texts: Emulator) -> None:
    with texts.store.read() as tx:
        for lookup in ("name_Icontains", "description_Icontains", "category_Icontains"):
            for pattern in ("acme", "INVENTORY", "ory", "sales", "zzz", "ac"):
                args = {lookup: pattern}
                assert _ids(tx, "Integration", args, indexed=True) == _ids(
                    tx, "Integration", args, indexed=False
                ), args
        for value in ("not_available_in_marketplace", "NOT_AVAILABLE_IN_MARKETPLACE", "not"):
            args = {"marketplaceConfiguration_Iexact": value}
            found = _ids(tx, "Integration", args, indexed=True)
            assert found == _ids(tx, "Integration", args, indexed=False)
            assert bool(found) == (len(value) > 3)


def _names(emu: Emulator, text: str) -> list[str]:
    found = emu.execute(LIST, {"nameContains": text})["instances"]["nodes"]
    return sorted(node["name"] for node in found)


def test_the_index_follows_every_write() -> None:
    with Emulator(seed="demo", scale=SCALE) as emu:
        _follows_every_write(_named(emu))


def _follows_every_write(emu: Emulator) -> None:
    _index_agrees(emu)
    node = emu.execute(LIST, {"nameContains": "Roman Numerals"})["instances"]["nodes"][0]
    # Renamed: found by its new name, no longer by its old one.
    emu.execute(UPDATE_INSTANCE, {"id": node["id"], "name": "Renamed Eleven", "labels": ["x"]})
    assert _names(emu, "renamed elev") == ["Renamed Eleven"]
    assert _names(emu, "roman numerals") == []
    _index_agrees(emu)
    # A payload error undoes the whole mutation, its text included.
    answer = emu.execute(
        UPDATE_INSTANCE,
        {"id": node["id"], "name": "Never Kept", "vars": [{"key": "No Such", "value": "x"}]},
    )["updateInstance"]
    assert answer["errors"][0]["field"] == "configVariables"
    assert _names(emu, "never kept") == []
    assert _names(emu, "renamed elev") == ["Renamed Eleven"]
    _index_agrees(emu)
    # A deleted customer takes its instances along, out of both indexes.
    owner = emu.execute(LIST, {"nameContains": "mixed case"})["instances"]["nodes"][0]["customer"]
    emu.execute(
        "mutation ($id: ID!) { deleteCustomer(input: {id: $id}) { errors { field } } }",
        {"id": owner["id"]},
    )
    assert _names(emu, "mixed case") == []
    assert emu.execute(CUSTOMERS, {"nameContains": owner["name"]})["customers"]["totalCount"] == 0
    _index_agrees(emu)
    # A new record is found at once.
    emu.execute(
        'mutation { createCustomer(input: {name: "Zebra Logistics"}) { errors { field } } }'
    )
    assert emu.execute(CUSTOMERS, {"nameContains": "ZEBRA"})["customers"]["totalCount"] == 1
    _index_agrees(emu)
    # reset() restores the seeded records (named as the scale names them) and their index.
    emu.reset()
    assert emu.execute(CUSTOMERS, {"nameContains": "ZEBRA"})["customers"]["totalCount"] == 0
    assert _names(emu, "renamed elev") == []
    assert len(_names(emu, "acme inventory")) == 8
    _index_agrees(emu)


def test_a_database_from_before_the_index_is_indexed_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with Emulator(seed="demo", db=path) as emu:
        emu.execute(
            'mutation { createCustomer(input: {name: "Zebra Logistics"}) { errors { field } } }'
        )
    old = sqlite3.connect(path)
    for kind in LAYOUT.texts:
        old.execute(f"DROP TABLE {fulltext.table(kind)}")
    old.commit()
    old.close()
    with Emulator(seed="demo", db=path) as emu:
        assert emu.execute(CUSTOMERS, {"nameContains": "ZEBRA"})["customers"]["totalCount"] == 1
        _index_agrees(emu)


def test_a_changed_layout_rebuilds_its_text_index(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    before = Layout(indexes={"Customer": ()}, texts={"Customer": ("name",)})
    store = Store(path, before)
    with store.write() as tx:
        tx.insert("Customer", {"id": "c1", "name": "Acme", "description": "Anvils"})
    store.close()
    after = Layout(indexes={"Customer": ()}, texts={"Customer": ("name", "description")})
    store = Store(path, after)
    with store.read() as tx:
        assert _ids(tx, "Customer", {"description_Icontains": "anvil"}, indexed=True) == ["c1"]
        assert _uses_index(tx, "Customer", {"description_Icontains": "anvil"})
    store.close()
    # A layout without it drops it: nothing would keep it in step from then on.
    Store(path, Layout(indexes={"Customer": ()})).close()
    db = sqlite3.connect(path)
    assert db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'fts%'").fetchall() == []
    db.close()


def _rename_and_fail(tx: Tx) -> None:
    with tx.savepoint():
        tx.put("Customer", {"id": "c1", "name": "Renamed"})
        tx.insert("Customer", {"id": "c2", "name": "Acme Two"})
        raise ValueError("undo")


def _delete_and_fail(store: Store) -> None:
    with store.write() as tx:
        tx.delete("Customer", "c1")
        tx.insert("Customer", {"id": "c3", "name": "Acme Three"})
        raise ValueError("undo")


def test_writes_undone_leave_the_index_as_it_was(tmp_path: Path) -> None:
    layout = Layout(indexes={"Customer": ()}, texts={"Customer": ("name",)})
    store = Store(tmp_path / "state.sqlite3", layout)
    args = {"name_Icontains": "acme"}
    with store.write() as tx:
        tx.insert("Customer", {"id": "c1", "name": "Acme"})
        with pytest.raises(ValueError, match="undo"):
            _rename_and_fail(tx)  # a savepoint undone, the transaction goes on
        assert _ids(tx, "Customer", args, indexed=True) == ["c1"]
    with pytest.raises(ValueError, match="undo"):
        _delete_and_fail(store)  # the whole transaction rolled back
    with store.read() as tx:
        assert _ids(tx, "Customer", args, indexed=True) == ["c1"]
        assert _ids(tx, "Customer", {"name_Icontains": "renamed"}, indexed=True) == []
    store.close()


def test_fold_keeps_substrings_for_what_fts5_cannot_take() -> None:
    assert fulltext.fold("ÀB\x00c") == "àb\ufffdc"
    assert fulltext.fold("a\ud800B") == "a\ufffdb"
    assert fulltext.text(["Gold", None, True, 2.5, {"k": "V"}]) == 'gold\n1\n2.5\n{"k":"v"}'
    assert fulltext.text(None) is None
    assert fulltext.narrowing("r", "Customer", "name", "ab") is None
    sql, phrase = fulltext.narrowing("r", "Customer", "name", 'A"b') or ("", "")
    assert phrase == '"a""b"'
    assert sql.startswith("r.seq IN (SELECT rowid FROM")
