"""Which root queries and mutations of the schema the emulator implements."""

from __future__ import annotations

from graphql import GraphQLObjectType

from .app import shared_engine
from .engine import registry

COVERAGE_PATH = "docs/emulator-coverage.md"


def rows() -> list[tuple[str, str, bool]]:
    schema = shared_engine().schema
    out = []
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert isinstance(root, GraphQLObjectType)
        for name in sorted(root.fields):
            out.append((kind, name, (root.name, name) in registry.fields))
    return out


def render() -> str:
    table = rows()
    done = sum(1 for *_, emulated in table if emulated)
    lines = [
        "# Emulator coverage",
        "",
        "<!-- Written by `prismatic-connector emulator coverage --output`. Do not edit. -->",
        "",
        f"The emulator implements {done} of the {len(table)} root operations in the project's",
        "schema of Prismatic's API. An operation marked no answers with a \"not supported by the",
        'emulator" GraphQL error; fields it does not implement on emulated types resolve to null',
        "where the schema allows it.",
        "",
        "| Operation | Kind | Emulated |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| `{name}` | {kind} | {'yes' if emulated else 'no'} |" for kind, name, emulated in table
    ]
    return "\n".join(lines) + "\n"
