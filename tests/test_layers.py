"""The runtime's imports run one way: no cycles (TYPE_CHECKING ones included), nothing
below the component imports it, and hooks reach only the documented face."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "src/prismatic_connector"
# What runs one call below the component: none of it may import the component or above.
BELOW = (
    "clock",
    "connection",
    "errors",
    "policy",
    "ratelimit",
    "redaction",
    "tokens",
    "transport",
    "client",
    "binding",
    "operations",
    "manifest",
    "bundle",
    "hooks",
    "failures",
)
ABOVE = ("runner", "step", "step_protocol", "paging", "cli", "airflow", "publishing", "demo")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules that importing ``path`` imports, TYPE_CHECKING blocks included."""
    own = module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found: set[str] = set()
    statements = list(ast.parse(path.read_text(encoding="utf-8")).body)
    while statements:
        node = statements.pop()
        if isinstance(node, ast.If | ast.Try):
            statements += node.body + node.orelse + getattr(node, "finalbody", [])
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    return {name for name in found if name in known and name != own}


def test_the_runtime_has_no_import_cycles() -> None:
    known = {k: v for k, v in modules().items() if ".emulator" not in k}
    graph = {name: imports(path, known) for name, path in known.items()}
    # A package imports its submodules, which import their siblings: not a cycle of ours.
    graph = {n: {d for d in deps if not n.startswith(f"{d}.")} for n, deps in graph.items()}
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            raise AssertionError(" -> ".join([*trail[trail.index(name) :], name]))
        if name in done:
            return
        for dependency in sorted(graph[name]):
            visit(dependency, [*trail, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])


def test_nothing_below_the_component_imports_it() -> None:
    known = modules()
    for name, path in known.items():
        if name.partition(".")[2].split(".")[0] not in BELOW:
            continue
        above = {m for m in imports(path, known) if m.partition(".")[2].split(".")[0] in ABOVE}
        assert not above, (name, above)


def test_hooks_reach_only_the_documented_face() -> None:
    hooks = sorted((ROOT / "actions").glob("*.py")) + sorted((ROOT / "connections").glob("*.py"))
    assert len(hooks) >= 3
    for path in hooks:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                if name.split(".")[0] == "prismatic_connector":
                    assert name == "prismatic_connector.component.hooks", (path.name, name)
