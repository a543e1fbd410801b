"""The package's shape: every module has a layer and imports only what lies below it, no
import cycle anywhere (TYPE_CHECKING imports included), small modules and functions,
and hooks that reach only their documented face."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "src/prismatic_connector"
# Each layer by the first part of a module's name below the package, lowest first.
LAYERS = {
    "base": ("_version", "_moved", "errors", "policy", "clock", "redaction", "names", "schema"),
    "emulator": ("emulator",),
    "transport": ("transport",),
    "connection": ("connection",),
    "component": ("component",),
    "jobs": ("jobs",),
    "authoring": ("authoring",),
    "interfaces": ("airflow",),
    "top": ("cli", "entry", "pytest_plugin", "__main__", ""),
}
RANK = {
    "base": 0,
    "emulator": 1,
    "transport": 1,
    "connection": 2,
    "component": 3,
    "jobs": 4,
    "authoring": 5,
    "interfaces": 5,
    "top": 6,
}
# Seed data and the demo's script read as the data and prose they are.
LONG_FUNCTIONS_ALLOWED = {"emulator/seed.py", "authoring/demo.py"}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(name: str) -> str:
    head = name.partition(".")[2].split(".")[0]
    for layer, heads in LAYERS.items():
        if head in heads:
            return layer
    raise AssertionError(f"{name} has no layer: add its folder to LAYERS")


def imports(path: Path, known: dict[str, Path], *, everywhere: bool = False) -> set[str]:
    """The package's modules ``path`` imports: at module level (TYPE_CHECKING blocks
    included), or ``everywhere`` (functions' own imports too)."""
    own = module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    statements = list(ast.walk(tree)) if everywhere else list(tree.body)
    found: set[str] = set()
    while statements:
        node = statements.pop()
        if not everywhere and isinstance(node, ast.If | ast.Try):
            statements += node.body + node.orelse + getattr(node, "finalbody", [])
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            if node.module:  # "from . import x" imports x, not the package it lies in
                found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    return {name for name in found if name in known and name != own}


def test_every_module_has_a_layer_and_imports_only_below_it() -> None:
    known = modules()
    wrong = []
    for name, path in known.items():
        mine = layer_of(name)
        for target in imports(path, known, everywhere=True):
            theirs = layer_of(target)
            below = RANK[theirs] < RANK[mine] and not (mine == "emulator" and theirs != "base")
            if theirs != mine and not below:
                wrong.append(f"{name} ({mine}) imports {target} ({theirs})")
    assert not wrong, "\n".join(wrong)


def test_the_package_has_no_import_cycles() -> None:
    known = modules()
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


def test_at_most_sixteen_modules_lie_at_the_top() -> None:
    top = [p.name for p in PACKAGE.glob("*.py")]
    others = set(top) - {"__init__.py", "__main__.py", "_version.py"}
    assert len(others) <= 16, sorted(others)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: module_name(p))
def test_modules_and_functions_stay_small(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_MODULE_LINES
    if str(path.relative_to(PACKAGE)) in LONG_FUNCTIONS_ALLOWED:
        return
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]  # the docstring is not code
            size = (body[-1].end_lineno or 0) - body[0].lineno + 1 if body else 0
            assert size <= MAX_FUNCTION_LINES, f"{node.name}: {size} lines"


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
