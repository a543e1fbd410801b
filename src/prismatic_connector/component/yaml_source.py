"""The one YAML loader: safe, with the line of every mapping and key, and plain errors.

importIntegration's input check and ``check-integration`` both read integration
definitions through it, so a definition that one accepts the other reads the same
way, and both can say where a problem is.
"""

from __future__ import annotations

from typing import Any

import yaml


class YamlError(Exception):
    """The text is not YAML that loads; ``line`` is 1-based, when known."""

    def __init__(self, problem: str, line: int | None = None, column: int | None = None) -> None:
        self.problem = problem
        self.line = line
        self.column = column
        where = f" at line {line}, column {column}" if line is not None else ""
        super().__init__(f"invalid YAML{where}: {problem}")


class Mapping(dict[Any, Any]):
    """A YAML mapping that remembers where it and each of its keys stand."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> Mapping:
    loader.flatten_mapping(node)
    value = Mapping()
    value.line = node.start_mark.line + 1
    value.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found an unhashable key",
                key_node.start_mark,
            ) from None
        value[key] = loader.construct_object(value_node, deep=True)
        value.key_lines[key] = key_node.start_mark.line + 1
    return value


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load(text: str) -> Any:
    """The YAML's value, mappings as ``Mapping``; ``YamlError`` for anything that fails."""
    failure: YamlError | None = None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        failure = YamlError(
            exc.problem or "it does not parse",
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
        )
    except yaml.YAMLError as exc:
        failure = YamlError(type(exc).__name__)
    except RecursionError:
        failure = YamlError("it is nested too deeply")
    except (ValueError, TypeError, OverflowError, AttributeError) as exc:
        # PyYAML's constructors raise these on values such as an impossible date.
        failure = YamlError(f"a value cannot be read ({type(exc).__name__})")
    raise failure
