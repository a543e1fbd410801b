"""The emulator's state, in SQLite: records as JSON documents, tokens, counters.

One connection serves every thread behind a lock, and each API request runs in
one transaction, so concurrent requests see and leave consistent state. A file
given with ``--db`` keeps the state across restarts.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Record = dict[str, Any]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_type ON records (type, seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    user_id TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS refresh_tokens_digest ON refresh_tokens (digest);
CREATE TABLE IF NOT EXISTS applied (mutation TEXT PRIMARY KEY, count INTEGER NOT NULL);
"""


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._depth = 0

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def snapshot(self) -> sqlite3.Connection:
        """A copy of the whole state, in memory, for ``restore``."""
        with self._lock:
            copy = sqlite3.connect(":memory:", check_same_thread=False)
            self._db.backup(copy)
            return copy

    def restore(self, snapshot: sqlite3.Connection) -> None:
        """Put the state back as it was when ``snapshot`` was taken."""
        with self._lock:
            snapshot.backup(self._db)

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """All-or-nothing; nested calls join the outer transaction."""
        with self._lock:
            self._depth += 1
            if self._depth == 1:
                self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                if self._depth == 1:
                    self._db.execute("ROLLBACK")
                raise
            else:
                if self._depth == 1:
                    self._db.execute("COMMIT")
            finally:
                self._depth -= 1

    # records ---------------------------------------------------------------

    def insert(self, type_: str, record: Record) -> Record:
        with self._lock:
            self._db.execute(
                "INSERT INTO records (type, id, data) VALUES (?, ?, ?)",
                (type_, record["id"], json.dumps(record)),
            )
        return record

    def get(self, type_: str, id_: str | None) -> Record | None:
        if not id_:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT data FROM records WHERE id = ? AND type = ?", (id_, type_)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, type_: str, record: Record) -> Record:
        with self._lock:
            self._db.execute(
                "UPDATE records SET data = ? WHERE id = ? AND type = ?",
                (json.dumps(record), record["id"], type_),
            )
        return record

    def delete(self, type_: str, id_: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM records WHERE id = ? AND type = ?", (id_, type_))

    def all(self, type_: str) -> list[Record]:
        """Every record of a type, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT data FROM records WHERE type = ? ORDER BY seq", (type_,)
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def find(self, type_: str, **equal: Any) -> list[Record]:
        return [r for r in self.all(type_) if all(r.get(k) == v for k, v in equal.items())]

    # meta, tokens, counters ------------------------------------------------

    def meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def add_refresh_token(self, token: str, digest: str, user_id: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO refresh_tokens (token, digest, user_id) VALUES (?, ?, ?)",
                (token, digest, user_id),
            )

    def refresh_token_user(self, token: str) -> str | None:
        """The user of a live refresh token; None if unknown or revoked."""
        with self._lock:
            row = self._db.execute(
                "SELECT user_id FROM refresh_tokens WHERE token = ? AND revoked = 0", (token,)
            ).fetchone()
        return str(row[0]) if row else None

    def revoke_user_tokens(self, user_id: str) -> None:
        with self._lock:
            self._db.execute("UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ?", (user_id,))

    def live_refresh_token(self, user_id: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT token FROM refresh_tokens WHERE user_id = ? AND revoked = 0 LIMIT 1",
                (user_id,),
            ).fetchone()
        return str(row[0]) if row else None

    def refresh_token_live(self, digest: str, user_id: str) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM refresh_tokens WHERE digest = ? AND user_id = ? AND revoked = 0",
                (digest, user_id),
            ).fetchone()
        return row is not None

    def count_applied(self, mutation: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO applied (mutation, count) VALUES (?, 1) "
                "ON CONFLICT (mutation) DO UPDATE SET count = count + 1",
                (mutation,),
            )

    def applied(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute(
                "SELECT mutation, count FROM applied ORDER BY mutation"
            ).fetchall()
        return {str(m): int(c) for m, c in rows}
