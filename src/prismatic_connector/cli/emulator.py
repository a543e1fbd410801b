"""The ``prismatic-connector emulator ...`` commands.

Describing the options loads nothing heavy: the emulator itself (and graphql-core)
is imported only when ``serve`` or ``coverage`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import sys
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from ..emulator.keyfile import admin_key_path
from ..errors import ConfigurationError, ControlError
from . import emulator_control
from .shared import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Command,
    Formatter,
    Subcommands,
    fail,
)

if TYPE_CHECKING:
    from ..emulator.app import Emulator
    from ..emulator.faults import Faults
    from .envfile import EnvFile

EXAMPLES = {
    "serve": "example:\n  prismatic-connector emulator serve --port 8484 --rate-429 0.05\n"
    "  prismatic-connector emulator serve --scale instances=10000,customers=100\n"
    "  prismatic-connector emulator serve --env-file .emulator.env\n"
    "  . .emulator.env    # then, in another shell: its PRISMATIC_URL and PRISM_REFRESH_TOKEN",
    "coverage": "example:\n  prismatic-connector emulator coverage --check",
    "token": "example:\n  prismatic-connector emulator token --url http://127.0.0.1:8484",
}
# What stops serve, so that its files go too: Ctrl-C, kill and supervisors (SIGTERM), a
# closed terminal (SIGHUP).
STOPPING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def add_parsers(sub: Subcommands) -> dict[str, Command]:
    """The emulator's options are described only when the command line names it, so the
    other commands (and ``--help``) never import the emulator's modules."""
    if sub.only == "emulator":
        add_parser(sub, Formatter)
    else:
        sub.add_parser("emulator", help="run the local Prismatic API emulator", add_help=False)
    return {"emulator": run}


def add_parser(sub: Any, formatter: type[argparse.HelpFormatter]) -> None:
    emulator = sub.add_parser(
        "emulator",
        help="run the local Prismatic API emulator",
        formatter_class=formatter,
        epilog="example:\n  prismatic-connector emulator serve",
    )
    commands = emulator.add_subparsers(dest="emulator_command", required=True)

    def command(name: str, help: str, epilog: str | None = None) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = commands.add_parser(
            name, help=help, formatter_class=formatter, epilog=epilog or EXAMPLES[name]
        )
        return parser

    _serve_options(command("serve", "serve the emulator until interrupted"))

    coverage = command("coverage", "which root operations the emulator implements")
    coverage.add_argument("--output", help="write the table here instead of printing it")
    coverage.add_argument(
        "--check", action="store_true", help="fail if the written table is not current"
    )

    token = command("token", "print a token of a running emulator (needs its admin key)")
    token.add_argument(
        "--url", default=None, help="the emulator's base URL (default: $PRISMATIC_URL)"
    )
    token.add_argument("--type", choices=("access", "refresh"), default="access", help="kind")
    token.add_argument(
        "--admin-key-file",
        default=None,
        help="the key file `emulator serve` wrote (default: found from the URL)",
    )
    emulator_control.add_parsers(command)


def _serve_options(serve: argparse.ArgumentParser) -> None:
    from ..emulator.faults import Faults
    from ..emulator.tokens import DEFAULT_TTL_S

    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=_port, default=0, help="port to listen on; 0 picks one")
    serve.add_argument("--db", help="SQLite file that keeps the state (default: a temporary file)")
    serve.add_argument("--seed", choices=("demo", "empty"), default="demo", help="initial data")
    serve.add_argument(
        "--scale",
        default="",
        metavar="KIND=N,...",
        help="bulk data on top of the seed: customers, integrations, instances, executions"
        " (such as instances=10000,customers=100)",
    )
    serve.add_argument(
        "--env-file",
        metavar="FILE",
        help="also write PRISMATIC_URL, PRISM_REFRESH_TOKEN (and NODE_EXTRA_CA_CERTS with TLS)"
        " to FILE as `export` lines for a shell to source; readable by you only, removed when"
        " serve stops; an existing FILE that serve did not write is refused",
    )
    serve.add_argument(
        "--token-ttl", type=float, default=DEFAULT_TTL_S, help="access token lifetime, seconds"
    )
    serve.add_argument(
        "--execution-s", type=float, default=0.0, help="how long each flow run stays PENDING"
    )
    serve.add_argument(
        "--manual-clock",
        action="store_true",
        help="a clock that moves only when told (`emulator clock --advance`), so tests"
        " drive waits and expiries without sleeping",
    )
    serve.add_argument(
        "--snapshot-dir",
        metavar="DIR",
        help="where `emulator snapshot` keeps snapshots (default: snapshots/ beside the state)",
    )
    serve.add_argument(
        "--from-snapshot",
        metavar="NAME_OR_PATH",
        help="start from this snapshot: a name in --snapshot-dir, or a file's path (with a /);"
        " with --db, it is loaded into that database",
    )
    for name, default, text in Faults.options():
        flag = "--" + name.replace("_", "-")
        if isinstance(default, bool):
            serve.add_argument(flag, action="store_true", help=text)
        else:
            kind = int if name in ("fault_seed", "retry_after_s") else float
            serve.add_argument(flag, type=kind, default=default, help=text)


def run(args: argparse.Namespace) -> int:
    commands = {"serve": _serve, "coverage": _coverage, "token": _token}
    return commands.get(args.emulator_command, emulator_control.run)(args)


def _serve(args: argparse.Namespace) -> int:
    from ..emulator.faults import Faults
    from .envfile import EnvFile, EnvFileError

    values = {name: getattr(args, name) for name, _, _ in Faults.options()}
    try:
        faults = Faults(**values)
    except ConfigurationError as exc:
        return fail(f"--{exc.setting.replace('_', '-')}: {exc.problem}", EXIT_USAGE)
    env_file = None
    previous = {number: signal.getsignal(number) for number in STOPPING}
    for number, handler in previous.items():
        # One ignored (as nohup ignores SIGHUP, or a shell Ctrl-C in a background job) stays so.
        if handler in (signal.SIG_DFL, signal.default_int_handler):
            signal.signal(number, _stop)
    try:
        if args.env_file is not None:
            env_file = EnvFile(Path(args.env_file))
        return _serve_until_stopped(args, faults, env_file)
    except EnvFileError as exc:
        return fail(f"--env-file {args.env_file}: {exc}", EXIT_USAGE)
    finally:
        if env_file is not None:
            env_file.remove()
        _restore(previous)


def _serve_until_stopped(args: argparse.Namespace, faults: Faults, env_file: EnvFile | None) -> int:
    from ..emulator import tls
    from ..emulator.app import Emulator
    from ..emulator.clock import ManualClock
    from ..emulator.scale import parse

    try:
        scale = parse(args.scale)
    except ValueError as exc:
        return fail(f"--scale: {exc}", EXIT_USAGE)
    try:
        emulator = Emulator(
            seed=args.seed,
            db=args.db,
            host=args.host,
            port=args.port,
            token_ttl_s=args.token_ttl,
            faults=faults,
            clock=ManualClock() if args.manual_clock else None,
            execution_s=args.execution_s,
            scale=scale,
            tls=tls.available(),
            snapshot_dir=args.snapshot_dir,
            from_snapshot=_snapshot_source(args.from_snapshot),
        )
    except ControlError as exc:
        hint = " (a file: give its path, such as ./FILE)" if exc.status == 404 else ""
        return fail(f"--from-snapshot {args.from_snapshot}: {exc.problem}{hint}", EXIT_USAGE)
    except (OSError, sqlite3.Error) as exc:
        return fail(f"cannot use --db {args.db}: {_reason(exc)}", EXIT_USAGE)
    except ValueError as exc:
        return fail(str(exc), EXIT_USAGE)
    key_file: Path | None = None
    try:
        try:
            emulator.start()
        except (OSError, OverflowError) as exc:
            return fail(f"cannot listen on {args.host}:{args.port}: {_reason(exc)}", EXIT_FAILED)
        key_file = admin_key_path(emulator.url)
        _announce(emulator, key_file, env_file)
        emulator.wait()
    finally:
        _ignore_stops()
        if env_file is not None:
            env_file.remove()
        if key_file is not None:
            key_file.unlink(missing_ok=True)
        emulator.stop()
    return EXIT_OK


def _announce(emulator: Emulator, key_file: Path, env_file: EnvFile | None) -> None:
    """Leave the admin key (and the env file), and print what a client needs."""
    from ..emulator import tls

    exports = {"PRISMATIC_URL": emulator.url, "PRISM_REFRESH_TOKEN": emulator.refresh_token}
    if emulator.ca_file is not None:
        exports["NODE_EXTRA_CA_CERTS"] = str(emulator.ca_file)
    if env_file is not None:
        env_file.write(exports)
    try:
        _write_private(key_file, emulator.admin_key)
        where = str(key_file)
    except OSError as exc:
        where = f"not written ({_reason(exc)}); `emulator token` cannot be used"
    print(f"Prismatic API emulator on {emulator.url} (state: {emulator.db_path})")
    print(f"admin key (for `emulator token`): {where}")
    if env_file is not None:
        print(f"environment (for a shell to source): {env_file.path}")
    for name, value in exports.items():
        print(f"{name}={value}")
    if emulator.ca_file is None:
        print(f"(for prism to log in with PRISM_REFRESH_TOKEN: {tls.INSTALL})")
    sys.stdout.flush()


def _stop(signum: int, frame: FrameType | None) -> None:
    # The first signal stops serve; more (a second Ctrl-C, a supervisor's repeated SIGTERM)
    # must not cut its clean-up short.
    _ignore_stops()
    raise KeyboardInterrupt


def _ignore_stops() -> None:
    for number in STOPPING:
        if signal.getsignal(number) is _stop:
            signal.signal(number, signal.SIG_IGN)


def _restore(handlers: dict[signal.Signals, Any]) -> None:
    for number, handler in handlers.items():
        if handler is not None:  # None: a handler not set from Python, which cannot be put back
            signal.signal(number, handler)


def _snapshot_source(given: str | None) -> str | Path | None:
    """A name in the snapshot folder, or (with a path separator) a file."""
    if given is None or ("/" not in given and os.sep not in given):
        return given
    return Path(given)


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _coverage(args: argparse.Namespace) -> int:
    from ..emulator.coverage import render

    text = render()
    if args.check:
        target = Path(args.output or "docs/emulator-coverage.md")
        if not target.is_file():
            # From an installed package there is no table to compare: that is not staleness.
            where = "run it in a checkout of the project, or give --output"
            return fail(f"{target} not found: {where}", EXIT_USAGE)
        if target.read_text(encoding="utf-8") != text:
            fix = f"prismatic-connector emulator coverage --output {target}"
            print(f"{target} is out of date: run `{fix}`", file=sys.stderr)
            return EXIT_FAILED
        print(f"{target} is current")
    elif args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _token(args: argparse.Namespace) -> int:
    url = (args.url or os.environ.get("PRISMATIC_URL") or "").rstrip("/")
    if not url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        return fail("give the emulator's local URL with --url or PRISMATIC_URL", EXIT_USAGE)
    key_file = Path(args.admin_key_file) if args.admin_key_file else admin_key_path(url)
    try:
        key = key_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        return fail(f"cannot read the admin key {key_file}: {_reason(exc)}", EXIT_USAGE)
    request = urllib.request.Request(  # noqa: S310 - a loopback URL, checked above
        f"{url}/emulator/tokens?type={args.type}", headers={"X-Emulator-Admin-Key": key}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            print(json.loads(response.read())["token"])
    except urllib.error.HTTPError as exc:
        return fail(f"the emulator refused: HTTP {exc.code}", EXIT_FAILED)
    except (OSError, ValueError, KeyError) as exc:
        return fail(f"cannot reach the emulator at {url}: {_reason(exc)}", EXIT_FAILED)
    return EXIT_OK


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise ValueError(text)
    return value


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
