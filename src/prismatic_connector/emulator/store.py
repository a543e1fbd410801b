"""The emulator's state, in SQLite: records as JSON documents, tokens, counters.

Readers run in parallel: the database is in WAL mode and each request borrows a
connection of its own, so a read sees one consistent snapshot without waiting
for anyone. Writers take one lock and one ``BEGIN IMMEDIATE`` transaction, so
they are serialised and all-or-nothing. A file given with ``--db`` keeps the
state across restarts.

Records keep their fields in a JSON document; the fields that lookups, filters
and sorting need are indexed by expression (``Layout``), so no request decodes
rows it does not return. Text fields that substring filters search have a
trigram index each (``fulltext``).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from . import fulltext, ids
from .layout import Layout
from .transaction import Tx, field_sql, register_functions

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL
);
DROP INDEX IF EXISTS records_type;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    user_id TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS refresh_tokens_digest ON refresh_tokens (digest);
CREATE INDEX IF NOT EXISTS refresh_tokens_user ON refresh_tokens (user_id);
CREATE TABLE IF NOT EXISTS applied (mutation TEXT PRIMARY KEY, count INTEGER NOT NULL);
"""
T = TypeVar("T")
# Idle connections kept for reuse; a burst beyond this opens (and later closes) more.
POOL_SIZE = 16
BUSY_TIMEOUT_MS = 30_000
# The query planner needs statistics to prefer a selective index (a customer's
# instances) over a broad one (every instance); they are refreshed as the data grows.
ANALYZE_EVERY = 1_000


def index_statements(layout: Layout) -> list[str]:
    """The expression indexes ``layout`` asks for, as SQL."""
    # Each type has an index of its own, so the planner weighs it by that type's count.
    out = [
        f"CREATE INDEX IF NOT EXISTS \"ix_{t}\" ON records (seq) WHERE type = '{t}'"
        for t in layout.indexes
    ]
    for type_name, names in layout.indexes.items():
        for spec in names:
            fields = spec.split()
            collate = " COLLATE NOCASE" if fields[-1] == "nocase" else ""
            if collate:
                fields.pop()
            columns = ", ".join(field_sql(name, column="data") + collate for name in fields)
            name = "_".join([type_name, *fields])
            out.append(
                f'CREATE INDEX IF NOT EXISTS "ix_{name}" ON records '
                f"({columns}, seq) WHERE type = '{type_name}'"
            )
    return out


def install(db: sqlite3.Connection, layout: Layout) -> None:
    """The tables, and the indexes ``layout`` asks for, in ``db`` (those missing only)."""
    db.executescript(_SCHEMA)
    for statement in index_statements(layout):
        db.execute(statement)
    fulltext.install(db, layout.texts)


class Store:
    def __init__(self, path: Path, layout: Layout | None = None) -> None:
        self.path = path
        self.layout = layout or Layout()
        self._write_lock = threading.Lock()
        self._pool: list[sqlite3.Connection] = []
        self._pool_lock = threading.Lock()
        self._closed = False
        self._trace: Callable[[str], object] | None = None
        # Every time read within a transaction comes from here (the emulator's clock).
        self.clock: Callable[[], float] = time.time
        db = self._connect()
        db.execute("PRAGMA journal_mode=WAL")
        install(db, self.layout)
        self._writes = 0
        self._release(db)
        self.analyze()

    def analyze(self) -> None:
        """Refresh the query planner's statistics (after a bulk load, say)."""
        with self._write_lock:
            db = self._acquire()
            try:
                db.execute("ANALYZE")
            finally:
                self._release(db)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA synchronous=NORMAL")
        register_functions(db)
        return db

    def _acquire(self) -> sqlite3.Connection:
        with self._pool_lock:
            if self._closed:
                raise sqlite3.ProgrammingError("the emulator's store is closed")
            db = self._pool.pop() if self._pool else None
        db = db or self._connect()
        db.set_trace_callback(self._trace)
        return db

    def _release(self, db: sqlite3.Connection) -> None:
        with self._pool_lock:
            if not self._closed and len(self._pool) < POOL_SIZE:
                self._pool.append(db)
                return
        db.close()

    def trace(self, callback: Callable[[str], object] | None) -> None:
        """Hand every SQL statement run from now on, values filled in, to ``callback``."""
        self._trace = callback

    def close(self) -> None:
        with self._write_lock, self._pool_lock:
            self._closed = True
            for db in self._pool:
                db.close()
            self._pool.clear()

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """One consistent snapshot for reading, in parallel with other readers and a writer."""
        db = self._acquire()
        try:
            db.execute("BEGIN")
            try:
                with ids.reading(self.clock):
                    yield Tx(db, self.layout, writable=False)
            finally:
                db.execute("ROLLBACK")
        finally:
            self._release(db)

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """All-or-nothing, one writer at a time."""
        with self._write_lock:
            db = self._acquire()
            try:
                db.execute("BEGIN IMMEDIATE")
                tx = Tx(db, self.layout, writable=True)
                try:
                    with ids.reading(self.clock):
                        yield tx
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
                self._writes += 1
                if self._writes % ANALYZE_EVERY == 0:
                    db.execute("ANALYZE")
            finally:
                self._release(db)
        for action in tx.committed:  # outside the lock: the next writer need not wait
            action()

    def snapshot(self) -> sqlite3.Connection:
        """A copy of the whole state, in memory, for ``restore``."""
        with self._write_lock:
            copy = sqlite3.connect(":memory:", check_same_thread=False)
            db = self._acquire()
            try:
                db.backup(copy)
            finally:
                self._release(db)
            return copy

    def restore(self, snapshot: sqlite3.Connection) -> None:
        """Put the state back as it was when ``snapshot`` was taken."""
        with self._write_lock:
            db = self._acquire()
            try:
                snapshot.backup(db)
            finally:
                self._release(db)

    def replace(
        self,
        copy: sqlite3.Connection,
        prepare: Callable[[sqlite3.Connection, sqlite3.Connection], T],
    ) -> T:
        """Put the state ``copy`` holds in place of this one, in one step, once
        ``prepare(live, copy)`` has made it ready (from what the live state keeps)."""
        with self._write_lock:
            db = self._acquire()
            try:
                kept = prepare(db, copy)
                copy.backup(db)  # the planner's statistics come with the copy
            finally:
                self._release(db)
            return kept
