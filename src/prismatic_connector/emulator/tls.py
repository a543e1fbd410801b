"""The emulator's TLS listener, where clients such as Prismatic's CLI exchange a refresh token.

prism reads ``GET /auth/meta`` and then posts to ``https://<domain>/oauth/token``,
so that exchange must be HTTPS. The certificate comes from a local certificate
authority made with trustme (the ``emulator-tls`` extra); point Node at it with
``NODE_EXTRA_CA_CERTS``.
"""

from __future__ import annotations

import ssl
from pathlib import Path

INSTALL = "pip install 'prismatic-connector[emulator-tls]'"


def available() -> bool:
    try:
        import trustme  # noqa: F401
    except ImportError:
        return False
    return True


def context(folder: Path, host: str) -> tuple[ssl.SSLContext, Path]:
    """A server context for ``host`` (and localhost), and the CA certificate's file."""
    import trustme

    authority = trustme.CA(organization_name="Prismatic API emulator")
    names = sorted({host, "127.0.0.1", "localhost"})
    authority.issue_cert(*names).configure_cert(
        made := ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    )
    ca_file = folder / "emulator-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    return made, ca_file
