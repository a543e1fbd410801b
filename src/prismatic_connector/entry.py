"""The target of the ``prismatic.components`` entry point: the loaded component.

A runner finds it without knowing this package's modules:
``importlib.metadata.entry_points(group="prismatic.components")["prismatic"].load()``.
"""

from __future__ import annotations

from .component.runner import load_component

component = load_component()
