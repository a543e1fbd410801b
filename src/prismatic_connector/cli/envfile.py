"""The ``--env-file`` of ``emulator serve``: ``export`` lines for a shell to source.

The file holds the refresh token, so it is private from its first byte: written under a
temporary name made with mode 0600 in the same folder, then renamed into place. Its first
line marks it as serve's own: a later serve overwrites a file left behind by one that was
killed outright, but never a file of anyone else, and serve removes it when it stops only
if it is still the very file it wrote.
"""

from __future__ import annotations

import os
import secrets
import shlex
import stat
from collections.abc import Mapping
from pathlib import Path

MARKER = "# Written by prismatic-connector emulator serve"


class EnvFileError(Exception):
    """Why the file cannot be used, in words that follow its name."""


class EnvFile:
    def __init__(self, path: Path) -> None:
        """Claim ``path`` before anything listens: refuse a file that serve did not write,
        and make the temporary file now, so a folder that cannot be written fails early."""
        self.path = path
        self._check()
        self._temp: Path | None = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            self._fd: int | None = os.open(self._temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise EnvFileError(f"cannot write there: {_reason(exc)}") from None
        self._written: tuple[int, int, str] | None = None

    def write(self, values: Mapping[str, str]) -> None:
        """Put the ``export`` lines in place, replacing a stale file of an earlier serve."""
        assert self._fd is not None, "written once"
        assert self._temp is not None
        exports = (f"export {name}={shlex.quote(value)}" for name, value in values.items())
        first = f"{MARKER} (pid {os.getpid()}); removed when it stops."
        text = "\n".join((first, *exports)) + "\n"
        # The emulator may have taken a while to start: the path is checked again.
        self._check()
        try:
            with os.fdopen(self._fd, "w", encoding="utf-8") as handle:
                self._fd = None
                handle.write(text)
                handle.flush()
                made = os.fstat(handle.fileno())
            self._temp.replace(self.path)
        except OSError as exc:
            raise EnvFileError(f"cannot write it: {_reason(exc)}") from None
        self._temp = None
        self._written = (made.st_dev, made.st_ino, text)

    def remove(self) -> None:
        """Remove the file, unless someone replaced or changed it meanwhile."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._temp is not None:
            self._temp.unlink(missing_ok=True)
            self._temp = None
        if self._written is None:
            return
        device, inode, text = self._written
        self._written = None
        try:
            now = os.lstat(self.path)
            if (now.st_dev, now.st_ino) == (device, inode) and self._text() == text:
                self.path.unlink()
        except OSError:
            pass  # gone, or no longer readable: in either case no longer serve's to remove

    def _text(self) -> str:
        return self.path.read_text(encoding="utf-8", errors="replace")

    def _check(self) -> None:
        try:
            found = os.lstat(self.path)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise EnvFileError(f"cannot look at it: {_reason(exc)}") from None
        if stat.S_ISDIR(found.st_mode):
            raise EnvFileError("this is a folder; name a file")
        if not stat.S_ISREG(found.st_mode):
            raise EnvFileError("this exists and is not a plain file; name another file")
        try:
            with self.path.open(encoding="utf-8", errors="replace") as handle:
                first = handle.readline(len(MARKER) + 1)
        except OSError as exc:
            raise EnvFileError(f"cannot read it: {_reason(exc)}") from None
        if not first.startswith(MARKER):
            raise EnvFileError(
                "this file exists and was not written by emulator serve;"
                " move it away or name another file"
            )


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__
