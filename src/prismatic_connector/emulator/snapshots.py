"""Snapshots: the emulator's whole state in a file of its own, saved and loaded by name.

A snapshot file is three lines and the database: ``prismatic-emulator-snapshot <format>``,
a JSON header (when it was made, the clock, the records by type, the body's size), the
SHA-256 of the two lines and the body, then the body, the SQLite database serialized.
Loading reads and checks all of it (the checksum, the format, the tables) in a database
of its own in memory, and only then puts it in place in one step, so that a file that is
truncated, tampered with or of another format leaves the state as it was.

The files hold tokens, signing keys and credentials: they are written readable by their
owner only (0600 from creation: a temporary file in the same folder, synced, then
renamed over the name), in a folder only its owner may enter.

A name is ``[A-Za-z0-9][A-Za-z0-9._-]{0,63}``: never a path, nor hidden (no leading dot),
so a name from the control surface cannot reach outside the snapshot folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import ControlError
from .clock import Clock, ManualClock, reading
from .store import Store, install

FORMAT = 1
MAGIC = b"prismatic-emulator-snapshot"
SUFFIX = ".snapshot"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
NAME_RULE = "1 to 64 of A-Z a-z 0-9 . _ -, not starting with a dot, hyphen or underscore"
TABLES = ("records", "meta", "refresh_tokens", "applied")
# What the running emulator keeps when a snapshot is loaded: its own tokens' keys and
# settings, so that a URL, a refresh token and the access tokens issued stay good.
KEPT_META = ("signing_key", "onprem_jwt_key", "public_url", "execution_s")
# A header line longer than this is not one this code wrote.
HEADER_LIMIT = 1 << 20


@dataclass(frozen=True)
class Snapshot:
    """A file read and checked: its header, and the database it holds (in memory)."""

    header: dict[str, Any]
    db: sqlite3.Connection


def check_name(name: Any, field: str = "name") -> str:
    """``name`` if it is a snapshot's name, else a ``ControlError`` (400) naming ``field``."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        shown = name if isinstance(name, str) and len(name) <= 80 else type(name).__name__
        raise ControlError(field, f"expected a snapshot name ({NAME_RULE}), got {shown!r}")
    return name


def path_of(folder: Path, name: str) -> Path:
    return folder / f"{check_name(name)}{SUFFIX}"


def counts(db: sqlite3.Connection) -> dict[str, int]:
    rows = db.execute("SELECT type, count(*) FROM records GROUP BY type ORDER BY type")
    return {str(kind): int(n) for kind, n in rows}


def encode(db: sqlite3.Connection, clock: dict[str, Any]) -> bytes:
    """The file's bytes for the database ``db`` (a copy in memory), taken at ``clock``."""
    body = bytearray(db.serialize())
    # The copy keeps the live file's WAL marks (header bytes 18, 19), which a database
    # in memory cannot open: the rollback journal's marks, as in a file never in WAL mode.
    body[18:20] = b"\x01\x01"
    header = {
        "format": FORMAT,
        "created": clock["now"],
        "createdWall": _iso(datetime.now(timezone.utc)),
        "clock": clock,
        "records": counts(db),
        "bodyBytes": len(body),
    }
    first = MAGIC + f" {FORMAT}\n".encode()
    second = json.dumps(header, sort_keys=True).encode() + b"\n"
    digest = hashlib.sha256(first + second + body).hexdigest().encode() + b"\n"
    return first + second + digest + body


def write_private(path: Path, data: bytes) -> None:
    """``data`` at ``path``, whole or not at all, readable by its owner only throughout."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".saving-", suffix=SUFFIX)
    try:
        os.fchmod(fd, 0o600)  # mkstemp makes it 0600 already; said again for the reader
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(name).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(name).unlink()
        raise
    with contextlib.suppress(OSError):  # the rename itself, durable too
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _split(data: bytes, shown: str) -> tuple[bytes, bytes, bytes, bytes]:
    """The file's first line, header line, digest line and body; a ``ControlError`` if the
    file is not laid out as a snapshot is."""
    parts = data.split(b"\n", 3)
    if len(parts) < 4 or not parts[0].startswith(MAGIC + b" "):
        raise ControlError("snapshot", f"{shown} is not an emulator snapshot")
    version = parts[0][len(MAGIC) + 1 :].decode("ascii", "replace")
    if version != str(FORMAT):
        raise ControlError(
            "snapshot",
            f"{shown} is of snapshot format {version!r}; this emulator reads format {FORMAT}",
        )
    return parts[0] + b"\n", parts[1] + b"\n", parts[2], parts[3]


def read_header(path: Path) -> dict[str, Any]:
    """The header of the file at ``path``, unchecked (for a listing); ``ControlError`` if
    it cannot be read as one."""
    with path.open("rb") as handle:
        start = handle.read(HEADER_LIMIT)
    _, second, _, _ = _split(start, path.name)
    try:
        header = json.loads(second)
    except ValueError:
        raise ControlError("snapshot", f"{path.name} has a header that is not JSON") from None
    if not isinstance(header, dict):
        raise ControlError("snapshot", f"{path.name} has a header that is not an object")
    return header


def decode(data: bytes, shown: str) -> Snapshot:
    """The snapshot in ``data`` (the file ``shown``), checked whole; ``ControlError`` if it
    is truncated, tampered with, of another format or not one at all."""
    first, second, digest, body = _split(data, shown)
    actual = hashlib.sha256(first + second + body).hexdigest()
    if digest.decode("ascii", "replace") != actual:
        raise ControlError(
            "snapshot", f"{shown} is damaged: its checksum does not match (truncated or altered)"
        )
    header = json.loads(second)
    db = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        db.deserialize(body)
        found = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        if not set(TABLES) <= found or db.execute("SELECT count(*) FROM records").fetchone()[0] < 1:
            raise ControlError("snapshot", f"{shown} does not hold an emulator's state")
        if db.execute("SELECT value FROM meta WHERE key = 'owner'").fetchone() is None:
            raise ControlError("snapshot", f"{shown} has no organization owner")
    except sqlite3.Error as exc:
        db.close()
        raise ControlError("snapshot", f"{shown} holds no readable database ({exc})") from None
    except BaseException:
        db.close()
        raise
    return Snapshot(header, db)


def keep_current(live: sqlite3.Connection, copy: sqlite3.Connection) -> str:
    """Put the running emulator's tokens and keys (``live``) into the loaded ``copy``; the
    owner the loaded state names, whose refresh tokens now are those the owner had."""
    owner = str(copy.execute("SELECT value FROM meta WHERE key = 'owner'").fetchone()[0])
    row = live.execute("SELECT value FROM meta WHERE key = 'owner'").fetchone()
    current_owner = None if row is None else str(row[0])
    copy.execute("BEGIN")
    for key in KEPT_META:
        value = live.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if value is not None:
            copy.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value[0]))
    copy.execute("DELETE FROM refresh_tokens")
    tokens = live.execute("SELECT token, digest, user_id, revoked FROM refresh_tokens")
    copy.executemany(
        "INSERT INTO refresh_tokens (token, digest, user_id, revoked) VALUES (?, ?, ?, ?)",
        [
            (token, digest, owner if user == current_owner else user, revoked)
            for token, digest, user, revoked in tokens
        ],
    )
    copy.execute("COMMIT")
    return owner


def save(store: Store, folder: Path, name: str, clock: Clock) -> dict[str, Any]:
    """The state, now, in ``folder``'s file ``name`` (replacing one of that name)."""
    path = path_of(folder, name)
    copy = store.snapshot()
    try:
        data = encode(copy, reading(clock))
        records = counts(copy)
    finally:
        copy.close()
    replaced = path.exists()
    try:
        write_private(path, data)
    except OSError as exc:
        problem = f"cannot write {path}: {exc.strerror or exc}"
        raise ControlError("name", problem, status=409) from None
    header = read_header(path)
    return {
        "name": name,
        "created": header["created"],
        "format": FORMAT,
        "size": len(data),
        "records": records,
        "replaced": replaced,
    }


def existing(folder: Path, name: str) -> Path:
    """The file of the snapshot ``name``; a ``ControlError`` (404) if there is none."""
    path = path_of(folder, name)
    if not path.is_file():
        raise ControlError("name", f"no snapshot named {name!r} (in {folder})", status=404)
    return path


def read(path: Path, shown: str) -> Snapshot:
    """The snapshot in the file at ``path``, checked whole (see ``decode``)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ControlError("snapshot", f"no snapshot file {shown}", status=404) from None
    except OSError as exc:
        raise ControlError("snapshot", f"cannot read {shown}: {exc.strerror or exc}") from None
    return decode(data, shown)


def put(store: Store, found: Snapshot, *, keep_tokens: bool) -> str:
    """The snapshot's state in place of the store's, in one step; its owner's ID.
    ``keep_tokens``: the running emulator's tokens and keys stay (see ``keep_current``);
    else the snapshot's come with it (an emulator starting from it)."""
    try:
        install(found.db, store.layout)
        stats = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
        if found.db.execute(stats).fetchone() is None:
            found.db.execute("ANALYZE")  # in memory, before the swap, not on the live file

        def owner_of(live: sqlite3.Connection, copy: sqlite3.Connection) -> str:
            if keep_tokens:
                return keep_current(live, copy)
            return str(copy.execute("SELECT value FROM meta WHERE key = 'owner'").fetchone()[0])

        return store.replace(found.db, owner_of)
    finally:
        found.db.close()


def set_clock(clock: Clock, header: dict[str, Any]) -> None:
    """A manual clock back at the snapshot's time; the wall clock cannot be moved."""
    saved = header.get("clock")
    at = saved.get("epochSeconds") if isinstance(saved, dict) else None
    if isinstance(clock, ManualClock) and isinstance(at, (int, float)):
        clock.set(float(at))


def listing(folder: Path) -> list[dict[str, Any]]:
    """The snapshots in ``folder``, by name: what their headers say, and their size."""
    found = []
    paths = sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []
    for path in paths:
        name = path.name[: -len(SUFFIX)]
        if not NAME.fullmatch(name):
            continue  # a file this code did not name (a save in progress, say)
        entry: dict[str, Any] = {"name": name, "size": path.stat().st_size}
        try:
            header = read_header(path)
        except (ControlError, OSError) as exc:
            entry["problem"] = str(exc.problem if isinstance(exc, ControlError) else exc)
        else:
            entry |= {
                "created": header.get("created"),
                "format": header.get("format"),
                "records": header.get("records", {}),
                "clock": header.get("clock"),
            }
        found.append(entry)
    return found


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
