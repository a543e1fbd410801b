"""Presigned upload URLs, as the registry hands them out for a component's package and icons.

Each URL names one upload, is signed (HMAC with the emulator's key) and expires;
it can be used once. A package is accepted only as a zip, and its SHA-1 becomes
the component version's ``signature``; only then is the version listed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
import zipfile
from typing import Any, Literal
from urllib.parse import urlencode

from ..transaction import Record, Tx
from . import components

TTL_S = 15 * 60
KINDS = {"package": "application/zip", "icon": "image/png"}
Reason = Literal["invalid", "expired", "used", "wrong_type", "gone", "damaged"]


class UploadRefused(Exception):  # noqa: N818 - named for what the uploader is told
    """An upload the URL does not take: ``reason`` says why, ``message`` tells the uploader."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason: Reason = reason
        self.message = message


_SAID: dict[Reason, str] = {
    "invalid": "The upload URL is not valid.",
    "expired": "The upload URL has expired.",
    "used": "The upload URL has already been used.",
}


def _refused(reason: Reason) -> UploadRefused:
    return UploadRefused(reason, _SAID[reason])


def _sign(tx: Tx, token: str, expires: int) -> str:
    key = bytes.fromhex(tx.meta("signing_key") or "")
    return hmac.new(key, f"upload:{token}:{expires}".encode(), hashlib.sha256).hexdigest()


def new(tx: Tx, *, kind: str, component: str, now: float, connection: str | None = None) -> str:
    """A signed, expiring, single-use URL path (with its query) for one upload."""
    token = secrets.token_urlsafe(18)
    expires = int(now + TTL_S)
    tx.insert(
        "Upload",
        {
            "id": token,
            "kind": kind,
            "component": component,
            "connection": connection,
            "expires": expires,
            "used": False,
        },
    )
    query = urlencode({"expires": expires, "signature": _sign(tx, token, expires)})
    return f"/uploads/{token}?{query}"


def media_urls(tx: Tx, object_id: str, media_type: str, *, now: float) -> tuple[str, str]:
    """``uploadMedia``: where to PUT an image for a record, and where it will be served.

    A query may not write, so the URL carries what it is for, signed; it is marked
    used when the upload arrives.
    """
    token = f"m-{secrets.token_urlsafe(18)}"
    expires = int(now + TTL_S)
    signed = f"{token}:{object_id}:{media_type}"
    query = urlencode(
        {
            "object": object_id,
            "kind": media_type,
            "expires": expires,
            "signature": _sign(tx, signed, expires),
        }
    )
    return f"/uploads/{token}?{query}", f"/media/{token}"


def _accept_media(
    tx: Tx, token: str, query: dict[str, str], body: bytes, content_type: str, *, now: float
) -> None:
    expires = int(query.get("expires") or 0)
    signed = f"{token}:{query.get('object')}:{query.get('kind')}"
    if not hmac.compare_digest(_sign(tx, signed, expires), query.get("signature") or ""):
        raise _refused("invalid")
    if now > expires:
        raise _refused("expired")
    if tx.get("Media", token) is not None:
        raise _refused("used")
    kind = content_type.split(";")[0].strip().lower()
    if not kind.startswith("image/"):
        raise UploadRefused("wrong_type", "Expected an image.")
    tx.insert("Media", {"id": token, "contentType": kind, "data": base64.b64encode(body).decode()})


def accept(
    tx: Tx, token: str, query: dict[str, str], body: bytes, content_type: str, *, now: float
) -> None:
    """Take one upload, or raise ``UploadRefused`` saying why not."""
    if token.startswith("m-"):
        _accept_media(tx, token, query, body, content_type, now=now)
        return
    found = tx.get("Upload", token)
    expected = _sign(tx, token, int(query.get("expires") or 0)) if found else ""
    given = query.get("signature") or ""
    if found is None or not hmac.compare_digest(expected, given):
        raise _refused("invalid")
    if found["expires"] != int(query.get("expires") or 0) or now > found["expires"]:
        raise _refused("expired")
    if found["used"]:
        raise _refused("used")
    wanted = KINDS[found["kind"]]
    if content_type.split(";")[0].strip().lower() != wanted:
        raise UploadRefused("wrong_type", f"Expected Content-Type {wanted}.")
    record = tx.get("Component", found["component"])
    if record is None:
        raise UploadRefused("gone", "The component of this upload is gone.")
    if found["kind"] == "package":
        problem = _package_problem(body)
        if problem:
            raise UploadRefused("damaged", problem)
        components.list_version(
            tx, record, signature=hashlib.sha1(body, usedforsecurity=False).hexdigest()
        )
    elif found["connection"]:
        _set_icon(tx, record, body, connection=found["connection"])
    else:
        _set_icon(tx, record, body)
    found["used"] = True
    tx.put("Upload", found)


def _package_problem(body: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            broken = archive.testzip()
    except (zipfile.BadZipFile, ValueError):
        return "The package is not a zip file."
    return f"The package's {broken} is damaged." if broken else ""


def store_media(tx: Tx, media_id: str, content_type: str, body: bytes) -> Record:
    return tx.insert(
        "Media",
        {"id": media_id, "contentType": content_type, "data": base64.b64encode(body).decode()},
    )


def _set_icon(tx: Tx, record: Record, body: bytes, *, connection: str | None = None) -> None:
    media = store_media(tx, f"icon-{secrets.token_hex(12)}", "image/png", body)
    if connection is None:
        record["iconMedia"] = media["id"]
    else:
        for item in record["connections"]:
            if item["key"] == connection:
                item["iconMedia"] = media["id"]
    tx.put("Component", record)


def media(tx: Tx, media_id: str) -> tuple[str, bytes] | None:
    found = tx.get("Media", media_id)
    if found is None:
        return None
    return str(found["contentType"]), base64.b64decode(found["data"])


def urls(tx: Tx, record: Record, data: dict[str, Any], *, now: float) -> dict[str, Any]:
    """The upload URLs a publish answers with: package, icon, connection icons."""
    definition = data["definition"]
    display = definition.get("display") or {}
    return {
        "packageUploadUrl": new(tx, kind="package", component=record["id"], now=now),
        "iconUploadUrl": new(tx, kind="icon", component=record["id"], now=now)
        if display.get("iconPath")
        else None,
        "sourceUploadUrl": None,
        "connectionIconUploadUrls": [
            {
                "connectionKey": c["key"],
                "iconUploadUrl": new(
                    tx, kind="icon", component=record["id"], now=now, connection=c["key"]
                ),
            }
            for c in data.get("connections") or []
            if c and c.get("iconPath")
        ],
        "connectionAvatarIconUploadUrls": [],
    }
