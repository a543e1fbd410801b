"""Where the component's files are: in an installed wheel, or in a checkout.

A wheel carries them in the package folder ``_component/``. An editable install
or a plain checkout has them at the repository root, two levels above the package.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from ..errors import ManifestError

# The package folder (this file is in its component/ folder).
_PACKAGE_DIR = Path(__file__).resolve().parent.parent
MANIFEST_NAME = "component.yaml"


@dataclass(frozen=True)
class Bundle:
    """The folder that holds ``component.yaml`` and its siblings."""

    root: Path

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST_NAME

    @property
    def installed(self) -> bool:
        """Whether this is the copy inside an installed wheel, which is not written to."""
        return self.root == _PACKAGE_DIR / "_component"

    def query_path(self, action_key: str) -> Path:
        return self.root / "queries" / f"{action_key}.graphql"

    def read_query(self, action_key: str) -> str:
        path = self.query_path(action_key)
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ManifestError(
                str(path), "", f"the operation of action {action_key!r} is missing"
            ) from exc

    def action_hook_path(self, name: str) -> Path:
        return self.root / "actions" / f"{name}.py"

    def connection_hook_path(self, name: str) -> Path:
        return self.root / "connections" / f"{name}.py"

    def asset(self, relative: str) -> Path:
        return self.root / relative


def find_bundle(root: Path | None = None) -> Bundle:
    """The bundle at ``root``, else the installed one, else the checkout's."""
    candidates = [root] if root else [_PACKAGE_DIR / "_component", _PACKAGE_DIR.parent.parent]
    for candidate in candidates:
        if (candidate / MANIFEST_NAME).is_file():
            return Bundle(candidate)
    looked = ", ".join(str(c) for c in candidates)
    raise ManifestError(MANIFEST_NAME, "", f"not found (looked in {looked})")


_loading = threading.RLock()


def load_module(path: Path, qualname: str) -> ModuleType:
    """Import a hook file under a private module name, once per process.

    A module is in ``sys.modules`` while it runs, so a second thread must not
    take it from there before the first has finished: the whole load is one
    critical section.
    """
    with _loading:
        return _load(path, f"prismatic_connector._hooks.{qualname}")


def _load(path: Path, name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None or not path.is_file():
        raise ManifestError(str(path), "", "hook file is missing")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
