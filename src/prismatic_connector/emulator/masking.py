"""What the journal keeps of a request's values: never a secret, never a huge value.

Masked to ``***``: the value of any name holding token, secret, password, key or
credential; every config variable's value (under ``configVariables``, any name like it,
or ``values``); and in any text, the admin key, the refresh tokens the emulator knows,
and whatever looks like one of its tokens (a JWT, or a 43-character URL-safe token).
Text over 1 KiB is kept as ``{"length", "sha256"}``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

MASK = "***"
LONG = 1024
SECRET_NAME = re.compile(r"token|secret|password|key|credential", re.IGNORECASE)
CONFIG_NAME = re.compile(r"config_?variables?|^values$", re.IGNORECASE)
# An access token (a JWT) or a refresh token (secrets.token_urlsafe(32)) anywhere in text.
TOKEN_LIKE = re.compile(
    r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*|(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])"
)


def mask(value: Any, secrets: Iterable[str] = ()) -> Any:
    """``value`` with every secret in it masked, and long text summed up."""
    return _mask(value, tuple(s for s in secrets if s))


def _mask(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return text(value, secrets)
    if isinstance(value, dict):
        return {
            k: MASK
            if SECRET_NAME.search(str(k)) or CONFIG_NAME.search(str(k))
            else _mask(v, secrets)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask(v, secrets) for v in value]
    return value


def text(value: str, secrets: tuple[str, ...]) -> Any:
    for secret in secrets:
        if secret in value:
            value = value.replace(secret, MASK)
    value = TOKEN_LIKE.sub(MASK, value)
    if len(value) > LONG // 4:  # only then can its UTF-8 be over the limit
        raw = value.encode("utf-8", "surrogatepass")
        if len(raw) > LONG:
            return {"length": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
    return value
