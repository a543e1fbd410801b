"""Relay global IDs and timestamps as the real API forms them."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime, timezone


def new_id(type_name: str) -> str:
    return encode(type_name, str(uuid.uuid4()))


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


def now() -> str:
    return datetime.now(timezone.utc).isoformat()
