"""``prismatic-connector step``: the out-of-process step protocol, JSON in and JSON out.

One request: ``{"action", "inputs"?, "connection"?, "id"?, "wait"?, "allowPayloadErrors"?}``
on stdin, the envelope on stdout; or a fleet job, ``{"job": "rollout", "options": {...},
"connection"?}``, answering ``{"data": {"job", "results", "summary"}}``. A failure is
``{"error": {"type", "message", "action", "input"?, "outcome"?}}`` on stdout, exit status 1
(the action failed) or 2 (bad request or input: nothing was sent). A mutation Prismatic
refuses (payload errors) answers its envelope and exits 1, unless the request says
``"allowPayloadErrors": true``. With ``--jsonl``, one request per line and one answer per
line, each echoing the request's ``id``; a failed request's answer carries
``"failed": true`` and does not end the stream, so a runner can keep one worker; the
process exits 1 if any request failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from ..component.runner import Component, load_component
from ..component.step import StepContext
from ..errors import ConnectorError, InputError, OutcomeUnknownError, PayloadError
from .shared import (
    ENVIRONMENT,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Command,
    Subcommands,
    example,
    exit_status,
)


def add_parsers(sub: Subcommands) -> dict[str, Command]:
    step = sub.add_parser(
        "step",
        help="run steps sent as JSON on stdin: the out-of-process step protocol",
        epilog=example(
            'step <<< \'{"action": "listInstances", "inputs": {"first": 5}, '
            '"connection": {"apiKey": "...", "baseUrl": "https://app.prismatic.io"}}\'',
            "step --jsonl < requests.jsonl > answers.jsonl",
        )
        + "\n\na request's connection values come first; what they leave out is read from the"
        + f" environment.\n\n{ENVIRONMENT}",
    )
    step.add_argument(
        "--jsonl", action="store_true", help="serve one request per line until stdin ends"
    )
    return {"step": _step}


def _step(args: argparse.Namespace) -> int:
    component = load_component()
    if args.jsonl:
        return serve_lines(component, sys.stdin, sys.stdout)
    return serve_one(component, sys.stdin, sys.stdout)


def serve_one(component: Component, stdin: TextIO, stdout: TextIO) -> int:
    answer, code = handle(component, stdin.read())
    _write(stdout, answer)
    return code


def serve_lines(component: Component, lines: Iterable[str], stdout: TextIO) -> int:
    failed = False
    for line in lines:
        if line.strip():
            answer, code = handle(component, line)
            if code != EXIT_OK:
                answer["failed"] = failed = True
            _write(stdout, answer)
            stdout.flush()
    return EXIT_FAILED if failed else EXIT_OK


def handle(component: Component, text: str) -> tuple[dict[str, Any], int]:
    """The answer to one request, and the exit status it would have alone."""
    request: Any = None
    problem = ""
    try:
        request = json.loads(text)
    except (ValueError, RecursionError) as exc:
        problem = f"the request is not JSON: {exc}"
    if not problem and not isinstance(request, dict):
        problem = "the request must be a JSON object with an action"
    if problem:
        return {"error": {"type": "InputError", "message": problem, "action": None}}, EXIT_USAGE
    ident = request.get("id")
    answer, code = _perform(component, request)
    return ({"id": ident, **answer} if "id" in request else answer), code


def _perform(component: Component, request: dict[str, Any]) -> tuple[dict[str, Any], int]:
    if "job" in request:
        return _job(component, request)
    action = request.get("action")
    failure: ConnectorError | None = None
    try:
        if not isinstance(action, str):
            raise InputError(str(action), None, "the request needs an action key")
        inputs = request.get("inputs") or {}
        if not isinstance(inputs, dict):
            raise InputError(action, None, "inputs must be a JSON object")
        wait = _flag(request, "wait", action)
        allowed = _flag(request, "allowPayloadErrors", action)
        step = component.step(action)
        context = StepContext(connection=request.get("connection"))
        envelope = step.perform(context, inputs, wait=wait, raise_on_payload_errors=not allowed)
    except PayloadError as exc:
        return dict(exc.envelope), EXIT_FAILED
    except ConnectorError as exc:
        failure = exc
    if failure is None:
        return envelope, EXIT_OK
    return {"error": _describe(failure, action)}, exit_status(failure)


def _job(component: Component, request: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """A fleet job (``{"job": "rollout", "options": {...}}``): its report and exit status."""
    from ..jobs import registry  # a job's machinery loads only when a job runs

    name = request.get("job")
    try:
        return registry.run(
            name,
            request.get("options", {}),
            connection=request.get("connection"),
            component=component,
        )
    except ConnectorError as exc:
        return {"error": _describe(exc, name)}, exit_status(exc)


def _flag(request: dict[str, Any], name: str, action: str) -> bool:
    value = request.get(name, False)
    if not isinstance(value, bool):
        raise InputError(action, None, f"{name} must be true or false")
    return value


def _describe(error: ConnectorError, action: Any) -> dict[str, Any]:
    described: dict[str, Any] = {
        "type": type(error).__name__,
        "message": str(error),
        "action": getattr(error, "action", None) or action,
    }
    if isinstance(error, InputError) and error.input is not None:
        described["input"] = error.input
    if isinstance(error, OutcomeUnknownError):
        described["outcome"] = error.outcome
    return described


def _write(stdout: TextIO, answer: dict[str, Any]) -> None:
    stdout.write(json.dumps(answer, separators=(",", ":")) + "\n")
