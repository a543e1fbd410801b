"""What kind of operation a document is: whether a retry could apply it twice.

Manifest operations are the project's own files, each starting with its one
operation, so a scan of the first keyword (past comments and blank lines) tells
their kind without loading graphql-core; ``prismatic-connector check`` holds the
scan to graphql-core's parse for every action. A user's rawRequest document is
parsed for real (``parse_document``), and so refused before sending when its
syntax is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..errors import InputError

Kind = Literal["query", "mutation", "subscription"]

_HEAD = re.compile(
    r"\A(?:[\s,\ufeff]+|#[^\n\r]*)*(?:(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?|(\{))"
)


@dataclass(frozen=True)
class Operation:
    kind: Kind
    name: str

    @property
    def mutation(self) -> bool:
        # A subscription is not repeated either: it is not a plain read.
        return self.kind != "query"


def scan(text: str, fallback_name: str) -> Operation:
    """The kind and name of a document that opens with its operation."""
    match = _HEAD.match(text)
    if match is None:
        return parse_document(text, fallback_name, action=fallback_name)
    if match.group(3):
        return Operation("query", fallback_name)
    kind: Kind = match.group(1)  # type: ignore[assignment]
    return Operation(kind, match.group(2) or fallback_name)


def parse_document(
    text: str, fallback_name: str, *, action: str, input: str = "query"
) -> Operation:
    """Parse with graphql-core; a syntax error is an ``InputError`` with line and column.

    With several operations in one document, any mutation makes the whole a
    mutation: which one runs is the server's choice, so the safe reading wins.
    """
    from graphql import GraphQLSyntaxError, OperationDefinitionNode, parse

    problem = ""
    try:
        document = parse(text, no_location=False, max_tokens=100_000)
    except GraphQLSyntaxError as exc:
        where = exc.locations[0] if exc.locations else None
        at = f" at line {where.line}, column {where.column}" if where else ""
        problem = f"is not valid GraphQL{at}: {exc.message}"
    except (RecursionError, ValueError, TypeError) as exc:
        problem = f"cannot be parsed as GraphQL ({type(exc).__name__})"
    if problem:
        raise InputError(action, input, problem)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if not operations:
        raise InputError(action, input, "holds no operation (query or mutation)")
    kinds = {op.operation.value for op in operations}
    kind: Kind = (
        "mutation"
        if "mutation" in kinds
        else ("subscription" if "subscription" in kinds else "query")
    )
    named = [op.name.value for op in operations if op.name and op.operation.value == kind]
    return Operation(kind, named[0] if named else fallback_name)
