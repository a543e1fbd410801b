"""Starting a child that Ctrl-C reaches, wherever the test run itself was started."""

from __future__ import annotations

import signal


def interruptible() -> None:
    """For ``preexec_fn``: a shell starts background jobs with SIGINT ignored, and a child
    inherits that; a person at a terminal has it at its default."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
