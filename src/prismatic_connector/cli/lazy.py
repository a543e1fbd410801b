"""Build only the parser of the command a command line names.

Each subcommand's parser costs its construction and its options, and a cold
``invoke`` is paid for in every workflow step; the other commands' parsers are
needed only to list them (``--help``, no command, an unknown one), when all are
built.
"""

from __future__ import annotations

import argparse
from collections.abc import Container
from typing import Any


class Skipped:
    """Stands in for a parser this command line does not use: takes any call, keeps nothing."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: self


class OnlyNamed:
    """The subcommands, as ``add_subparsers`` returns them, building just ``command``."""

    def __init__(
        self, real: argparse._SubParsersAction[Any], command: str | None, known: Container[str]
    ) -> None:
        self._real = real
        self._only = command if command in known else None

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        if self._only is None or name == self._only:
            return self._real.add_parser(name, **kwargs)
        return Skipped()
