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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError

from . import fulltext
from .paging import PAGING_ARGS, connection, window
from .transaction import Record, Tx, Where, field_sql

if TYPE_CHECKING:
    from .layout import Layout

LOOKUPS = ("Icontains", "Contains", "Istartswith", "Iexact", "In", "Isnull", "Gte", "Lte")
_CI = {"Icontains": "contains_ci", "Istartswith": "startswith_ci", "Iexact": "equal_ci"}


@dataclass(frozen=True)
class Listing:
    """How one kind of list filters and sorts.

    ``order_fields``: the API's ordering enum -> field path (``"customer.name"``).
    ``handled``: arguments its resolver applies itself (or that the emulator ignores).
    ``first``: SQL order terms ahead of the natural order, ``newest_first`` flips that.
    ``custom``: arguments whose condition is computed (a run's status, read on the clock).
    ``scope``: a condition every listing of the stored records takes (logs not yet released).
    ``exact_order``: fields sorted as they are rather than ignoring case (timestamps), so
    that an index over them serves the order.
    """

    order_fields: Mapping[str, str] = field(default_factory=dict)
    handled: tuple[str, ...] = ()
    first: tuple[str, ...] = ()
    newest_first: bool = False
    custom: Mapping[str, Callable[[Any], Where]] = field(default_factory=dict)
    scope: Callable[[], Where] | None = None
    exact_order: tuple[str, ...] = ()


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


def _parse(arg: str) -> tuple[list[str], str]:
    """``customer_ExternalId_In`` as its path (``["customer", "externalId"]``) and lookup."""
    parts = arg.split("_")
    if len(parts) > 1 and not all(p[:1].isupper() for p in parts[1:]):
        parts = [arg]
    lookup = parts.pop() if len(parts) > 1 and parts[-1] in LOOKUPS else ""
    return [parts[0], *(p[0].lower() + p[1:] for p in parts[1:])], lookup


@dataclass(frozen=True)
class _Field:
    """The value a filter tests, and, for a field of the listed records themselves, what
    more is known of it: a list field matches by its items; a trigram index may serve it."""

    sql: str
    column: str = ""
    name: str = ""
    alias: str = ""
    kind: str = ""
    texts: tuple[str, ...] = ()


def _condition(arg: str, value: Any, column: str, tx: Tx | None, kind: str) -> Where:
    path, lookup = _parse(arg)
    layout = tx.layout if tx is not None else None
    hops = _hops(path, kind, layout)
    if tx is not None and hops:
        return _through(tx, hops, path[-1], lookup, value, column)
    sql = path_sql(".".join(path), column)
    if len(path) > 1 or path == ["id"]:
        return _test(lookup, value, _Field(sql))
    texts = layout.texts.get(kind, ()) if layout else ()
    alias = column.partition(".")[0]
    return _test(lookup, value, _Field(sql, column, path[0], alias, kind, texts))


def _hops(path: list[str], kind: str, layout: Layout | None) -> list[tuple[str, str]]:
    """The references a path follows, each with the type it points at; none when the layout
    does not declare them all (a list kept in memory, say)."""
    hops = []
    for name in path[:-1]:
        target = layout.refs.get(kind, {}).get(name) if layout else None
        if target is None:
            return []
        hops.append((name, target))
        kind = target
    return hops


def _through(
    tx: Tx, hops: list[tuple[str, str]], name: str, lookup: str, value: Any, column: str
) -> Where:
    """A filter through references (``customer_ExternalId``): the related records are found
    first, by their own index, then the listed ones by the index of the field holding their
    IDs, rather than by following every listed record's reference. Each step is a query of
    its own, so the planner sees how few IDs there are."""
    if lookup == "Isnull":
        leaf = Where().add(f"{field_sql(name, 'x.data')} IS NOT NULL")
    else:
        leaf = _test(lookup, value, _Field(field_sql(name, "x.data")))
    ids = _ids(tx, hops[-1][1], leaf)
    for (ref, _), (_, kind) in zip(hops[:0:-1], hops[-2::-1], strict=True):
        ids = _ids(tx, kind, _among(field_sql(ref, "x.data"), ids))
    found = _among(field_sql(hops[0][0], column), ids)
    if lookup == "Isnull":
        # Unset when an ID on the way is unset or dangling, as following them would find.
        return Where().add(f"(NOT coalesce({found.terms[0]}, 0)) = ?", *found.params, bool(value))
    return found


def _ids(tx: Tx, kind: str, condition: Where) -> list[str]:
    sql = f"SELECT x.id FROM records x WHERE x.type = '{kind}'{condition.sql()}"
    return [str(row[0]) for row in tx.db.execute(sql, condition.params)]


# Past this many IDs, they go as one JSON array: SQLite takes at most 32,766 parameters.
_LISTED_IDS = 500


def _among(sql: str, ids: list[str]) -> Where:
    if not ids:
        return Where().add("0")
    if len(ids) > _LISTED_IDS:
        return Where().add(f"{sql} IN (SELECT value FROM json_each(?))", ids)
    return Where().add(f"{sql} IN ({', '.join('?' * len(ids))})", *ids)


def _test(lookup: str, value: Any, at: _Field) -> Where:
    sql, column, path = at.sql, at.column, at.name
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
    if lookup == "Isnull":
        empty = f"{sql} IS NULL"
        if path:
            empty = (
                f"coalesce(json_type({column}, '$.{path}'), 'null') = 'null'"
                f" OR (json_type({column}, '$.{path}') = 'array'"
                f" AND json_array_length({column}, '$.{path}') = 0)"
            )
        return found.add(f"({empty}) = ?", bool(value))
    if lookup in _CI and path in at.texts:
        # The index finds the candidates; the test below keeps the answers exact.
        narrowed = fulltext.narrowing(at.alias, at.kind, path, value)
        if narrowed:
            found.add(*narrowed)
    test = f"{_CI[lookup]}(%s, ?)" if lookup in _CI else "%s = ?"
    scalar = test % sql if lookup in _CI else f"instr(coalesce({sql}, ''), ?) > 0"
    if not path:
        return found.add(scalar, value if lookup in _CI else str(value))
    # A list field matches when one of its items does.
    item = test % "j.value"
    return found.add(
        f"CASE json_type({column}, '$.{path}') WHEN 'array' THEN EXISTS "
        f"(SELECT 1 FROM json_each({column}, '$.{path}') j WHERE {item}) ELSE {scalar} END",
        value,
        value if lookup in _CI else str(value),
    )


def filters(
    args: Mapping[str, Any],
    listing: Listing,
    column: str = "r.data",
    tx: Tx | None = None,
    kind: str = "",
) -> Where:
    """The conditions of every filter argument given that is neither paging nor handled.

    Given the transaction and the listed records' type, filters through references and
    substring filters use indexes (``Layout.refs``, ``fulltext``)."""
    found = Where()
    skip = PAGING_ARGS | set(listing.handled) | set(listing.custom) | {"filterQuery"}
    for arg, value in args.items():
        if arg in listing.custom and value is not None:
            found.extend(listing.custom[arg](value))
        elif arg not in skip and value is not None:
            found.extend(_condition(arg, value, column, tx, kind))
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
        collate = "" if path in listing.exact_order else " COLLATE NOCASE"
        terms.append(f"{path_sql(path, column)}{collate} {direction}")
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
    condition = Where().extend(scope or Where())
    if listing.scope is not None:
        condition.extend(listing.scope())
    condition.extend(filters(args, listing, "r.data", tx, type_name))
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
