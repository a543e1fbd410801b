"""What every model module uses: lookups, timestamps, labels and payload errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import GraphQLError

from .. import ids
from ..transaction import Record, Tx

NOT_FOUND = "Record not found"


class Invalid(Exception):  # noqa: N818 - named for what the API answers: a payload error
    """A mutation's payload errors, ``[(field, [messages])]``; nothing the mutation did is kept."""

    def __init__(self, errors: list[tuple[str, list[str]]]) -> None:
        super().__init__(errors)
        self.errors = errors

    @classmethod
    def on(cls, field: str, *messages: str) -> Invalid:
        return cls([(field, list(messages))])


def require(tx: Tx, type_name: str, id_: Any) -> Record:
    """The record, or the top-level "Record not found" error the real API gives."""
    found = tx.get(type_name, id_) if isinstance(id_, str) else None
    if found is None:
        raise GraphQLError(NOT_FOUND)
    return found


def related(tx: Tx, id_: Any) -> Record | None:
    """Follow an ID held by a record to its record, whatever its type."""
    if not isinstance(id_, str):
        return None
    type_name = ids.type_of(id_)
    return tx.get(type_name, id_) if type_name else None


def stamp(record: Record, *, created: bool = False) -> Record:
    moment = ids.now()
    if created:
        record["createdAt"] = moment
    record["updatedAt"] = moment
    return record


def clean_labels(labels: Any) -> list[str]:
    # Prismatic lower-cases labels for consistency.
    return [str(label).lower() for label in (labels or []) if label]


def check_name(data: Mapping[str, Any], *, required: bool) -> None:
    """A blank ``name`` is refused: missing on create, or given empty on update."""
    name = data.get("name")
    if name is None and not required:
        return
    if not (name or "").strip():
        raise Invalid.on("name", "This field may not be blank.")
