"""The built wheel carries the whole component inside one package, and works installed."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

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
    } | {f"queries/{p.name}" for p in (ROOT / "queries").glob("*.graphql")}
    # Every action hook the manifest names ships beside it.
    expected |= {f"actions/{p.name}" for p in (ROOT / "actions").glob("*.py")}
    assert {"actions/raw_request.py", "actions/execution_filters.py"} <= expected
    expected |= {f"queries/{p.name}" for p in (ROOT / "queries").glob("*.example.json")}
    assert {n.removeprefix(component) for n in names if n.startswith(component)} == expected
    assert "prismatic_connector/py.typed" in names
    assert "prismatic_connector/schema/prismatic.graphql" in names
    operations = "prismatic_connector/authoring/operations"
    assert f"{operations}/publishComponent.graphql" in names
    assert f"{operations}/componentSignature.graphql" in names
    assert "prismatic_connector/component/manifest.schema.json" in names
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
        "print(sum(not a.added for a in c.actions))"
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
    assert {
        "src/prismatic_connector/authoring/packaging.py",
        "tests/compat/package-lock.json",
    } <= names


def wanted(requirement: Requirement) -> bool:
    """Whether a plain install on this machine brings the requirement."""
    marker = requirement.marker
    return marker is None or marker.evaluate({"extra": ""})


def core_dependencies(wheel: Path, target: Path) -> None:
    """Links the packages a plain install of the wheel brings into ``target``; the wheel's
    own metadata says which, not this environment's install of the project."""
    import email

    with zipfile.ZipFile(wheel) as archive:
        (meta,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        own = email.message_from_bytes(archive.read(meta)).get_all("Requires-Dist") or []
    link_closure([r.name for r in map(Requirement, own) if wanted(r)], target)


def link_closure(names: list[str], target: Path) -> None:
    """Links to the named distributions and everything they need, taken from this
    environment, into ``target``; nothing else is there."""
    import re
    from importlib import metadata

    seen: set[str] = {"prismatic-connector"}
    todo = list(names)
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        seen.add(name)
        dist = metadata.distribution(name)
        todo += [r.name for r in map(Requirement, dist.requires or []) if wanted(r)]
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops:
            source = Path(str(dist.locate_file(top)))
            if source.exists() and not (target / top).exists() and top != "__pycache__":
                (target / top).symlink_to(source)


def test_a_plain_install_runs_actions_and_names_the_emulator_extra(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "plain"
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
    deps = tmp_path / "deps"
    deps.mkdir()
    core_dependencies(wheel, deps)
    (site / "deps.pth").write_text(f"{deps}\n")
    for extra in ("msgpack", "trustme", "cryptography", "argcomplete", "airflow", "gql"):
        assert not (deps / extra).exists(), extra

    from .loopback import REFRESH_TOKEN, RecordingServer, start

    state = RecordingServer()
    httpd, _ = start(state)
    state.reply_data({"authenticatedUser": {"id": "u1"}})
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}
    api = {**env, "PRISM_REFRESH_TOKEN": REFRESH_TOKEN, "PRISMATIC_URL": state.url}

    def cli(*args: str, stdin: str = "", environment: dict[str, str] = api) -> Any:
        return subprocess.run(
            [str(python), "-m", "prismatic_connector", *args],
            input=stdin,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )

    try:
        invoked = cli("invoke", "getCurrentUser")
        assert invoked.returncode == 0, invoked.stderr
        assert json.loads(invoked.stdout)["data"]["data"] == {"authenticatedUser": {"id": "u1"}}
        request = {"action": "getCurrentUser", "connection": {"apiKey": REFRESH_TOKEN}}
        stepped = cli("step", stdin=json.dumps(request))
        assert stepped.returncode == 0, stepped.stdout + stepped.stderr
        assert len(state.api_calls) == 2
    finally:
        httpd.shutdown()
        httpd.server_close()
    extra = "pip install 'prismatic-connector[emulator]'"
    for args in (["demo"], ["emulator", "serve", "--port", "0"]):
        done = cli(*args, environment=env)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert done.stderr.count("\n") == 1
        assert extra in done.stderr
    # The control surface's client needs only requests: a suite drives a served
    # emulator from a plain install.
    client = subprocess.run(
        [
            str(python),
            "-c",
            "from prismatic_connector.emulator import EmulatorClient\n"
            "from prismatic_connector.errors import TransportError\n"
            "client = EmulatorClient('http://127.0.0.1:9', admin_key='k')\n"
            "try:\n    client.clock()\nexcept TransportError as e:\n    print('unreachable')",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (client.returncode, client.stdout) == (0, "unreachable\n"), client.stderr
    # pytest loads the plugin in every run where the project is installed; without the
    # extra it still loads, and only a test that asks for an emulator is told what to add.
    link_closure(["pytest"], deps)
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_plain.py").write_text(
        "def test_plain():\n    pass\n\n\n"
        "def test_wants_an_emulator(prismatic_emulator):\n    pass\n"
    )
    plugin = subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-rA", str(suite)],
        env=env,
        cwd=suite,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert plugin.returncode == 1, plugin.stdout + plugin.stderr
    assert "PASSED test_plain.py::test_plain" in plugin.stdout
    assert "ERROR test_plain.py::test_wants_an_emulator" in plugin.stdout
    assert extra in plugin.stdout
