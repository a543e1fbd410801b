"""Requests the emulator sends out: alert webhooks, as Prismatic calls them.

Each is posted from a thread of its own once the change that caused it has
committed, so a slow or dead endpoint never holds up the run that tripped the
monitor; failures are logged and dropped, as the API does not report them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

log = logging.getLogger("prismatic_connector.emulator")
TIMEOUT_S = 10.0


def post_later(url: str, headers: Mapping[str, str], body: str) -> None:
    threading.Thread(
        target=_post, args=(url, dict(headers), body), name="emulator-alert-webhook", daemon=True
    ).start()


def _post(url: str, headers: dict[str, str], body: str) -> None:
    import requests

    try:
        answer = requests.post(
            url,
            data=body.encode("utf-8"),
            headers={"Content-Type": "application/json", **headers},
            timeout=TIMEOUT_S,
        )
    except requests.RequestException as exc:
        log.warning("alert webhook %s: %s", url, type(exc).__name__)
        return
    if answer.status_code >= 400:
        log.warning("alert webhook %s: HTTP %d", url, answer.status_code)
