"""The manifest declares exactly the documented component, and refuses malformed files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from prismatic_connector import Component, ManifestError, load_component
from prismatic_connector.component.manifest import load_manifest

from .conftest import ROOT

# Seed 000's keys and labels, and seed 001's input labels in order (Connection first).
DOCUMENTED = {
    "deployInstance": ("Deploy Instance", ["Instance Id"]),
    "disableInstnce": ("Disable Instance", ["Instance Id"]),
    "getCurrentUser": ("Get Current User", []),
    "getCustomer": ("Get Customer", ["Customer"]),
    "getExecution": ("Get Execution", ["Execution Id"]),
    "getInstance": ("Get Instance", ["Instance Id"]),
    "getIntegration": ("Get Integration", ["Integration Id"]),
    "importIntegration": ("Import Integration", ["Integration Id", "YAML Definition"]),
    "listComponents": ("List Components", []),
    "listCustomers": (
        "List Customers",
        [
            "Before",
            "After",
            "Name",
            "Offset",
            "External Id",
            "Description Contains",
            "Label Contains",
            "Last",
            "Name Contains",
            "Name Starts With",
        ],
    ),
    "listFlows": ("List Flows", ["Integration Id"]),
    "listInstances": (
        "List Instances",
        [
            "Name",
            "Before",
            "After",
            "Customer",
            "Offset",
            "Compatibility",
            "Customer External Id",
            "Description",
            "Description Contains",
            "Enabled",
            "First",
            "Integration",
            "Label Contains",
            "Last",
            "Name Contains",
            "Needs Deploy",
        ],
    ),
    "listIntegrations": (
        "List Integrations",
        [
            "After",
            "Before",
            "Name",
            "Offset",
            "All Versions",
            "Category",
            "Category Contains",
            "Description",
            "Description Contains",
            "First",
            "Has Instances",
            "Has Unpublished Changes",
            "Label Contains",
            "Last",
            "Marketplace",
            "Marketplace Config",
            "Name Contains",
            "Version Is Available",
            "Version Number",
            "Version Sequence Id",
        ],
    ),
    "publishIntegration": ("Publish Integration Version", ["Integration Id", "Comments"]),
    "rawRequest": ("Raw GraphQL Request", ["Query or Mutation", "GraphQL Variables"]),
    "testFlow": ("Test Flow", ["Flow Id", "Payload", "Content Type"]),
    "updateInstance": ("Update Instance", ["Instance Id", "Name", "Description"]),
    "updateIntegration": ("Update Integration", ["Integration Id", "Name", "Description"]),
}
DOCUMENTED_DEFAULTS = {
    ("listInstances", "enabled"): True,
    ("listInstances", "needsDeploy"): False,
    ("listIntegrations", "allVersions"): False,
    ("listIntegrations", "hasInstances"): False,
    ("listIntegrations", "hasUnpublishedChanges"): True,
    ("listIntegrations", "marketplace"): False,
    ("listIntegrations", "versionIsAvailable"): True,
    (
        "rawRequest",
        "query",
    ): "query ($myCustomerId: ID!) {\n  customer(id: $myCustomerId) {\n    id\n"
    "    name\n    externalId\n  }\n}\n",
}


def _camel(label: str) -> str:
    words = label.replace("YAML", "Yaml").split()
    return words[0].lower() + "".join(w[:1].upper() + w[1:] for w in words[1:])


def test_component_identity(component: Component) -> None:
    spec = component.spec
    assert (spec.key, spec.label, spec.description) == (
        "prismatic",
        "Prismatic",
        "Interact with the Prismatic internal API",
    )
    assert spec.icon == "assets/icon.png"


def test_actions_are_the_documented_ones_in_documented_shape(component: Component) -> None:
    documented = [a for a in component.actions if not a.added]
    assert {a.key for a in documented} == set(DOCUMENTED)
    # An action the connector adds comes after the documented ones and is marked so.
    assert list(component.actions[: len(documented)]) == documented
    assert not set(DOCUMENTED) & {a.key for a in component.actions if a.added}
    for action in documented:
        label, input_labels = DOCUMENTED[action.key]
        assert action.label == label
        assert action.inputs[0].key == "connection"
        assert action.inputs[0].type == "connection"
        assert [i.label for i in action.inputs[1:]] == input_labels


def test_input_keys_are_camel_case_labels_except_raw_request(component: Component) -> None:
    for action in component.actions:
        for spec in action.value_inputs:
            expected = (
                {"Query or Mutation": "query", "GraphQL Variables": "variables"}.get(spec.label)
                if action.key == "rawRequest"
                else _camel(spec.label)
            )
            assert spec.key == expected, (action.key, spec.label)
    assert component.action("importIntegration").input("yamlDefinition") is not None
    assert component.action("listInstances").input("customerExternalId") is not None


def test_defaults_are_the_documented_ones(component: Component) -> None:
    found = {
        (a.key, i.key): i.default for a in component.actions for i in a.inputs if i.has_default
    }
    assert found == DOCUMENTED_DEFAULTS


def test_disable_instance_alias_resolves_to_documented_key(component: Component) -> None:
    assert component.action("disableInstance").key == "disableInstnce"


def test_every_input_has_type_and_required_flag(component: Component) -> None:
    for action in component.actions:
        for spec in action.inputs:
            assert spec.type in {"string", "boolean", "integer", "code", "connection", "json"}
            assert isinstance(spec.required, bool)


def test_copy_paste_comments_are_corrected(component: Component) -> None:
    corrected = {
        (a.key, i.key) for a in component.actions for i in a.inputs if i.documented_comments
    }
    assert corrected == {
        ("listCustomers", "nameContains"),
        ("listInstances", "nameContains"),
        ("listIntegrations", "nameContains"),
        ("listInstances", "enabled"),
    }
    assert "name contains" in component.action("listCustomers").input("nameContains").comments  # type: ignore[union-attr]
    assert "enabled" in component.action("listInstances").input("enabled").comments  # type: ignore[union-attr]


def test_connection_matches_prismatic_integration_yaml(component: Component) -> None:
    conn = component.connection_spec
    assert (conn.key, conn.label) == ("apiKey", "Prismatic Refresh Token")
    token, tenant = conn.inputs
    assert (token.key, token.label, token.required, token.secret) == (
        "apiKey",
        "Refresh Token",
        True,
        True,
    )
    assert token.comments == (
        "Provide the Refresh Token obtained from the prism command line by calling "
        "prism me:token --type refresh."
    )
    assert (tenant.key, tenant.label, tenant.required) == ("tenantId", "Tenant ID", False)


@pytest.fixture
def bundle_copy(tmp_path: Path) -> Path:
    root = tmp_path / "component"
    for name in ("component.yaml", "queries", "actions", "connections", "assets"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            root.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, root / name)
    return root


def _edit(root: Path, old: str, new: str) -> Path:
    path = root / "component.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "where", "problem"),
    [
        (
            "  - key: deployInstance\n",
            "  - key: deployInstance\n    colour: red\n",
            "actions[0]",
            "unknown key",
        ),
        ("    label: Deploy Instance\n", "", "actions[0]", "missing field"),
        (
            "        default: true\n",
            "        default: yes please\n",
            "actions[11].inputs[10].default",
            "not a valid boolean",
        ),
        (
            "      type: string\n      required: true\n      secret: true",
            "      type: strin\n      required: true\n      secret: true",
            "connection.inputs[0].type",
            "is not one of",
        ),
        ("  - key: getCurrentUser\n", "  - key: deployInstance\n", "actions[2]", "already used"),
    ],
)
def test_malformed_manifest_names_file_path_and_problem(
    bundle_copy: Path, tmp_path: Path, old: str, new: str, where: str, problem: str
) -> None:
    path = _edit(bundle_copy, old, new)
    with pytest.raises(ManifestError) as caught:
        load_manifest(path, cache_dir=tmp_path / "cache")
    assert caught.value.file == str(path)
    assert caught.value.path == where
    assert problem in caught.value.problem
    assert str(path) in str(caught.value)


def test_invalid_yaml_names_line_and_column(bundle_copy: Path, tmp_path: Path) -> None:
    path = _edit(bundle_copy, "label: Prismatic\n", "label: [Prismatic\n")
    with pytest.raises(ManifestError, match=r"line \d+, column \d+"):
        load_manifest(path, cache_dir=tmp_path / "cache")


def test_validated_manifest_is_cached_and_a_change_is_validated_again(
    bundle_copy: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    path = bundle_copy / "component.yaml"
    first = load_manifest(path, cache_dir=cache)
    assert len(list(cache.glob("manifest-*.json"))) == 1
    assert load_manifest(path, cache_dir=cache) == first
    _edit(bundle_copy, "  - key: deployInstance\n", "  - key: deployInstance\n    bogus: 1\n")
    with pytest.raises(ManifestError, match="unknown key"):
        load_manifest(path, cache_dir=cache)


def test_load_component_from_another_root(bundle_copy: Path) -> None:
    other = load_component(bundle_copy)
    assert other.bundle.root == bundle_copy.resolve()
    assert sum(not a.added for a in other.actions) == 18
