"""Where ``emulator serve`` leaves its admin key, so that its user's other processes
(``emulator token``, the control commands, ``EmulatorClient``) find it from the URL."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ConfigurationError

LOCAL = ("http://127.", "http://localhost", "http://[::1]", "https://127.", "https://localhost")


def admin_key_path(url: str) -> Path:
    """Where ``serve`` leaves the admin key of the emulator at ``url``, for its user only."""
    base = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("XDG_CACHE_HOME")
    folder = Path(base) if base else Path.home() / ".cache"
    name = (
        url.split("://", 1)[-1].replace(":", "-").replace("/", "").replace("[", "").replace("]", "")
    )
    return folder / "prismatic-connector" / f"emulator-{name}.key"


def local_url(url: str | None) -> str:
    """``url`` (else ``PRISMATIC_URL``) without a trailing slash, if it is a loopback one:
    the admin key is never sent anywhere else."""
    given = (url or os.environ.get("PRISMATIC_URL") or "").rstrip("/")
    if not given.startswith(LOCAL):
        raise ConfigurationError(
            "url", "give the emulator's local URL (--url or PRISMATIC_URL, on 127.0.0.1)"
        )
    return given


def read_admin_key(url: str, key_file: str | Path | None = None) -> str:
    """The admin key from ``key_file``, else from where ``serve`` left it for ``url``."""
    path = Path(key_file) if key_file else admin_key_path(url)
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigurationError("admin key", f"cannot read {path}: {reason}") from None
