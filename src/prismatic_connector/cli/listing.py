"""``invoke KEY --all``: every node of a list action, streamed; a progress bar on a terminal."""

from __future__ import annotations

import copy
import json
import sys
from typing import Any, TextIO

from ..jobs.paging import LISTS, connection_of, pages


class _Progress:
    """A tqdm bar on stderr when a person watches it; nothing otherwise."""

    def __init__(self, label: str, stream: TextIO) -> None:
        self.label = label
        self.stream = stream
        self.bar: Any = None
        self.shown = stream.isatty()

    def page(self, connection: dict[str, Any]) -> None:
        if not self.shown:
            return
        if self.bar is None:
            from tqdm import tqdm  # type: ignore[import-untyped]

            total = connection.get("totalCount")
            self.bar = tqdm(total=total, unit=" nodes", desc=self.label, file=self.stream)
        self.bar.update(len(connection.get("nodes") or []))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_all(component: Any, key: str, inputs: dict[str, Any], connection: Any, form: str) -> int:
    """Print every node as a JSON line, or (``form == "envelope"``) one envelope of all."""
    action = component.action(key).key
    walk = pages(action, inputs, connection=connection, component=component)
    progress = _Progress(action, sys.stderr)
    first_info: dict[str, Any] = {}
    last: dict[str, Any] | None = None
    nodes: list[Any] = []
    out: TextIO = sys.stdout
    try:
        for data in walk:
            page = connection_of(action, data)
            progress.page(page)
            if form == "envelope":
                if last is None:
                    first_info = dict(page.get("pageInfo") or {})
                nodes.extend(page.get("nodes") or [])
                last = data
            else:
                for node in page.get("nodes") or []:
                    out.write(json.dumps(node, ensure_ascii=False) + "\n")
                out.flush()
    finally:
        progress.close()
    if form == "envelope" and last is not None:
        whole = copy.deepcopy(last)
        holder: Any = whole
        for name in LISTS[action][:-1]:
            holder = holder[name]
        listed = holder[LISTS[action][-1]]
        listed["nodes"] = nodes
        if isinstance(listed.get("pageInfo"), dict):
            listed["pageInfo"] = walk_page_info(first_info, listed["pageInfo"])
        out.write(json.dumps({"data": {"status": 200, "data": whole}}, indent=2) + "\n")
    return 0


def walk_page_info(first: dict[str, Any], last: dict[str, Any]) -> dict[str, Any]:
    """The pageInfo of a whole walk: from the first page's start to the last page's end."""
    whole = dict(last)
    whole["hasNextPage"] = False
    for name in ("hasPreviousPage", "startCursor"):
        if name in first:
            whole[name] = first[name]
    return whole
