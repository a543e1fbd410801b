"""One request's view of the store: records by ID, by indexed field, and by page.

Every method runs SQL on the transaction's own connection; a record is decoded
from JSON only when it is returned.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import fulltext

if TYPE_CHECKING:
    from .layout import Layout

Record = dict[str, Any]


def field_sql(name: str, column: str = "r.data") -> str:
    """The SQL for a record's field; names are inlined so expression indexes match them."""
    if not name.isidentifier():
        raise ValueError(f"not a field name: {name!r}")
    return f"json_extract({column}, '$.{name}')"


def sql_value(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value


@dataclass
class Where:
    """SQL conditions on the records aliased ``r``, and their parameters."""

    terms: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, sql: str, *params: Any) -> Where:
        self.terms.append(sql)
        self.params.extend(sql_value(p) for p in params)
        return self

    def equal(self, name: str, value: Any) -> Where:
        """``name`` equals ``value``; a list or tuple means any of them; None means unset."""
        column = field_sql(name)
        if value is None:
            return self.add(f"{column} IS NULL")
        if isinstance(value, (list, tuple, set, frozenset)):
            values = list(value)
            if not values:
                return self.add("0")
            return self.add(f"{column} IN ({', '.join('?' * len(values))})", *values)
        return self.add(f"{column} = ?", value)

    def extend(self, other: Where) -> Where:
        self.terms.extend(other.terms)
        self.params.extend(other.params)
        return self

    def sql(self) -> str:
        return "".join(f" AND ({term})" for term in self.terms)


def where(**equal: Any) -> Where:
    found = Where()
    for name, value in equal.items():
        found.equal(name, value)
    return found


class Tx:
    decoded = 0  # rows decoded by every transaction of the process; a measure for tests

    def __init__(self, db: sqlite3.Connection, layout: Layout, *, writable: bool) -> None:
        self.db = db
        self.layout = layout
        self.writable = writable
        # A query's snapshot cannot change under it, so a record read twice is decoded once.
        self._seen: dict[str, tuple[str, Record]] | None = None if writable else {}
        self.committed: list[Callable[[], None]] = []

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once this transaction has committed (never if it rolls back):
        for what must not happen for a change that is undone, such as calling out."""
        self._writing()
        self.committed.append(action)

    def _rows(self, sql: str, params: Sequence[Any]) -> list[Record]:
        rows = self.db.execute(sql, params).fetchall()
        Tx.decoded += len(rows)
        return [json.loads(row[0]) for row in rows]

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo what the block wrote if it raises; the transaction goes on."""
        self._writing()
        self.db.execute("SAVEPOINT step")
        pending = len(self.committed)
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK TO step")
            del self.committed[pending:]
            raise
        finally:
            self.db.execute("RELEASE step")

    def _type(self, type_name: str) -> str:
        # Inlined, so the partial indexes (WHERE type = '...') apply.
        if type_name not in self.layout.indexes:
            raise ValueError(f"not a record type of the layout: {type_name!r}")
        return type_name

    def _writing(self) -> None:
        if not self.writable:
            raise RuntimeError("a query may not change the emulator's state")

    # records ---------------------------------------------------------------

    def get(self, type_name: str, id_: Any) -> Record | None:
        if not isinstance(id_, str) or not id_:
            return None
        seen = self._seen
        if seen is not None and id_ in seen:
            kind, record = seen[id_]
            return record if kind == type_name else None
        row = self.db.execute("SELECT type, data FROM records WHERE id = ?", (id_,)).fetchone()
        if row is None:
            return None
        Tx.decoded += 1
        kind, record = row[0], json.loads(row[1])
        if seen is not None:
            seen[id_] = (kind, record)
        return record if kind == type_name else None

    def select(
        self,
        type_name: str,
        condition: Where | None = None,
        *,
        order: Sequence[str] = ("r.seq",),
        limit: int = -1,
        offset: int = 0,
    ) -> list[Record]:
        condition = condition or Where()
        sql = (
            f"SELECT r.data FROM records r WHERE r.type = '{self._type(type_name)}'"
            f"{condition.sql()} ORDER BY {', '.join(order)} LIMIT ? OFFSET ?"
        )
        return self._rows(sql, [*condition.params, limit, offset])

    def find(self, type_name: str, **equal: Any) -> list[Record]:
        """Records whose fields equal the given values, oldest first."""
        return self.select(type_name, where(**equal))

    def first(self, type_name: str, **equal: Any) -> Record | None:
        found = self.select(type_name, where(**equal), limit=1)
        return found[0] if found else None

    def count(self, type_name: str, condition: Where | None = None) -> int:
        condition = condition or Where()
        kind = self._type(type_name)
        sql = f"SELECT count(*) FROM records r WHERE r.type = '{kind}'{condition.sql()}"
        return int(self.db.execute(sql, condition.params).fetchone()[0])

    def ids(self, type_name: str, **equal: Any) -> list[str]:
        condition = where(**equal)
        sql = (
            f"SELECT r.id FROM records r WHERE r.type = '{self._type(type_name)}'{condition.sql()}"
        )
        return [str(row[0]) for row in self.db.execute(sql, condition.params)]

    # Every write to the records goes through these four, which keep the type's
    # trigram index (fulltext) in step in the same transaction.

    def insert(self, type_name: str, record: Record) -> Record:
        self.insert_many(type_name, [record])
        return record

    def insert_many(self, type_name: str, records: Iterable[Record]) -> None:
        self._writing()
        kind = self._type(type_name)
        texts = self.layout.texts.get(kind)
        records = list(records) if texts else records
        self.db.executemany(
            "INSERT INTO records (type, id, data) VALUES (?, ?, ?)",
            ((kind, r["id"], json.dumps(r)) for r in records),
        )
        if texts:
            fulltext.added(self.db, kind, texts, records)

    def put(self, type_name: str, record: Record) -> Record:
        self._writing()
        self.db.execute(
            "UPDATE records SET data = ? WHERE id = ? AND type = ?",
            (json.dumps(record), record["id"], type_name),
        )
        texts = self.layout.texts.get(type_name)
        if texts:
            fulltext.changed(self.db, type_name, texts, record)
        return record

    def delete(self, type_name: str, id_: str) -> None:
        """Delete a record and, as the layout says, the records that belong to it."""
        self._writing()
        for child_type, parent_field in self.layout.cascades.get(type_name, ()):
            for child in self.ids(child_type, **{parent_field: id_}):
                self.delete(child_type, child)
        if self.layout.texts.get(type_name):
            fulltext.removed(self.db, type_name, id_)
        self.db.execute("DELETE FROM records WHERE id = ? AND type = ?", (id_, type_name))

    # meta, tokens, counters ------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._writing()
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def add_refresh_token(self, token: str, digest: str, user_id: str) -> None:
        self._writing()
        self.db.execute(
            "INSERT OR IGNORE INTO refresh_tokens (token, digest, user_id) VALUES (?, ?, ?)",
            (token, digest, user_id),
        )

    def refresh_token_user(self, token: str) -> str | None:
        """The user of a live refresh token; None if unknown or revoked."""
        row = self.db.execute(
            "SELECT user_id FROM refresh_tokens WHERE token = ? AND revoked = 0", (token,)
        ).fetchone()
        return str(row[0]) if row else None

    def revoke_user_tokens(self, user_id: str) -> None:
        self._writing()
        self.db.execute("UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ?", (user_id,))

    def live_refresh_token(self, user_id: str) -> str | None:
        row = self.db.execute(
            "SELECT token FROM refresh_tokens WHERE user_id = ? AND revoked = 0 LIMIT 1",
            (user_id,),
        ).fetchone()
        return str(row[0]) if row else None

    def refresh_token_live(self, digest: str, user_id: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM refresh_tokens WHERE digest = ? AND user_id = ? AND revoked = 0",
            (digest, user_id),
        ).fetchone()
        return row is not None

    def count_applied(self, mutation: str) -> None:
        self._writing()
        self.db.execute(
            "INSERT INTO applied (mutation, count) VALUES (?, 1) "
            "ON CONFLICT (mutation) DO UPDATE SET count = count + 1",
            (mutation,),
        )

    def applied(self) -> dict[str, int]:
        rows = self.db.execute("SELECT mutation, count FROM applied ORDER BY mutation").fetchall()
        return {str(m): int(c) for m, c in rows}


def _lower(value: Any) -> str:
    return str(value).lower()


def _contains_ci(haystack: Any, needle: Any) -> bool:
    return haystack is not None and _lower(needle) in _lower(haystack)


def _startswith_ci(haystack: Any, needle: Any) -> bool:
    return haystack is not None and _lower(haystack).startswith(_lower(needle))


def _equal_ci(value: Any, other: Any) -> bool:
    return value is not None and _lower(value) == _lower(other)


def register_functions(db: sqlite3.Connection) -> None:
    """Case-insensitive matching with Python's lower-casing, as the filters promise."""
    for name, fn in (
        ("contains_ci", _contains_ci),
        ("startswith_ci", _startswith_ci),
        ("equal_ci", _equal_ci),
    ):
        db.create_function(name, 2, fn, deterministic=True)
