"""Load the component manifest, validate it, and freeze it into specs.

Validation needs PyYAML and jsonschema, which cost more to import than a whole
action call. The validated manifest is therefore cached as JSON, keyed by a hash
of the manifest, its schema and this package's version: a changed manifest is
validated again, an unchanged one is read back with the standard library only.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

from .._version import __version__
from ..errors import ManifestError

InputType = Literal["string", "boolean", "integer", "code", "connection", "json"]
Scalar = str | bool | int

_SCHEMA_NAME = "manifest.schema.json"


@dataclass(frozen=True)
class InputSpec:
    key: str
    label: str
    type: InputType
    required: bool
    default: Scalar | None = None
    comments: str = ""
    documented_comments: str | None = None
    secret: bool = False
    hook: bool = False

    @property
    def has_default(self) -> bool:
        return self.default is not None


@dataclass(frozen=True)
class ActionSpec:
    key: str
    label: str
    description: str
    inputs: tuple[InputSpec, ...]
    aliases: tuple[str, ...] = ()
    notes: str = ""
    hook: str | None = None
    # Not one of the documented component's actions: this connector adds it.
    added: bool = False

    def input(self, key: str) -> InputSpec | None:
        return next((spec for spec in self.inputs if spec.key == key), None)

    @cached_property
    def value_inputs(self) -> tuple[InputSpec, ...]:
        """The inputs other than the connection."""
        return tuple(spec for spec in self.inputs if spec.type != "connection")


@dataclass(frozen=True)
class ConnectionSpec:
    key: str
    label: str
    comments: str
    hook: str
    inputs: tuple[InputSpec, ...]


@dataclass(frozen=True)
class ComponentSpec:
    key: str
    label: str
    description: str
    icon: str
    connection: ConnectionSpec
    actions: tuple[ActionSpec, ...]
    documentation: str = ""
    _index: Mapping[str, ActionSpec] = field(default_factory=dict, repr=False, compare=False)

    def action(self, key: str) -> ActionSpec | None:
        """The action with this key or alias."""
        return self._index.get(key)


def load_manifest(path: Path, *, cache_dir: Path | None = None) -> ComponentSpec:
    """Read ``path``, validate it (or reuse the cached validation), and freeze it."""
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise ManifestError(str(path), "", f"cannot be read ({exc.strerror})") from exc
    schema_bytes = resources.files(__package__).joinpath(_SCHEMA_NAME).read_bytes()
    digest = hashlib.sha256(raw_bytes + b"\0" + schema_bytes + __version__.encode()).hexdigest()
    cache = (cache_dir or _default_cache_dir()) / f"manifest-{digest[:32]}.json"
    data: Any = None
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = _validate(path, raw_bytes, schema_bytes)
        _write_quietly(cache, json.dumps(data))
    return _freeze(path, data)


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "prismatic-connector"


def _write_quietly(target: Path, text: str) -> None:
    # A cache that cannot be written only costs speed, never correctness.
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    except OSError:
        pass


def _validate(path: Path, raw_bytes: bytes, schema_bytes: bytes) -> Any:
    import jsonschema
    import yaml

    try:
        data = yaml.safe_load(raw_bytes)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ManifestError(str(path), where, f"invalid YAML: {problem}") from exc
    validator = jsonschema.Draft202012Validator(json.loads(schema_bytes))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        raise ManifestError(str(path), _json_path(first.absolute_path), _explain(first))
    _check_consistency(path, data)
    return data


def _explain(error: Any) -> str:
    if error.validator == "additionalProperties":
        return f"unknown key: {error.message.split('(')[-1].rstrip(')')}"
    if error.validator == "required":
        return f"missing field: {error.message}"
    return str(error.message)


def _json_path(parts: Sequence[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _check_consistency(path: Path, data: Mapping[str, Any]) -> None:
    """What JSON Schema cannot say: unique keys, one connection input, typed defaults."""
    seen: dict[str, str] = {}
    for a, action in enumerate(data["actions"]):
        where = f"actions[{a}]"
        for name in [action["key"], *action.get("aliases", [])]:
            if name in seen:
                raise ManifestError(
                    str(path), where, f"key {name!r} is already used by {seen[name]}"
                )
            seen[name] = where
        _check_inputs(path, where, action["inputs"])
        connections = [i for i in action["inputs"] if i["type"] == "connection"]
        if len(connections) != 1:
            raise ManifestError(str(path), f"{where}.inputs", "needs exactly one connection input")
        if any(i.get("hook") for i in action["inputs"]) and "hook" not in action:
            raise ManifestError(str(path), where, "has inputs marked hook: true but no hook")
    _check_inputs(path, "connection", data["connection"]["inputs"])


_DEFAULT_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "code": str,
    "json": str,
    "boolean": bool,
    "integer": int,
}


def _check_inputs(path: Path, where: str, inputs: Sequence[Mapping[str, Any]]) -> None:
    keys: set[str] = set()
    for i, spec in enumerate(inputs):
        here = f"{where}.inputs[{i}]"
        if spec["key"] in keys:
            raise ManifestError(str(path), here, f"input key {spec['key']!r} is repeated")
        keys.add(spec["key"])
        if "default" in spec:
            expected = _DEFAULT_TYPES.get(spec["type"])
            value = spec["default"]
            wrong_bool = spec["type"] == "integer" and isinstance(value, bool)
            if expected is None or not isinstance(value, expected) or wrong_bool:
                raise ManifestError(
                    str(path), f"{here}.default", f"{value!r} is not a valid {spec['type']} default"
                )


def _freeze(path: Path, data: Mapping[str, Any]) -> ComponentSpec:
    actions = tuple(
        ActionSpec(
            key=a["key"],
            label=a["label"],
            description=a["description"],
            inputs=tuple(_input(i) for i in a["inputs"]),
            aliases=tuple(a.get("aliases", ())),
            notes=a.get("notes", "").strip(),
            hook=a.get("hook"),
            added=a.get("addedByConnector", False),
        )
        for a in data["actions"]
    )
    index: dict[str, ActionSpec] = {}
    for action in actions:
        for name in (action.key, *action.aliases):
            index[name] = action
    conn = data["connection"]
    return ComponentSpec(
        key=data["key"],
        label=data["label"],
        description=data["description"],
        icon=data["icon"],
        documentation=data.get("documentation", "").strip(),
        connection=ConnectionSpec(
            key=conn["key"],
            label=conn["label"],
            comments=conn["comments"].strip(),
            hook=conn["hook"],
            inputs=tuple(_input(i) for i in conn["inputs"]),
        ),
        actions=actions,
        _index=index,
    )


def _input(raw: Mapping[str, Any]) -> InputSpec:
    return InputSpec(
        key=raw["key"],
        label=raw["label"],
        type=cast(InputType, raw["type"]),
        required=raw["required"],
        default=raw.get("default"),
        comments=raw.get("comments", "").strip(),
        documented_comments=raw.get("documentedComments"),
        secret=raw.get("secret", False),
        hook=raw.get("hook", False),
    )
