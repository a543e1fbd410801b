"""Runs that end on a wall clock do what a run's end does (alert webhooks, the instance's
failure state) as their time comes, though no request arrives to notice it.

On a manual clock there is nothing to wait for: moving the clock settles what it ends,
and a run that ends by being read settles as it is read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("prismatic_connector.emulator")


class Settler:
    def __init__(self, settle: Callable[[], None], every_s: float = 0.2) -> None:
        self._settle = settle
        self._every_s = every_s
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="emulator-settler", daemon=True)

    def start(self) -> Settler:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop, and wait for a settle under way: the store is closed next."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while not self._stopping.wait(self._every_s):
            try:
                self._settle()
            except Exception:  # one failed settle must not end the rest; the next retries
                log.exception("settling the runs that have ended failed")
