"""What every command group shares: exit statuses, the one error line, the help
formatter, the options that name a connection or bound a call, reading values from
files or stdin, and writing output that never fails.

Output never fails on text the terminal cannot encode: such characters are
written as backslash escapes, which inside JSON strings are valid JSON escapes.

A group module (``actions``, ``step``, ``authoring``, ``emulator``, ``complete``)
defines ``add_parsers(sub: Subcommands) -> dict[str, Command]``: it adds its
commands' parsers and answers which function runs each.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from ..component.failures import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, exit_status
from ..errors import ConfigurationError, ConnectorError, InputError, ManifestError

__all__ = [
    "ENVIRONMENT",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "Command",
    "Formatter",
    "Parser",
    "Subcommands",
    "UsageError",
    "call_options",
    "connection_options",
    "described",
    "example",
    "example_env",
    "exit_status",
    "fail",
    "gather_inputs",
    "make_output_safe",
    "print_json",
    "read_value",
    "wait_watcher",
]

Command = Callable[[argparse.Namespace], int]

# What the commands that call the API read from the environment, for their --help.
ENVIRONMENT = """environment:
  PRISM_REFRESH_TOKEN  the refresh token (`prism me:token --type refresh`)
  PRISMATIC_URL        the base URL, when --url is not given (else https://app.prismatic.io)
  PRISMATIC_TENANT_ID  the tenant, when --tenant-id is not given"""


class UsageError(Exception):
    """Bad usage of the command line itself: one line, exit 2, nothing sent."""


# The settings the command line takes as options, by the options' names.
_FLAGS = {
    "timeout": "--timeout",
    "retries": "--retries",
    "base_url": "--url",
    "url": "--url",
    "admin key": "--admin-key-file",
}


def fail(message: str, code: int) -> int:
    """The one error line every command writes, on stderr; returns ``code``."""
    print(f"prismatic-connector: error: {' '.join(message.split())}", file=sys.stderr)
    return code


def described(exc: ConnectorError) -> str:
    """A setting by its option; an input's or the manifest's own message; others by kind."""
    if isinstance(exc, ConfigurationError):
        return f"{_FLAGS.get(exc.setting, exc.setting)}: {exc.problem}"
    if isinstance(exc, (InputError, ManifestError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Every option's default after its help (unless the help says it); examples as written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "(default" in text or action.default is argparse.SUPPRESS or not action.option_strings:
            return text
        if action.default is None:
            return f"{text} (default: none)"
        return f"{text} (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> Any:  # one line, exit 2, as for every other usage error
        raise UsageError(message)


def example(*lines: str) -> str:
    return "example:\n" + "\n".join(f"  prismatic-connector {line}" for line in lines)


def example_env(*lines: str) -> str:
    """The examples, then the environment variables a command that calls the API reads."""
    return f"{example(*lines)}\n\n{ENVIRONMENT}"


def connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url", help="Prismatic base URL (default: $PRISMATIC_URL, else https://app.prismatic.io)"
    )
    parser.add_argument("--tenant-id", help="tenant to act in (default: $PRISMATIC_TENANT_ID)")


def call_options(parser: argparse.ArgumentParser) -> None:
    """How long one call may take and how often it is retried."""
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="deadline of the whole call, retries included (default: the connection's, 60 s)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=None,
        metavar="N",
        help="most retries after the first attempt (default: the connection's, 4)",
    )


class _Skipped:
    """Stands in for a parser this command line does not use: takes any call, keeps nothing."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: self


class Subcommands:
    """The subcommands, as ``add_subparsers`` returns them, building just the command the
    command line names (all of them when it names none, or one not known).

    Each subcommand's parser costs its construction and its options, and a cold
    ``invoke`` is paid for in every workflow step.
    """

    def __init__(self, real: argparse._SubParsersAction[Any], only: str | None) -> None:
        self._real = real
        self.only = only

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        if self.only is None or name == self.only:
            return self._real.add_parser(name, **kwargs)
        return _Skipped()


def make_output_safe() -> None:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def read_value(text: str, what: str, stdin: TextIO | None = None) -> str:
    """``@path`` is the file's text, ``@-`` standard input, ``@@...`` a literal ``@...``."""
    if text.startswith("@@"):
        return text[1:]
    if not text.startswith("@"):
        return text
    source = text[1:]
    problem = ""
    try:
        if source == "-":
            return (stdin or sys.stdin).read()
        return Path(source).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problem = f"{what}: {source} is not UTF-8 text"
    except OSError as exc:
        problem = f"{what}: cannot read {source}: {exc.strerror or type(exc).__name__}"
    raise UsageError(problem)


def gather_inputs(args: argparse.Namespace) -> dict[str, Any]:
    """The action's inputs from ``--inputs-json`` and each ``--input NAME=VALUE``."""
    inputs: dict[str, Any] = {}
    readers = [v for v in [args.inputs_json or "", *args.input] if v.endswith("=@-") or v == "@-"]
    if len(readers) > 1:
        raise UsageError("standard input (@-) can feed only one input")
    if args.inputs_json:
        text = read_value(args.inputs_json, "--inputs-json")
        problem = ""
        try:
            loaded = json.loads(text)
        except (ValueError, RecursionError) as exc:
            loaded, problem = None, f"--inputs-json: not JSON: {exc}"
        if problem:
            raise UsageError(problem)
        if not isinstance(loaded, dict):
            raise UsageError("--inputs-json: expected a JSON object of input values")
        inputs.update(loaded)
    seen: set[str] = set()
    for item in args.input:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--input {item!r}: expected NAME=VALUE")
        if name in seen:
            raise UsageError(f"--input {name!r} is given twice")
        seen.add(name)
        inputs[name] = read_value(value, f"--input {name}")
    return inputs


def print_json(value: Any) -> None:
    """As readable as the terminal allows: escaped only where it cannot show the text."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    try:
        text.encode(sys.stdout.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        text = json.dumps(value, indent=2, ensure_ascii=True)
    # In slices, so a reader that goes away is noticed rather than written past.
    for start in range(0, len(text), 1 << 16):
        sys.stdout.write(text[start : start + (1 << 16)])
    sys.stdout.write("\n")


def wait_watcher(action: str, stream: TextIO) -> Callable[[str, float], None] | None:
    """A status line kept current on ``stream`` while a run is waited for; None off a terminal."""
    if not stream.isatty():
        return None

    def show(status: str, seconds: float) -> None:
        ended = status in ("SUCCESS", "ERROR")
        stream.write(f"\r{action}: execution {status} after {seconds:.1f} s\033[K")
        stream.write("\n" if ended else "")
        stream.flush()

    return show
