"""Refresh tokens and signed access tokens (HS256 JWTs with ``sub`` and ``exp``).

Access tokens are real JWTs, so clients that read ``exp`` to decide when to
refresh (as Prismatic's CLI does) work unchanged. Each names the refresh token
it came from, so revoking the refresh tokens of a user revokes their access
tokens too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from .clock import WallClock
from .store import Store

DEFAULT_TTL_S = 7 * 24 * 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def digest(refresh_token: str) -> str:
    return hashlib.sha256(refresh_token.encode()).hexdigest()[:32]


class ForeignTenant(Exception):  # noqa: N818 - named for what the exchange is refused for
    """A token exchange named a tenant other than the organization's."""


@dataclass(frozen=True)
class Principal:
    user_id: str
    token_id: str


class Tokens:
    def __init__(self, store: Store, *, ttl_s: float = DEFAULT_TTL_S, clock: Any = None) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self.clock = clock or WallClock()
        with store.write() as tx:
            key = tx.meta("signing_key")
            if key is None:
                key = secrets.token_hex(32)
                tx.set_meta("signing_key", key)
        self._key = bytes.fromhex(key)

    def new_refresh_token(self, user_id: str) -> str:
        token = secrets.token_urlsafe(32)
        with self.store.write() as tx:
            tx.add_refresh_token(token, digest(token), user_id)
        return token

    def exchange(self, refresh_token: str, tenant_id: str | None = None) -> dict[str, Any] | None:
        """The token answer for a live refresh token, or None."""
        with self.store.read() as tx:
            user_id = tx.refresh_token_user(refresh_token)
        if user_id is None:
            return None
        ttl = int(self.ttl_s) if self.ttl_s >= 1 else self.ttl_s
        return {
            "access_token": self.sign(user_id, refresh_token, tenant_id),
            "token_type": "Bearer",
            "expires_in": ttl,
        }

    def sign(self, user_id: str, refresh_token: str, tenant_id: str | None = None) -> str:
        now = self.clock.now()
        claims = {
            "sub": user_id,
            "iat": int(now),
            "exp": now + self.ttl_s,
            "rti": digest(refresh_token),
            "jti": secrets.token_hex(8),
        }
        if tenant_id:
            claims["tenant_id"] = tenant_id
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = _b64(
            hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        )
        return f"{header}.{payload}.{signature}"

    def verify(self, token: str) -> Principal | None:
        """Who the access token speaks for; None if forged, expired or revoked."""
        try:
            header, payload, signature = token.split(".")
            expected = hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(expected, _unb64(signature)):
                return None
            claims = json.loads(_unb64(payload))
        except (ValueError, TypeError):
            return None
        if not isinstance(claims, dict) or float(claims.get("exp", 0)) <= self.clock.now():
            return None
        user_id, rti = str(claims.get("sub")), str(claims.get("rti"))
        with self.store.read() as tx:
            if not tx.refresh_token_live(rti, user_id):
                return None
        return Principal(user_id, rti)

    def revoke(self, refresh_token: str) -> bool:
        """Revoke every refresh token of the token's user, as the real API does."""
        with self.store.write() as tx:
            user_id = tx.refresh_token_user(refresh_token)
            if user_id is None:
                return False
            tx.revoke_user_tokens(user_id)
        return True
