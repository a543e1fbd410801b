"""The ``prismatic-connector emulator ...`` commands."""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from pathlib import Path
from typing import Any

from . import Emulator, Faults
from .tokens import DEFAULT_TTL_S


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    emulator = sub.add_parser("emulator", help="run the local Prismatic API emulator")
    commands = emulator.add_subparsers(dest="emulator_command", required=True)

    serve = commands.add_parser("serve", help="serve the emulator until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port")
    serve.add_argument("--db", help="SQLite file that keeps the state (default: a temporary file)")
    serve.add_argument("--seed", choices=("demo", "empty"), default="demo")
    serve.add_argument(
        "--token-ttl", type=float, default=DEFAULT_TTL_S, help="access token lifetime, seconds"
    )
    serve.add_argument("--latency-ms", type=float, default=0.0, help="delay every API request")
    serve.add_argument(
        "--fail-429", type=float, default=0.0, metavar="SHARE", help="answer 429 to this share"
    )
    serve.add_argument("--fail-502", type=float, default=0.0, metavar="SHARE")
    serve.add_argument("--fail-503", type=float, default=0.0, metavar="SHARE")
    serve.add_argument(
        "--drop", type=float, default=0.0, metavar="SHARE", help="drop this share of connections"
    )
    serve.add_argument(
        "--retry-after", type=int, default=1, help="Retry-After seconds on 429 and 503"
    )
    serve.add_argument(
        "--rate-limit", type=float, default=None, help="requests per second per token"
    )
    serve.add_argument(
        "--fault-seed", type=int, default=None, help="make injected faults repeatable"
    )

    coverage = commands.add_parser("coverage", help="which root operations the emulator implements")
    coverage.add_argument("--output", help="write the table here instead of printing it")
    coverage.add_argument(
        "--check", action="store_true", help="fail if the written table is not current"
    )

    token = commands.add_parser("token", help="print a token of a running emulator")
    token.add_argument(
        "--url", default=None, help="the emulator's base URL (default: $PRISMATIC_URL)"
    )
    token.add_argument("--type", choices=("access", "refresh"), default="access")


def run(args: argparse.Namespace) -> int:
    return {"serve": _serve, "coverage": _coverage, "token": _token}[args.emulator_command](args)


def _serve(args: argparse.Namespace) -> int:
    faults = Faults(
        latency_ms=args.latency_ms,
        rate_429=args.fail_429,
        rate_502=args.fail_502,
        rate_503=args.fail_503,
        rate_drop=args.drop,
        retry_after_s=args.retry_after,
        rate_limit=args.rate_limit,
        seed=args.fault_seed,
    )
    emulator = Emulator(
        seed=args.seed,
        db=args.db,
        host=args.host,
        port=args.port,
        token_ttl_s=args.token_ttl,
        faults=faults,
    )
    emulator.start()
    print(f"Prismatic API emulator on {emulator.url} (state: {emulator.db_path})")
    print(f"PRISMATIC_URL={emulator.url}")
    print(f"PRISM_REFRESH_TOKEN={emulator.refresh_token}", flush=True)
    try:
        emulator.wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


def _coverage(args: argparse.Namespace) -> int:
    from .coverage import render

    text = render()
    if args.check:
        target = Path(args.output or "docs/emulator-coverage.md")
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            fix = f"prismatic-connector emulator coverage --output {target}"
            print(f"{target} is out of date: run `{fix}`", file=sys.stderr)
            return 1
        print(f"{target} is current")
    elif args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def _token(args: argparse.Namespace) -> int:
    url = (args.url or os.environ.get("PRISMATIC_URL") or "").rstrip("/")
    if not url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        print(
            "prismatic-connector: error: give the emulator's local URL with --url or PRISMATIC_URL",
            file=sys.stderr,
        )
        return 2
    with urllib.request.urlopen(f"{url}/emulator/tokens?type={args.type}", timeout=10) as response:  # noqa: S310
        print(json.loads(response.read())["token"])
    return 0
