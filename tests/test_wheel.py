"""The built wheel carries the whole component inside one package, and works installed."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("prismatic_connector-*.whl")
    return built


def test_wheel_installs_one_top_level_package_with_the_component(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == {"prismatic_connector"}
    component = "prismatic_connector/_component/"
    expected = {
        "component.yaml",
        "assets/icon.png",
        "connections/refresh_token.py",
        "actions/raw_request.py",
        "actions/yaml_definition.py",
    } | {f"queries/{p.name}" for p in (ROOT / "queries").glob("*.graphql")}
    expected |= {f"queries/{p.name}" for p in (ROOT / "queries").glob("*.example.json")}
    assert {n.removeprefix(component) for n in names if n.startswith(component)} == expected
    assert "prismatic_connector/py.typed" in names
    assert "prismatic_connector/schema/prismatic.graphql" in names
    operations = "prismatic_connector/authoring/operations"
    assert f"{operations}/publishComponent.graphql" in names
    assert f"{operations}/componentSignature.graphql" in names
    assert "prismatic_connector/manifest.schema.json" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def install(wheel: Path, target: Path) -> None:
    """The wheel alone into ``target``, as pip installs it; no index is asked."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )


def test_installed_wheel_finds_its_component(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    install(wheel, target)
    assert not (target / "actions").exists()
    assert not (target / "connections").exists()
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import prismatic_connector as p;"
        "from prismatic_connector.authoring.checks import check_component;"
        "c = p.load_component();"
        "assert c.bundle.root.is_relative_to(sys.argv[1]), c.bundle.root;"
        "assert [str(f) for f in check_component(c)] == [];"
        "r = c.prepare('rawRequest', {'variables': [{'name': 'a', 'value': 1}]});"
        "assert r.variables == {'a': 1};"
        "c.exchange();"
        "import io, prismatic_connector.authoring.demo as d; out = io.StringIO(); d.run(out);"
        "assert 'Deployed version 1' in out.getvalue(), out.getvalue();"
        "print(len(c.actions))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "18"


def test_a_runner_finds_the_component_by_its_entry_point_in_a_fresh_venv(
    wheel: Path, tmp_path: Path
) -> None:
    python, site = fresh_venv(wheel, tmp_path)
    probe = (
        "from importlib.metadata import entry_points\n"
        "import sys\n"
        "found = entry_points(group='prismatic.components')['prismatic'].load()\n"
        "assert found.bundle.root.is_relative_to(sys.argv[1]), found.bundle.root\n"
        "step = found.step('disableInstance')\n"
        "print(type(found).__name__, step.key, len(step.inputs))\n"
    )
    done = subprocess.run(
        [str(python), "-c", probe, str(site)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["Component", "disableInstnce", "2"]


def test_commands_from_an_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    """In a fresh venv: actions and package work; what needs a checkout says so, and
    nothing is written into the installed package."""
    python, target = fresh_venv(wheel, tmp_path)
    before = sorted(
        p.relative_to(target) for p in target.rglob("*") if "__pycache__" not in p.parts
    )

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(python), "-m", "prismatic_connector", *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )

    actions = cli("actions", "--json")
    assert actions.returncode == 0, actions.stderr
    assert all(a["examplePayload"] for a in json.loads(actions.stdout)["actions"])
    packaged = cli("package")
    assert packaged.returncode == 0, packaged.stderr
    assert (tmp_path / "dist" / "prismatic-0.1.0.zip").is_file()
    docs = cli("docs")
    assert docs.returncode == 2
    assert "works on a checkout" in docs.stderr
    assert cli("docs", "--output", str(tmp_path / "c.md")).returncode == 0
    coverage = cli("emulator", "coverage", "--check")
    assert coverage.returncode == 2
    assert "not found" in coverage.stderr
    assert "out of date" not in coverage.stderr
    examples = cli("examples", "--check")
    assert examples.returncode == 2
    assert "installed copy" in examples.stderr
    after = sorted(p.relative_to(target) for p in target.rglob("*") if "__pycache__" not in p.parts)
    assert after == before


def fresh_venv(wheel: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A new venv with the wheel installed; its python and its site-packages."""
    venv = tmp_path / "fresh"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()
    )
    install(wheel, site)
    # The dependencies come from this environment's site-packages, read as a plain
    # path: its .pth files (the checkout's editable install among them) are not run.
    import requests

    (site / "deps.pth").write_text(str(Path(requests.__file__).parent.parent) + "\n")
    return python, site


def test_the_sdist_carries_the_component_and_its_tests(tmp_path: Path) -> None:
    subprocess.run(
        [
            *(sys.executable, "-m", "build", "--sdist", "--no-isolation"),
            *("--outdir", str(tmp_path), str(ROOT)),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = tmp_path.glob("prismatic_connector-*.tar.gz")
    import tarfile

    with tarfile.open(built) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"component.yaml", "assets/icon.png", "queries/getInstance.example.json"} <= names
    assert {"src/prismatic_connector/packaging.py", "tests/compat/package-lock.json"} <= names
