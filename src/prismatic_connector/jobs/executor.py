"""Run a batch of items on a few threads, every request within the connection's one limiter.

The threads share the caller's ``Connection``, so its rate limiter paces them all:
more workers only fill the limit, never pass it. A stop (a halt, Ctrl-C) lets the
items in flight finish their step and starts no new one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

DEFAULT_WORKERS = 8
T = TypeVar("T")
R = TypeVar("R")
__all__ = ["DEFAULT_WORKERS", "run_batch"]


def run_batch(
    items: Sequence[T],
    work: Callable[[T], R],
    *,
    workers: int = DEFAULT_WORKERS,
    stop: threading.Event,
    done: Callable[[T, R], None],
) -> list[T]:
    """Run ``work`` on each item, at most ``workers`` at once, calling ``done`` as each ends.

    Returns the items never started because ``stop`` was set. A KeyboardInterrupt in
    the calling thread sets ``stop``, waits for the items in flight, and is re-raised.
    """
    pending = list(items)
    running: dict[Future[R], T] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        try:
            while pending or running:
                while pending and len(running) < workers and not stop.is_set():
                    item = pending.pop(0)
                    running[pool.submit(work, item)] = item
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    done(running.pop(future), future.result())
        except KeyboardInterrupt:
            stop.set()
            for future in list(running):
                try:
                    done(running.pop(future), future.result())
                except Exception:  # noqa: S112 - the interrupt wins; the item stays unsettled
                    continue
            raise
    return pending
