"""The component as one reproducible zip: manifest, hooks, connection, queries, icon, runtime.

The same files give the same bytes: entries sorted, every timestamp 1980-01-01,
permissions 0644, one compression level. Prismatic compares the SHA-1 of the
package with a component's ``signature`` to tell an unchanged publish, so a
rebuild of an unchanged component must not look new.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .._version import __version__
from ..component.bundle import MANIFEST_NAME, Bundle
from ..errors import ManifestError

# The package folder (this file is in its authoring/ folder).
_RUNTIME = Path(__file__).resolve().parent.parent
# The emulator and the Airflow provider are tools around the component, not part of it.
_NOT_RUNTIME = {"emulator", "airflow", "_component", "__pycache__"}
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_SUFFIXES = {".py", ".json", ".graphql", ".typed"}


@dataclass(frozen=True)
class Package:
    path: Path
    sha1: str
    size: int


def default_path(folder: Path | None = None) -> Path:
    return (folder or Path.cwd()) / "dist" / f"prismatic-{__version__}.zip"


def entries(bundle: Bundle) -> Iterator[tuple[str, Path]]:
    """(name in the zip, file) for every file the package holds."""
    yield MANIFEST_NAME, bundle.manifest
    for folder, pattern in (("actions", "*.py"), ("connections", "*.py"), ("queries", "*")):
        for path in sorted((bundle.root / folder).glob(pattern)):
            if path.is_file():
                yield f"{folder}/{path.name}", path
    for path in sorted((bundle.root / "assets").glob("*")):
        if path.is_file():
            yield f"assets/{path.name}", path
    for path in sorted(_RUNTIME.rglob("*")):
        relative = path.relative_to(_RUNTIME)
        if path.is_file() and path.suffix in _SUFFIXES and not _NOT_RUNTIME & set(relative.parts):
            yield f"runtime/prismatic_connector/{relative.as_posix()}", path


def build(bundle: Bundle) -> bytes:
    """The package's bytes."""
    out = io.BytesIO()
    if not bundle.manifest.is_file():
        raise ManifestError(MANIFEST_NAME, "", "not found: nothing to package")
    found = sorted(entries(bundle))
    with zipfile.ZipFile(out, "w") as archive:
        for name, path in found:
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the permissions below are read as such
            info.external_attr = 0o100644 << 16
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    return out.getvalue()


def sha1(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def write(bundle: Bundle, output: Path | None = None) -> Package:
    """Build the package and write it to ``output`` (default ``dist/prismatic-<version>.zip``)."""
    data = build(bundle)
    target = output or default_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return Package(target, sha1(data), len(data))
