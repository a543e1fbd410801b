"""``prismatic-connector replay``: replay the executions that failed, each once.

stdout: a JSON line per execution as it settles, then ``{"summary": {...}}``; stderr:
the progress bar (on a terminal) and a human summary. Exit 0 when every execution is
replayed or skipped, 1 when any failed, is unknown or was not started, 2 for bad usage
or input (nothing sent), 130 when interrupted (the state file consistent).
"""

from __future__ import annotations

import argparse

from .jobs import job_options, run_job
from .shared import (
    ENVIRONMENT,
    Command,
    Subcommands,
    call_options,
    connection_options,
    example,
)


def add_parsers(sub: Subcommands) -> dict[str, Command]:
    parser = sub.add_parser(
        "replay",
        help="replay the executions that failed, each once (never twice)",
        epilog=example(
            "replay --integration SW50ZWdyYXRpb246... --since 24h --dry-run",
            "replay --instance SW5zdGFuY2U6... --flow 'Sync Inventory' --since "
            "2026-01-05T09:00:00Z --state replay.state",
            "replay --integration SW50ZWdyYXRpb246... --since 24h --state replay.state --resume",
        )
        + f"\n\n{ENVIRONMENT}",
    )
    add = parser.add_argument
    add(
        "--integration",
        default=None,
        metavar="ID",
        help="its runs on every version (the ID of any version or its draft; default: any)",
    )
    add("--instance", action="append", default=[], metavar="ID", help="only this instance's")
    add("--flow", default=None, metavar="NAME", help="only this flow's, by name (default: any)")
    add(
        "--since",
        default=None,
        metavar="T",
        help="runs started at or after T: ISO 8601 with a zone, or a duration (24h)",
    )
    add("--until", default=None, metavar="T", help="runs started at or before T (default: now)")
    add(
        "--again-if-replay-failed",
        action="store_true",
        help="replay again a run whose replays all failed",
    )
    job_options(add, "replays", "replay", "print what would be replayed; send no mutation")
    connection_options(parser)
    call_options(parser)
    return {"replay": _replay}


def _replay(args: argparse.Namespace) -> int:
    from ..jobs.replay import replay  # the job's machinery loads only when it runs

    return run_job(
        args,
        replay,
        integration=args.integration,
        instances=args.instance,
        flow=args.flow,
        since=args.since,
        until=args.until,
        again_if_replay_failed=args.again_if_replay_failed,
    )
