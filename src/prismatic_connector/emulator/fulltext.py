"""Trigram indexes for the substring filters (``name_Icontains``, ``labels_Icontains``...).

Each record type with text fields in the layout has an FTS5 table of its own
(``fts_Instance``), tokenized in trigrams, one row per record keyed by the
record's ``seq`` and one column per field. A column holds the field's text
lower-cased by Python, as the filters compare it (a list field: its items, one
a line), so whatever the filter would find, the index holds too. A pattern of
three characters or more is looked up there first, and the filter itself then
checks only the records found: the answers are the plain filter's, case for
case. A shorter pattern has no trigram to look up, so it still reads every
record of the type.

The transaction writes a record's row here with the record (insert, put,
delete), in the same SQLite transaction: a rollback, a savepoint undone, a
snapshot restored keep the two in step.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

MIN_PATTERN = 3  # a trigram index serves patterns of three characters or more
_SEPARATOR = "\n"


def fold(value: Any) -> str:
    """Text as the filters compare it (Python's lower-casing). NUL and lone surrogates,
    which FTS5 cannot take, become U+FFFD one for one, so a substring stays one."""
    text = str(value).lower().replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text


def _item(value: Any) -> str:
    # The value SQLite hands the filter: JSON true is 1, a nested list or object its JSON.
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def text(value: Any) -> str | None:
    """The indexed text of a field's value: every item of a list, one a line."""
    items = value if isinstance(value, list) else [value]
    found = [fold(_item(item)) for item in items if item is not None]
    return _SEPARATOR.join(found) if found else None


def table(type_name: str) -> str:
    return f'"fts_{type_name}"'


def _definition(type_name: str, fields: Sequence[str]) -> str:
    if not all(name.isidentifier() for name in (type_name, *fields)):
        raise ValueError(f"not a type and field names: {type_name!r}, {fields!r}")
    columns = ", ".join(f'"{name}"' for name in fields)
    return f"CREATE VIRTUAL TABLE {table(type_name)} USING fts5({columns}, tokenize='trigram')"


def install(db: sqlite3.Connection, texts: Mapping[str, Sequence[str]]) -> None:
    """Create the indexes the layout asks for, filled from the records already stored
    (a database file from before they existed, or from a layout with other fields), and
    drop those it no longer asks for, which nothing would keep in step."""
    db.execute("BEGIN IMMEDIATE")
    try:
        _drop_all_but(db, {f"fts_{type_name}" for type_name in texts})
        for type_name, fields in texts.items():
            _create(db, type_name, fields)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _drop_all_but(db: sqlite3.Connection, kept: set[str]) -> None:
    found = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'fts\\_%' ESCAPE '\\'"
        " AND sql LIKE 'CREATE VIRTUAL TABLE%'"
    ).fetchall()
    for (name,) in found:
        if name not in kept:
            db.execute(f'DROP TABLE "{name}"')


def _create(db: sqlite3.Connection, type_name: str, fields: Sequence[str]) -> None:
    wanted = _definition(type_name, fields)
    found = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (f"fts_{type_name}",))
    row = found.fetchone()
    if row is not None and row[0] == wanted:
        return
    if row is not None:
        db.execute(f"DROP TABLE {table(type_name)}")
    db.execute(wanted)
    rows = db.execute("SELECT seq, data FROM records WHERE type = ?", (type_name,)).fetchall()
    db.executemany(
        _insert_sql(type_name, fields, "?"),
        ((seq, *record_texts(json.loads(data), fields)) for seq, data in rows),
    )


def record_texts(record: Mapping[str, Any], fields: Sequence[str]) -> list[str | None]:
    return [text(record.get(name)) for name in fields]


def _insert_sql(type_name: str, fields: Sequence[str], rowid: str) -> str:
    columns = ", ".join(f'"{name}"' for name in fields)
    marks = ", ".join("?" * len(fields))
    return f"INSERT INTO {table(type_name)} (rowid, {columns}) VALUES ({rowid}, {marks})"


def added(
    db: sqlite3.Connection, type_name: str, fields: Sequence[str], records: Iterable[Any]
) -> None:
    """Index records just inserted."""
    seq = "(SELECT seq FROM records WHERE id = ?)"
    db.executemany(
        _insert_sql(type_name, fields, seq),
        ((record["id"], *record_texts(record, fields)) for record in records),
    )


def changed(db: sqlite3.Connection, type_name: str, fields: Sequence[str], record: Any) -> None:
    """Index a record's new text; a change that leaves its text as it was writes nothing."""
    n = len(fields)
    assign = ", ".join(f'"{name}" = ?{i + 1}' for i, name in enumerate(fields))
    differs = " OR ".join(f'"{name}" IS NOT ?{i + 1}' for i, name in enumerate(fields))
    db.execute(
        f"UPDATE {table(type_name)} SET {assign} "
        f"WHERE rowid = (SELECT seq FROM records WHERE id = ?{n + 1}) AND ({differs})",
        (*record_texts(record, fields), record["id"]),
    )


def removed(db: sqlite3.Connection, type_name: str, id_: str) -> None:
    """Drop a record's row; before the record itself, whose ``seq`` it goes by."""
    db.execute(
        f"DELETE FROM {table(type_name)} WHERE rowid = (SELECT seq FROM records WHERE id = ?)",
        (id_,),
    )


def narrowing(alias: str, type_name: str, field: str, pattern: Any) -> tuple[str, str] | None:
    """SQL keeping the records of ``alias`` whose ``field`` holds ``pattern``, ignoring
    case, and its parameter; None for a pattern too short for the index."""
    needle = fold(pattern)
    if len(needle) < MIN_PATTERN:
        return None
    phrase = '"' + needle.replace('"', '""') + '"'
    fts = table(type_name)
    return f'{alias}.seq IN (SELECT rowid FROM {fts} WHERE {fts}."{field}" MATCH ?)', phrase
