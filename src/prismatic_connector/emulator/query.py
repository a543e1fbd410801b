"""List arguments as SQL: the real API's filters, its orderings, and the page slice.

Filters are named as django-filter names them, as the real API's are: ``name``
(equal), ``name_Icontains``, ``labels_Contains``, ``createdAt_Gte``, and through
relations ``customer_ExternalId`` or ``instance_Integration_VersionSequenceId``.
Sorting puts unset values first (last when descending), compares text without
regard to ASCII case, and breaks ties by the list's natural order.

Lists kept inside a record (a role's permissions, a component's actions) run
through the same SQL over ``json_each``, so both kinds of list filter alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError

from .paging import PAGING_ARGS, connection, window
from .transaction import Record, Tx, Where, field_sql

LOOKUPS = ("Icontains", "Contains", "Istartswith", "Iexact", "In", "Isnull", "Gte", "Lte")
_CI = {"Icontains": "contains_ci", "Istartswith": "startswith_ci", "Iexact": "equal_ci"}


@dataclass(frozen=True)
class Listing:
    """How one kind of list filters and sorts.

    ``order_fields``: the API's ordering enum -> field path (``"customer.name"``).
    ``handled``: arguments its resolver applies itself (or that the emulator ignores).
    ``first``: SQL order terms ahead of the natural order, ``newest_first`` flips that.
    """

    order_fields: Mapping[str, str] = field(default_factory=dict)
    handled: tuple[str, ...] = ()
    first: tuple[str, ...] = ()
    newest_first: bool = False


PLAIN = Listing()


def path_sql(path: str, column: str) -> str:
    """A field, or a field reached through the IDs a record holds (``customer.name``)."""
    head, *rest = path.split(".")
    sql = "r.id" if head == "id" and column == "r.data" else field_sql(head, column)
    for n, name in enumerate(rest):
        alias = f"x{n}"
        sql = (
            f"(SELECT {field_sql(name, f'{alias}.data')} FROM records {alias} "
            f"WHERE {alias}.id = {sql})"
        )
    return sql


def _condition(arg: str, value: Any, column: str) -> Where:
    parts = arg.split("_")
    if len(parts) > 1 and not all(p[:1].isupper() for p in parts[1:]):
        parts = [arg]
    lookup = parts.pop() if len(parts) > 1 and parts[-1] in LOOKUPS else ""
    path = ".".join([parts[0], *(p[0].lower() + p[1:] for p in parts[1:])])
    sql = path_sql(path, column)
    found = Where()
    if not lookup:
        return found.add(f"{sql} = ?", value)
    if lookup == "In":
        values = list(value or [])
        return (
            found.add(f"{sql} IN ({', '.join('?' * len(values))})", *values)
            if values
            else (found.add("0"))
        )
    if lookup in ("Gte", "Lte"):
        return found.add(f"{sql} {'>=' if lookup == 'Gte' else '<='} ?", value)
    single = "." not in path and path != "id"
    if lookup == "Isnull":
        empty = f"coalesce(json_type({column}, '$.{path}'), 'null') = 'null'"
        if single:
            empty += (
                f" OR (json_type({column}, '$.{path}') = 'array'"
                f" AND json_array_length({column}, '$.{path}') = 0)"
            )
        else:
            empty = f"{sql} IS NULL"
        return found.add(f"({empty}) = ?", bool(value))
    test = f"{_CI[lookup]}(%s, ?)" if lookup in _CI else "%s = ?"
    scalar = test % sql if lookup in _CI else f"instr(coalesce({sql}, ''), ?) > 0"
    if not single:
        return found.add(scalar, value if lookup in _CI else str(value))
    # A list field matches when one of its items does.
    item = test % "j.value"
    return found.add(
        f"CASE json_type({column}, '$.{path}') WHEN 'array' THEN EXISTS "
        f"(SELECT 1 FROM json_each({column}, '$.{path}') j WHERE {item}) ELSE {scalar} END",
        value,
        value if lookup in _CI else str(value),
    )


def filters(args: Mapping[str, Any], listing: Listing, column: str = "r.data") -> Where:
    """The conditions of every filter argument given that is neither paging nor handled."""
    found = Where()
    skip = PAGING_ARGS | set(listing.handled) | {"filterQuery"}
    for arg, value in args.items():
        if arg not in skip and value is not None:
            found.extend(_condition(arg, value, column))
    if args.get("filterQuery") is not None:
        found.add(*_expression(_parse_filter(args["filterQuery"]), column))
    return found


def _parse_filter(text: Any) -> Any:
    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        raise GraphQLError("filterQuery is not valid JSON.") from None


def _expression(node: Any, column: str) -> tuple[str, ...]:
    """A ``filterQuery`` expression as SQL and its parameters: ``["and"|"or", e, ...]``,
    ``["not", e]``, ``["in", field, text]`` (the field contains the text, ignoring
    case), ``["eq", field, value]``."""
    if not (isinstance(node, list) and node and isinstance(node[0], str)):
        raise GraphQLError(f"filterQuery: {json.dumps(node)} is not an expression.")
    op, *rest = node
    op = op.lower()
    if op in ("and", "or") and rest:
        parts = [_expression(item, column) for item in rest]
        sql = f" {op.upper()} ".join(f"({part[0]})" for part in parts)
        return (sql, *(param for part in parts for param in part[1:]))
    if op == "not" and len(rest) == 1:
        inner = _expression(rest[0], column)
        return (f"NOT ({inner[0]})", *inner[1:])
    if op in ("in", "eq") and len(rest) == 2 and isinstance(rest[0], str):
        field, value = rest
        sql = path_sql(field, column)
        if op == "in":
            return (f"contains_ci(coalesce({sql}, ''), ?)", str(value))
        return (f"{sql} = ?", value)
    raise GraphQLError(f"filterQuery: {op!r} with {len(rest)} operand(s) is not supported.")


def ordering(args: Mapping[str, Any], listing: Listing, column: str, natural: str) -> list[str]:
    orders = args.get("sortBy") or ([args["orderBy"]] if args.get("orderBy") else [])
    if isinstance(orders, Mapping):
        orders = [orders]
    terms = []
    for order in orders:
        path = listing.order_fields.get(order["field"])
        if path is None:
            raise GraphQLError(f"Ordering by {order['field']} is not supported by the emulator")
        direction = "DESC" if order["direction"] == "DESC" else "ASC"
        terms.append(f"{path_sql(path, column)} COLLATE NOCASE {direction}")
    terms.extend(listing.first)
    terms.append(f"{natural} DESC" if listing.newest_first else natural)
    return terms


def page(
    tx: Tx,
    type_name: str,
    args: Mapping[str, Any],
    listing: Listing = PLAIN,
    scope: Where | None = None,
) -> dict[str, Any]:
    """One page of the stored records of a type, as a Relay connection."""
    condition = Where().extend(scope or Where()).extend(filters(args, listing))
    total = tx.count(type_name, condition)
    start, end = window(total, args)
    rows: list[Record] = []
    if end > start:
        order = ordering(args, listing, "r.data", "r.seq")
        rows = tx.select(type_name, condition, order=order, limit=end - start, offset=start)
    return connection(rows, start, total)


def embedded(
    tx: Tx, items: Sequence[Record], args: Mapping[str, Any], listing: Listing = PLAIN
) -> dict[str, Any]:
    """One page of a list kept in memory (inside a record, or made up), filtered alike."""
    condition = filters(args, listing, "r.value")
    sorted_ = args.get("sortBy") or args.get("orderBy") or listing.first or listing.newest_first
    if not condition.terms and not sorted_:
        start, end = window(len(items), args)
        return connection(items[start:end], start, len(items))
    base = f"FROM json_each(?) r WHERE 1{condition.sql()}"
    params = [json.dumps(list(items)), *condition.params]
    total = int(tx.db.execute(f"SELECT count(*) {base}", params).fetchone()[0])
    start, end = window(total, args)
    order = ", ".join(ordering(args, listing, "r.value", "r.key"))
    rows = tx.db.execute(
        f"SELECT r.value {base} ORDER BY {order} LIMIT ? OFFSET ?", [*params, end - start, start]
    ).fetchall()
    return connection([json.loads(row[0]) for row in rows], start, total)
