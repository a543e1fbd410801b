"""Names as Prismatic derives them."""

from __future__ import annotations

import re


def camel(name: str) -> str:
    """Step names as Prismatic references them: "My Code Block" -> myCodeBlock."""
    words: list[str] = re.findall(r"[A-Za-z0-9]+", name)
    if not words:
        return name
    return words[0][:1].lower() + words[0][1:] + "".join(w[:1].upper() + w[1:] for w in words[1:])
