"""Relay global IDs and timestamps as the real API forms them.

New IDs and the time of day come from one source, random and the wall clock by
default; ``use(Fixed())`` makes them a sequence, so a run of the emulator can be
repeated byte for byte (the example payloads are made that way). Within one of an
emulator's transactions the time of day is its clock's (``reading``): several
emulators may share a process, each on a clock of its own.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone

_clock: ContextVar[Callable[[], float]] = ContextVar("emulator_clock", default=time.time)


@contextmanager
def reading(clock: Callable[[], float]) -> Iterator[None]:
    """Within this block (one transaction of an emulator), the time is ``clock``'s."""
    token = _clock.set(clock)
    try:
        yield
    finally:
        _clock.reset(token)


def seconds() -> float:
    """The emulator's time, in seconds since the epoch."""
    return _clock.get()()


class Source:
    def uuid(self) -> str:
        return str(uuid.uuid4())

    def moment(self) -> datetime:
        return datetime.fromtimestamp(seconds(), timezone.utc)


class Fixed(Source):
    """Numbered UUIDs, and a clock that starts at ``start`` and moves a second per reading."""

    def __init__(self, start: datetime = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)) -> None:
        self._count = 0
        self._at = start
        self._lock = threading.Lock()

    def uuid(self) -> str:
        with self._lock:
            self._count += 1
            return str(uuid.UUID(int=self._count))

    def moment(self) -> datetime:
        with self._lock:
            self._at += timedelta(seconds=1)
            return self._at


_source: Source = Source()


@contextmanager
def use(source: Source) -> Iterator[Source]:
    global _source
    previous, _source = _source, source
    try:
        yield source
    finally:
        _source = previous


def new_uuid() -> str:
    return _source.uuid()


def new_id(type_name: str) -> str:
    return encode(type_name, new_uuid())


def encode(type_name: str, key: str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def type_of(global_id: str) -> str | None:
    """The type name inside a global ID, or None if it is not one."""
    try:
        decoded = base64.b64decode(global_id.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    name, sep, _ = decoded.partition(":")
    return name if sep and name.isidentifier() else None


def moment() -> datetime:
    return _source.moment()


def now() -> str:
    return moment().isoformat()
