"""What the fleet jobs' commands (``rollout``, ``replay``) share: the options of a
resumable job, and running it on a connection made from the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from ..connection import Connection
from .shared import UsageError


def job_options(add: Callable[..., Any], noun: str, job: str, dry_run: str) -> None:
    """``--concurrency``, ``--state``, ``--resume`` and ``--dry-run`` (``dry_run``: its help)."""
    add("--concurrency", type=int, default=8, metavar="C", help=f"{noun} in flight at once")
    add("--state", default=None, metavar="FILE", help="record each step here (JSON lines)")
    add("--resume", action="store_true", help=f"continue the {job} the --state file records")
    add("--dry-run", action="store_true", help=dry_run)


def run_job(args: argparse.Namespace, job: Callable[..., Any], *given: Any, **options: Any) -> int:
    """``job(*given, **options)`` with the shared options, on the command line's connection;
    the exit status its report ends with."""
    if args.resume and not args.state:
        raise UsageError("--resume needs --state FILE, the state file to resume")
    with Connection(
        tenant_id=args.tenant_id, base_url=args.url, timeout=args.timeout, retries=args.retries
    ) as connection:
        report = job(
            *given,
            **options,
            concurrency=args.concurrency,
            state=args.state,
            resume=args.resume,
            dry_run=args.dry_run,
            connection=connection,
            out=sys.stdout,
            err=sys.stderr,
        )
    return int(report.exit_status)
