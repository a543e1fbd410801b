"""What the command line reads and writes: values from files or stdin, safe output.

Output never fails on text the terminal cannot encode: such characters are
written as backslash escapes, which inside JSON strings are valid JSON escapes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

# What the commands that call the API read from the environment, for their --help.
ENVIRONMENT = """environment:
  PRISM_REFRESH_TOKEN  the refresh token (`prism me:token --type refresh`)
  PRISMATIC_URL        the base URL, when --url is not given (else https://app.prismatic.io)
  PRISMATIC_TENANT_ID  the tenant, when --tenant-id is not given"""


class UsageError(Exception):
    pass


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
