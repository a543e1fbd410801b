"""What a GraphQL request asks, read cheaply: its kind and root fields, for the fault
rules to match on and the journal to record.

Documents are parsed with graphql-core's parser (no validation) and the shape is cached
by the document's text, so a client sending the same few documents pays a dict lookup.
A document that does not parse has no kind and no root fields.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, SelectionSetNode, parse

CACHE_SIZE = 512
MAX_TOKENS = 50_000


@dataclass(frozen=True)
class Root:
    """One root field: its response key (alias or name), name, and the keys it selects."""

    key: str
    name: str
    selects: tuple[str, ...]


@dataclass(frozen=True)
class Operation:
    name: str | None
    kind: str  # query, mutation or subscription
    roots: tuple[Root, ...]


@dataclass(frozen=True)
class Shape:
    """The operations of one document (none when it does not parse)."""

    operations: tuple[Operation, ...] = ()

    def chosen(self, operation_name: str | None) -> Operation | None:
        """The operation a request runs: the one named, else the only one."""
        for operation in self.operations:
            if operation_name is None or operation.name == operation_name:
                return operation
        return None

    @cached_property
    def fields(self) -> frozenset[str]:
        """The names of every root field of every operation in the document."""
        return frozenset(r.name for op in self.operations for r in op.roots)


NOTHING = Shape()
_cache: OrderedDict[str, Shape] = OrderedDict()
_lock = threading.Lock()


def shape(document: str) -> Shape:
    """The shape of ``document``, cached by its text."""
    with _lock:
        hit = _cache.get(document)
        if hit is not None:
            _cache.move_to_end(document)
            return hit
    found = _read(document)
    with _lock:
        _cache[document] = found
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return found


def _read(document: str) -> Shape:
    try:
        parsed = parse(document, max_tokens=MAX_TOKENS, no_location=True)
    except (GraphQLError, RecursionError):
        return NOTHING
    operations = tuple(
        Operation(
            node.name.value if node.name else None,
            node.operation.value,
            tuple(_roots(node.selection_set)),
        )
        for node in parsed.definitions
        if isinstance(node, OperationDefinitionNode)
    )
    return Shape(operations)


def _roots(selections: SelectionSetNode) -> list[Root]:
    roots = []
    for node in selections.selections:
        if not isinstance(node, FieldNode):
            continue  # a fragment at the root: rare enough not to follow
        key = node.alias.value if node.alias else node.name.value
        inner = node.selection_set.selections if node.selection_set else ()
        selects = tuple(
            (n.alias.value if n.alias else n.name.value) for n in inner if isinstance(n, FieldNode)
        )
        roots.append(Root(key, node.name.value, selects))
    return roots
