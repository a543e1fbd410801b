"""The organization's embedded signing keys: generated here, or imported as public keys.

A generated key's private half is answered once and never kept, as Prismatic does;
only a preview of it stays. RSA keys come from the ``cryptography`` package, which
the ``emulator-tls`` extra installs; an imported key is checked to be a PEM public key.
"""

from __future__ import annotations

from typing import Any

from .. import ids
from ..transaction import Record, Tx
from .base import Invalid, require, stamp

EXTRA_NEEDED = (
    "Generating a signing key needs the emulator-tls extra: "
    "pip install 'prismatic-connector[emulator-tls]'"
)


def signing_key(public_key: str, *, preview: str | None, imported: bool) -> Record:
    record = {
        "id": ids.new_id("OrganizationSigningKey"),
        "publicKey": public_key,
        "privateKeyPreview": preview,
        "imported": imported,
        "allowUpdate": False,
        "allowRemove": True,
    }
    stamp(record, created=True)
    record["issuedAt"] = record["createdAt"]
    return record


def generate(tx: Tx) -> dict[str, Any]:
    """A new key pair: the public key is kept, the private key is answered once."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError:
        raise Invalid.on("__all__", EXTRA_NEEDED) from None
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    body = "".join(private.strip().splitlines()[1:-1])
    record = tx.insert(
        "OrganizationSigningKey", signing_key(public, preview=body[-8:], imported=False)
    )
    return {"privateKey": private, "organizationSigningKey": record}


def import_public_key(tx: Tx, public_key: Any) -> Record:
    text = public_key.strip() if isinstance(public_key, str) else ""
    if not (text.startswith("-----BEGIN PUBLIC KEY-----") and text.endswith("-----")):
        raise Invalid.on("publicKey", "Enter an RSA public key in PEM format.")
    try:
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        pass  # the PEM armour was checked; without the extra, the body is taken as given
    else:
        try:
            serialization.load_pem_public_key(text.encode())
        except ValueError:
            raise Invalid.on("publicKey", "Enter an RSA public key in PEM format.") from None
    return tx.insert(
        "OrganizationSigningKey", signing_key(text + "\n", preview=None, imported=True)
    )


def delete(tx: Tx, key_id: Any) -> Record:
    found = require(tx, "OrganizationSigningKey", key_id)
    tx.delete("OrganizationSigningKey", found["id"])
    return found
