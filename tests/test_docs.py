"""The generated reference follows Prismatic's layout and lists the corrected comments."""

from __future__ import annotations

from prismatic_connector import Component
from prismatic_connector.authoring.docs import render


def test_reference_has_connection_and_an_input_table_per_action(component: Component) -> None:
    text = render(component.spec)
    assert "### Prismatic Refresh Token" in text
    assert "| Refresh Token | Provide the Refresh Token obtained" in text
    for action in component.actions:
        assert f"### {action.label}\n\n{action.description} | key: `{action.key}`" in text
    # The connection and every action, the 18 documented and those the connector adds.
    assert text.count("\n| Input ") == 1 + len(component.actions)
    assert sum(not a.added for a in component.actions) == 18


def test_defaults_and_notes_are_documented(component: Component) -> None:
    text = render(component.spec)
    section = text.split("### List Instances", 1)[1].split("### ", 1)[0]
    assert "By default only enabled instances that don't need a deploy are listed" in section
    assert "| Enabled " in section
    assert "| true    |" in section
    section = text.split("### List Integrations", 1)[1].split("### ", 1)[0]
    assert "only integrations with unpublished changes" in section


def test_corrections_are_listed(component: Component) -> None:
    text = render(component.spec)
    corrections = text.split("## Corrections to the published reference", 1)[1]
    assert (
        corrections.count("A non-negative integer that specifies to return at most last edges") == 3
    )
    rows = [line.split("|")[1:3] for line in corrections.splitlines() if line.startswith("| List")]
    assert [(a.strip(), i.strip()) for a, i in rows] == [
        ("List Customers", "Name Contains"),
        ("List Instances", "Enabled"),
        ("List Instances", "Name Contains"),
        ("List Integrations", "Name Contains"),
    ]


def test_an_action_the_connector_adds_is_marked_as_such(component: Component) -> None:
    from dataclasses import replace

    from prismatic_connector.authoring.docs import ADDED

    spec = component.spec
    first, *rest = spec.actions
    marked = replace(spec, actions=(replace(first, added=True), *rest))
    text = render(marked)
    section = text.split(f"### {first.label}\n", 1)[1].split("\n### ", 1)[0]
    assert ADDED in section
    assert text.count(ADDED) == 1 + render(spec).count(ADDED)
