"""The README's example of the control surface runs as printed."""

from __future__ import annotations

import re
import subprocess
import sys

from ..conftest import ROOT


def test_the_readme_example_of_the_control_surface_runs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Controlling a running emulator", 1)[1].split("\n### ", 1)[0]
    (example,) = re.findall(r"```python\n(.*?)```", section, re.S)
    done = subprocess.run(
        [sys.executable, "-c", example], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ERROR\n"
