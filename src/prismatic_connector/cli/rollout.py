"""``prismatic-connector rollout``: move every instance of an integration to a version.

stdout: a JSON line per instance as it finishes, then ``{"summary": {...}}``; stderr:
the progress bar (on a terminal) and a human summary. Exit 0 when every instance is
done, 1 when any failed, is unknown or was not started, or the rollout halted, 2 for
bad usage or input (nothing sent), 130 when interrupted (the state file consistent).
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
        "rollout",
        help="move every instance of an integration to a version, in gated batches",
        epilog=example(
            "rollout SW50ZWdyYXRpb246... --dry-run",
            "rollout SW50ZWdyYXRpb246... --canary 2 --batch 50 --max-failures 2% "
            "--state rollout.state",
            "rollout SW50ZWdyYXRpb246... --state rollout.state --resume",
        )
        + f"\n\n{ENVIRONMENT}",
    )
    parser.add_argument(
        "integration", metavar="INTEGRATION_ID", help="the ID of any version of it or its draft"
    )
    add = parser.add_argument
    add("--to-version", type=int, metavar="N", help="version number (default: latest published)")
    add("--customer", action="append", default=[], metavar="ID", help="only this customer's")
    canary = parser.add_mutually_exclusive_group()
    canary.add_argument(
        "--canary", type=int, default=0, metavar="K", help="the first K instances go first"
    )
    canary.add_argument(
        "--canary-customer",
        action="append",
        default=[],
        metavar="ID",
        help="this customer's instances go first",
    )
    add("--batch", type=int, default=50, metavar="B", help="instances per batch")
    add(
        "--max-failures",
        default="0",
        metavar="N|P%",
        help="failures (a count or a share of the plan) past which no new batch starts",
    )
    add("--smoke-flow", default=None, metavar="NAME", help="after each deploy, test this flow")
    add(
        "--smoke-timeout",
        type=float,
        default=300.0,
        metavar="S",
        help="seconds a smoke test may run; one still going counts as failed",
    )
    job_options(add, "instances", "rollout", "print the plan; send no mutation")
    connection_options(parser)
    call_options(parser)
    return {"rollout": _rollout}


def _rollout(args: argparse.Namespace) -> int:
    from ..jobs.rollout import rollout  # the job's machinery loads only when it runs

    return run_job(
        args,
        rollout,
        args.integration,
        to_version=args.to_version,
        customers=args.customer,
        canary=args.canary,
        canary_customers=args.canary_customer,
        batch=args.batch,
        max_failures=args.max_failures,
        smoke_flow=args.smoke_flow,
        smoke_timeout=args.smoke_timeout,
    )
