"""On-prem resources: registered by an on-prem agent with a JWT the API hands out.

``createOnPremiseResourceJWT`` without a resource registers a new one (pending
until an agent connects, which never happens here); with one, it answers a JWT for
it. ``rotateOnPremiseResourceJWT`` answers a new JWT and makes older ones stale.
The JWTs are HS256, signed with a key the emulator keeps, and name the resource,
its customer (or the organization) and the rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from .. import ids
from ..transaction import Record, Tx
from .base import NOT_FOUND, Invalid, require, stamp
from .org import current

FIRST_PORT = 40000


def resource(name: str, customer: str | None, port: int) -> Record:
    return stamp(
        {
            "id": ids.new_id("OnPremiseResource"),
            "name": name,
            "port": port,
            "status": "PENDING",
            "customer": customer,
            "rotation": 0,
            "allowUpdate": True,
            "allowRemove": True,
        },
        created=True,
    )


def issue_jwt(tx: Tx, data: dict[str, Any], *, rotate: bool) -> dict[str, str]:
    customer = data.get("customerId")
    if customer is not None:
        require(tx, "Customer", customer)
    if data.get("orgOnly") and customer is not None:
        raise Invalid.on("orgOnly", "An organization-only resource has no customer.")
    resource_id = data.get("resourceId")
    if resource_id is None:
        if rotate:
            raise Invalid.on("resourceId", "Name the resource whose JWT to rotate.")
        port = FIRST_PORT + tx.count("OnPremiseResource")
        found = tx.insert("OnPremiseResource", resource(f"On-prem resource {port}", customer, port))
    else:
        found = require(tx, "OnPremiseResource", resource_id)
        if rotate:
            found["rotation"] = int(found.get("rotation") or 0) + 1
            tx.put("OnPremiseResource", stamp(found))
    claims = {
        "sub": found["id"],
        "customer": found.get("customer"),
        "org": current(tx)["id"],
        "rotation": found.get("rotation", 0),
        "iat": int(ids.seconds()),
    }
    return {"jwt": _sign(tx, claims)}


def delete(tx: Tx, resource_id: Any) -> Record:
    found = tx.get("OnPremiseResource", resource_id) if isinstance(resource_id, str) else None
    if found is None:
        # A payload error, not the top-level "Record not found": prism reports top-level
        # errors only when an answer has no data, so on-prem-resources:delete would pass.
        raise Invalid.on("id", NOT_FOUND)
    tx.delete("OnPremiseResource", found["id"])
    return found


def _sign(tx: Tx, claims: dict[str, Any]) -> str:
    key = tx.meta("onprem_jwt_key")
    if key is None:
        key = secrets.token_hex(32)
        tx.set_meta("onprem_jwt_key", key)
    header = _b64({"alg": "HS256", "typ": "JWT"})
    payload = _b64(claims)
    signature = hmac.new(key.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def _b64(value: dict[str, Any]) -> str:
    raw = json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
