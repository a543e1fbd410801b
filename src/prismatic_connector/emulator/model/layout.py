"""Moved beside the store it configures: ``emulator.layout``. Kept so older imports work."""

from __future__ import annotations

from ..layout import LAYOUT

__all__ = ["LAYOUT"]
