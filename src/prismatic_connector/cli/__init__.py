"""The command line: ``prismatic-connector``, a thin layer over the public API.

main.py        the parser, the commands' dispatch, the one error line
shared.py      what every command group uses: exit statuses, the help formatter,
               connection options, reading values, writing JSON
actions.py     actions, describe, invoke, token
step.py        the out-of-process step protocol
authoring.py   check, check-integration, docs, package, examples, publish, demo
emulator.py    the local emulator's commands (``envfile.py``: serve's env file)
complete.py    shell completion
"""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
