"""Modules that moved into the package's folders, importable by their old names.

``import prismatic_connector.auth`` (and ``from prismatic_connector.auth import
Connection``) still work: the finder below answers an old name with the module now
in charge, the same module object, so there is one ``Connection`` class whichever
way it was imported. Nothing in the package imports an old name itself.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

_PACKAGE = __name__.rpartition(".")[0]
# Old module (relative to the package) -> where it lives now.
MOVED = {
    "auth": "connection",
    "connection_cache": "connection",
    "attempt": "transport.attempt",
    "ratelimit": "transport.limiter",
    "tokens": "transport.tokens",
    "client": "component.answers",
    "manifest": "component.manifest",
    "bundle": "component.bundle",
    "binding": "component.binding",
    "operations": "component.operations",
    "runner": "component.runner",
    "step": "component.step",
    "hooks": "component.hooks",
    "failures": "component.failures",
    "yaml_source": "component.yaml_source",
    "waiting": "component.waiting",
    "paging": "jobs.paging",
    "checks": "authoring.checks",
    "integration_check": "authoring.integration_check",
    "docs": "authoring.docs",
    "examples": "authoring.examples",
    "packaging": "authoring.packaging",
    "publishing": "authoring.publishing",
    "demo": "authoring.demo",
    "step_protocol": "cli.step",
    "emulator.commands": "cli.emulator",
    "emulator.envfile": "cli.envfile",
    "emulator.model.layout": "emulator.layout",
    "emulator.server": "emulator.http.server",
}


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self) -> None:
        self._specs: dict[int, importlib.machinery.ModuleSpec | None] = {}

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        old = fullname.removeprefix(f"{_PACKAGE}.")
        if old == fullname or old not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        old = spec.name.removeprefix(f"{_PACKAGE}.")
        module = importlib.import_module(f"{_PACKAGE}.{MOVED[old]}")
        self._specs[id(module)] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module is the one already imported under its new name.
        Importing it by its old name gave it the old name's spec; its own goes back, so
        the imports inside its functions still resolve from where it lives."""
        module.__spec__ = self._specs.pop(id(module), module.__spec__)


def install() -> None:
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.append(_Finder())
