"""Every operation validates against the schema, and the check finds planted mistakes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, parse, validate

from prismatic_connector import load_component
from prismatic_connector.authoring.checks import check_component
from prismatic_connector.schema import schema

from .conftest import ROOT


@pytest.mark.parametrize("path", sorted((ROOT / "queries").glob("*.graphql")), ids=lambda p: p.stem)
def test_operation_validates_against_schema(path: Path) -> None:
    assert validate(schema(), parse(path.read_text())) == []


PUBLISHING = ROOT / "src/prismatic_connector/authoring/operations"


@pytest.mark.parametrize("path", sorted(PUBLISHING.glob("*.graphql")), ids=lambda p: p.stem)
def test_publishing_operation_validates_against_schema(path: Path) -> None:
    document = parse(path.read_text())
    assert validate(schema(), document) == []
    (operation,) = document.definitions
    assert isinstance(operation, OperationDefinitionNode)
    assert operation.name is not None
    assert operation.name.value == path.stem


def test_publishing_has_its_two_operations() -> None:
    names = {p.stem for p in PUBLISHING.glob("*.graphql")}
    assert names == {"publishComponent", "componentSignature"}


def test_schema_keeps_real_root_type_names() -> None:
    assert schema().query_type.name == "RootQuery"  # type: ignore[union-attr]
    assert schema().mutation_type.name == "RootMutation"  # type: ignore[union-attr]


def test_shipped_component_has_no_findings() -> None:
    assert [str(f) for f in check_component(load_component())] == []


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    root = tmp_path / "c"
    shutil.copytree(
        ROOT,
        root,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "node_modules", "__pycache__", "tests", "src", "docs"
        ),
    )
    return root


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("file", "old", "new", "finding"),
    [
        (
            "queries/getCustomer.graphql",
            "($customer: ID!)",
            "($customer: ID)",
            "getCustomer: input 'customer' -> $customer: the input is required but the variable type ID is nullable",
        ),
        (
            "queries/listInstances.graphql",
            "  $nameContains: String\n",
            "",
            "listInstances: input 'nameContains': binds to no variable",
        ),
        (
            "queries/updateInstance.graphql",
            "$description: String)",
            "$description: String, $labels: [String])",
            "updateInstance: variable $labels: no input fills it",
        ),
        (
            "queries/publishIntegration.graphql",
            "$comments: String)",
            "$comments: String!)",
            "publishIntegration: input 'comments' -> $comments: the variable type String! is non-null but the input is optional",
        ),
        (
            "queries/listInstances.graphql",
            "$enabled: Boolean",
            "$enabled: Int",
            "listInstances: input 'enabled' -> $enabled: a boolean input cannot fill a Int variable",
        ),
        (
            "queries/listCustomers.graphql",
            "    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n",
            "",
            "listCustomers: operation: a list action must select pageInfo",
        ),
        (
            "queries/getCurrentUser.graphql",
            "    tenantId\n",
            "    tenantIdentifier\n",
            "getCurrentUser: queries/getCurrentUser.graphql: invalid against the schema: Cannot query field 'tenantIdentifier'",
        ),
        (
            "component.yaml",
            "        default: false\n        comments: Filter for objects where needsDeploy",
            "        default: nope\n        comments: Filter for objects where needsDeploy",
            None,
        ),
    ],
)
def test_check_finds_planted_mistake(
    copy: Path, file: str, old: str, new: str, finding: str | None
) -> None:
    _replace(copy / file, old, new)
    if finding is None:  # a default of the wrong type is refused when the manifest loads
        from prismatic_connector import ManifestError

        with pytest.raises(ManifestError, match="not a valid boolean default"):
            load_component(copy)
        return
    findings = [str(f) for f in check_component(load_component(copy))]
    assert any(f.startswith(finding) for f in findings), findings


def test_check_flags_a_default_the_variable_refuses(copy: Path) -> None:
    first = (
        "      - key: first\n        label: First\n        type: integer\n        required: false\n"
    )
    text = (copy / "component.yaml").read_text()
    assert text.count(first) >= 2  # listInstances' comes first
    (copy / "component.yaml").write_text(
        text.replace(first, first + "        default: 99999999999\n", 1)
    )
    findings = [str(f) for f in check_component(load_component(copy))]
    assert len(findings) == 1
    assert findings[0].startswith(
        "listInstances: input 'first' -> $first: default 99999999999 does not fit Int"
    )


def test_check_flags_a_bad_icon(copy: Path) -> None:
    (copy / "assets/icon.png").write_bytes(b"GIF89a")
    findings = [str(f) for f in check_component(load_component(copy))]
    assert "component: icon assets/icon.png: is not a PNG file" in findings
