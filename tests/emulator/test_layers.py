"""The emulator's shape: model modules import one way, resolvers only the model, only the
HTTP front serves HTTP, nothing of the package is imported but its base, all kept small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from prismatic_connector.emulator import Emulator

PACKAGE = Path(__file__).resolve().parents[2] / "src/prismatic_connector/emulator"
MODULES = sorted(PACKAGE.rglob("*.py"))
# What of prismatic_connector the emulator may import: the base layer and the schema.
BASE = {"errors", "policy", "clock", "redaction", "names", "_version", "schema"}
SERVING = ("http.server", "socketserver", "socket")
# Lowest first: a model module may import only those before it.
MODEL_ORDER = [
    "base",
    "org",
    "customers",
    "components",
    "uploads",
    "signing",
    "onprem",
    "scoped",
    "integrations",
    "workflows",
    "conversion",
    "instances",
    "upgrades",
    "alerts",
    "scripts",
    "authoring",
    "triggers",
    "executions",
]


def _imports(path: Path) -> set[str]:
    """The emulator modules a file imports, as ``folder.module`` or ``module``."""
    folder = path.parent.relative_to(PACKAGE).parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or node.level == 0:
            continue
        base = list(folder[: len(folder) - (node.level - 1)]) if node.level > 1 else list(folder)
        if node.level > len(folder) + 1:
            continue  # reaches outside the emulator package
        parts = base + (node.module.split(".") if node.module else [])
        if node.module:
            found.add(".".join(parts))
        for alias in node.names:
            candidate = PACKAGE.joinpath(*parts, f"{alias.name}.py")
            if candidate.is_file():
                found.add(".".join([*parts, alias.name]))
    return found


@pytest.mark.parametrize("name", MODEL_ORDER)
def test_model_modules_import_only_lower_ones(name: str) -> None:
    allowed = {f"model.{lower}" for lower in MODEL_ORDER[: MODEL_ORDER.index(name)]}
    found = _imports(PACKAGE / "model" / f"{name}.py")
    upward = {m for m in found if m.startswith("model.") and m not in allowed}
    assert upward == set(), f"model.{name} imports {upward}"
    outward = {m for m in found if m.split(".")[0] in ("resolvers", "engine", "http", "app")}
    assert outward == set(), f"model.{name} reaches up into {outward}"


def test_every_model_module_is_in_the_order() -> None:
    on_disk = {p.stem for p in (PACKAGE / "model").glob("*.py")} - {"__init__"}
    assert on_disk == set(MODEL_ORDER)


@pytest.mark.parametrize(
    "path", sorted((PACKAGE / "resolvers").glob("*.py")), ids=lambda p: str(p.stem)
)
def test_resolvers_never_import_one_another(path: Path) -> None:
    if path.stem == "__init__":
        return
    others = {m for m in _imports(path) if m.startswith("resolvers.")} - {"resolvers.common"}
    assert others == set()


def _absolute_imports(path: Path, root: Path = PACKAGE) -> set[str]:
    """Every module a file of the emulator (at ``root``) imports, by its full name: at the
    top, in functions and under TYPE_CHECKING alike (``from x import y``: ``x`` and ``x.y``)."""
    package = ["prismatic_connector", "emulator", *path.parent.relative_to(root).parts]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + (node.module.split(".") if node.module else []))
            if node.module:
                found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _ids(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


@pytest.mark.parametrize("path", MODULES, ids=_ids)
def test_the_emulator_imports_nothing_of_the_package_but_its_base(path: Path) -> None:
    outside = {
        name
        for name in _absolute_imports(path)
        if name.startswith("prismatic_connector.") and name.split(".")[1] not in ("emulator", *BASE)
    }
    assert outside == set(), f"{_ids(path)} imports {outside}"


@pytest.mark.parametrize("path", MODULES, ids=_ids)
def test_only_the_http_front_serves_http(path: Path) -> None:
    if _ids(path).startswith("http/"):
        return
    serving = {
        name
        for name in _absolute_imports(path)
        if any(name == s or name.startswith(f"{s}.") for s in SERVING)
    }
    assert serving == set(), f"{_ids(path)} imports {serving}"


def test_the_checks_see_every_kind_of_import(tmp_path: Path) -> None:
    probe = tmp_path / "model" / "probe.py"
    probe.parent.mkdir()
    probe.write_text(
        "from typing import TYPE_CHECKING\n"
        "from ...component import manifest\n"
        "if TYPE_CHECKING:\n"
        "    from ...transport import core\n"
        "def late():\n"
        "    import socketserver\n"
        "    from http import server\n"
        "    from ... import names, connection\n",
        encoding="utf-8",
    )
    assert _absolute_imports(probe, root=tmp_path) >= {
        "prismatic_connector.component.manifest",
        "prismatic_connector.transport.core",
        "socketserver",
        "http.server",
        "prismatic_connector.names",
        "prismatic_connector.connection",
    }


@pytest.mark.parametrize("path", MODULES, ids=_ids)
def test_modules_stay_small(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400


def test_seeded_and_created_users_answer_the_same_fields(prismatic_emulator: Emulator) -> None:
    emu = prismatic_emulator
    role = emu.execute("{ organizationRoles { id } }")["organizationRoles"][0]["id"]
    created = emu.execute(
        """mutation ($role: ID!) {
          createOrganizationUser(input: {email: "new@smith-rockets.example", name: "New",
                                         role: $role}) { user { id } errors { field } } }""",
        {"role": role},
    )["createOrganizationUser"]["user"]["id"]
    fields = "id email name appName allowChangeRoles allowUpdate darkMode org { id } role { id }"
    owner = emu.execute(f"{{ authenticatedUser {{ {fields} }} }}")["authenticatedUser"]
    user = emu.execute(
        f'{{ organization {{ users(email: "new@smith-rockets.example")'
        f" {{ nodes {{ {fields} }} }} }} }}"
    )["organization"]["users"]["nodes"][0]
    assert user["id"] == created
    assert {k for k, v in owner.items() if v is None} == {k for k, v in user.items() if v is None}
    assert user["appName"] == owner["appName"] == "Prismatic"
    assert user["org"] == owner["org"]
