"""What only the emulator uses is an extra of its own: a plain install runs actions alone.

msgpack serves step results as Prismatic serves them; trustme makes the TLS listener
Prismatic's CLI logs in through. Without them an emulator is refused as it is made,
with one line naming the extra, rather than failing later, half-started.
"""

from __future__ import annotations

import importlib.util

from ..errors import ConfigurationError

INSTALL = "pip install 'prismatic-connector[emulator]'"
NEEDS = ("msgpack", "trustme")


def require() -> None:
    """Raise ``ConfigurationError`` (exit 2 on the command line) if the extra is missing."""
    missing = [name for name in NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigurationError(
            "emulator", f"it needs {' and '.join(missing)}, its extra: {INSTALL}"
        )
