"""``prismatic-connector logs``: an instance's or an execution's log lines, and following them.

Lines go to stdout, each written whole and flushed; gaps and the one error line go to
stderr. Ctrl-C ends a follow at the next line or wait (exit 130), so no line is cut.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from types import FrameType
from typing import Any

from ..errors import ConfigurationError
from ..jobs.logdecide import LEVELS
from .shared import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    Command,
    Subcommands,
    call_options,
    connection_options,
    example_env,
    fail,
)


def add_parsers(sub: Subcommands) -> dict[str, Command]:
    parser = sub.add_parser(
        "logs",
        help="print an instance's or an execution's log lines, oldest first; --follow for more",
        epilog=example_env(
            "logs --instance SW5zdGFuY2U6MQ== --since 24h --level warn",
            "logs --execution SW5zdGFuY2VFeGVjdXRpb25SZXN1bHQ6MQ== --follow --format jsonl",
        ),
    )
    whose = parser.add_mutually_exclusive_group(required=True)
    whose.add_argument("--instance", metavar="ID", help="the instance whose lines to print")
    whose.add_argument("--execution", metavar="ID", help="the execution whose lines to print")
    parser.add_argument(
        "--since",
        metavar="T",
        help="from this time: ISO 8601 with a zone (2026-01-05T09:00:00Z) or a duration (24h)"
        " (default: every line)",
    )
    parser.add_argument(
        "--level",
        type=str.upper,
        choices=LEVELS,
        metavar="LEVEL",
        help=f"only lines at or above this level: {', '.join(LEVELS)} (default: every line)",
    )
    parser.add_argument(
        "--follow",
        action="store_true",
        help="keep printing lines as they arrive; an execution's follow ends when the run ends",
    )
    parser.add_argument("--format", choices=("text", "jsonl"), default="text", help="line format")
    parser.add_argument(
        "--overlap",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how far back each follow read reaches for lines that arrive late",
    )
    connection_options(parser)
    call_options(parser)
    return {"logs": run}


class _Interruptible:
    """The system's clock, with waits that Ctrl-C cuts short."""

    def __init__(self) -> None:
        self.stop = threading.Event()

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        self.stop.wait(max(0.0, seconds))


def run(args: argparse.Namespace) -> int:
    from ..connection import Connection
    from ..jobs.logs import Gap, logs
    from ..jobs.times import parse_time

    since = parse_time(args.since, name="--since") if args.since is not None else None
    if not 0 <= args.overlap <= 3600:
        raise ConfigurationError(
            "--overlap", f"expected seconds from 0 to 3600, got {args.overlap}"
        )
    clock = _Interruptible()

    def on_gap(gap: Gap) -> None:
        print(f"prismatic-connector: {gap.describe(args.overlap)}", file=sys.stderr, flush=True)

    def interrupted(signum: int, frame: FrameType | None) -> None:
        clock.stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C is at once

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        with Connection(
            tenant_id=args.tenant_id, base_url=args.url, timeout=args.timeout, retries=args.retries
        ) as connection:
            lines = logs(
                instance=args.instance,
                execution=args.execution,
                since=since,
                level=args.level,
                follow=args.follow,
                overlap_s=args.overlap,
                connection=connection,
                clock=clock,
                on_gap=on_gap,
                should_stop=clock.stop.is_set,
            )
            for line in lines:
                sys.stdout.write(_shown(line, args.format) + "\n")
                sys.stdout.flush()
    finally:
        signal.signal(signal.SIGINT, previous)
    if clock.stop.is_set():
        return fail("interrupted", EXIT_INTERRUPTED)
    return EXIT_OK


def _shown(line: Any, form: str) -> str:
    if form == "jsonl":
        return json.dumps(line.as_json(), ensure_ascii=False)
    return str(line.as_text())
