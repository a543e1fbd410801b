"""Token exchange, signed JWTs, expiry and revocation, as the connector and raw HTTP see them."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests

from prismatic_connector import Component, Connection, CredentialError
from prismatic_connector.emulator import Emulator

ME = {"query": "{ authenticatedUser { email } }", "variables": {}}


def _claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_refresh_answers_a_signed_jwt_with_sub_and_exp(prismatic_emulator: Emulator) -> None:
    answer = requests.post(
        f"{prismatic_emulator.url}/auth/refresh",
        json={"refresh_token": prismatic_emulator.refresh_token},
        timeout=10,
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 7 * 24 * 3600
    claims = _claims(body["access_token"])
    assert claims["sub"] == prismatic_emulator.user_id
    assert abs(float(claims["exp"]) - time.time() - 7 * 24 * 3600) < 60  # type: ignore[arg-type]


def test_unknown_refresh_token_is_401(prismatic_emulator: Emulator) -> None:
    answer = requests.post(
        f"{prismatic_emulator.url}/auth/refresh", json={"refresh_token": "nope"}, timeout=10
    )
    assert answer.status_code == 401


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer a.b.c"])
def test_api_refuses_missing_or_forged_tokens(
    prismatic_emulator: Emulator, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    answer = requests.post(f"{prismatic_emulator.url}/api", json=ME, headers=headers, timeout=10)
    assert answer.status_code == 401


def test_tampered_token_is_refused(prismatic_emulator: Emulator) -> None:
    header, payload, signature = prismatic_emulator.access_token().split(".")
    claims = _claims(f"{header}.{payload}.{signature}")
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    answer = requests.post(
        f"{prismatic_emulator.url}/api",
        json=ME,
        timeout=10,
        headers={"Authorization": f"Bearer {header}.{forged}.{signature}"},
    )
    assert answer.status_code == 401


def test_expired_token_is_401_and_the_connector_refreshes(component: Component) -> None:
    with Emulator(seed="empty", token_ttl_s=1.5) as emu:
        token = emu.access_token()
        ok = requests.post(
            f"{emu.url}/api", json=ME, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert ok.status_code == 200
        conn = Connection(emu.refresh_token, base_url=emu.url)
        component.invoke("getCurrentUser", {}, connection=conn)
        time.sleep(1.6)
        late = requests.post(
            f"{emu.url}/api", json=ME, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert late.status_code == 401
        assert component.invoke("getCurrentUser", {}, connection=conn)["data"]["status"] == 200


def test_revoking_refresh_token_revokes_its_access_tokens(
    component: Component, prismatic_emulator: Emulator
) -> None:
    emu = prismatic_emulator
    conn = Connection(emu.refresh_token, base_url=emu.url)
    component.invoke("getCurrentUser", {}, connection=conn)
    token = emu.access_token()
    revoked = requests.post(
        f"{emu.url}/auth/revoke", json={"refresh_token": emu.refresh_token}, timeout=10
    )
    assert revoked.status_code == 200
    answer = requests.post(
        f"{emu.url}/api", json=ME, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert answer.status_code == 401
    with pytest.raises(CredentialError, match="refused"):
        component.invoke("getCurrentUser", {}, connection=conn)


FOREIGN = "00000000-0000-0000-0000-00000000dead"
REFUSED = {
    "error": "access_denied",
    "error_description": "You do not have access to the specified tenant.",
}


def test_the_emulators_tenant_is_the_one_the_api_names(prismatic_emulator: Emulator) -> None:
    found = prismatic_emulator.execute("{ authenticatedUser { tenantId } }")
    assert found["authenticatedUser"]["tenantId"] == prismatic_emulator.tenant_id
    tenants = prismatic_emulator.execute("{ listUserTenants { nodes { tenantId } } }")
    assert tenants["listUserTenants"]["nodes"] == [{"tenantId": prismatic_emulator.tenant_id}]


def _exchange(emu: Emulator, path: str, tenant: str) -> requests.Response:
    if path == "/auth/refresh":
        body = {"refresh_token": emu.refresh_token, "tenant_id": tenant}
        return requests.post(f"{emu.url}{path}", json=body, timeout=10)
    form = {"grant_type": "refresh_token", "refresh_token": emu.refresh_token, "tenant_id": tenant}
    return requests.post(f"{emu.url}{path}", data=form, timeout=10)


@pytest.mark.parametrize("path", ["/auth/refresh", "/oauth/token"])
def test_a_foreign_tenant_is_refused_by_both_token_routes_alike(
    prismatic_emulator: Emulator, path: str
) -> None:
    refused = _exchange(prismatic_emulator, path, FOREIGN)
    assert (refused.status_code, refused.json()) == (403, REFUSED)
    own = _exchange(prismatic_emulator, path, prismatic_emulator.tenant_id)
    assert own.status_code == 200
    assert _claims(own.json()["access_token"])["tenant_id"] == prismatic_emulator.tenant_id


def test_a_foreign_tenant_is_refused_before_the_refresh_token_is_looked_at(
    prismatic_emulator: Emulator,
) -> None:
    # As /oauth/token does: the tenant is the first thing wrong, whatever the token.
    body = {"refresh_token": "nope", "tenant_id": FOREIGN}
    refused = requests.post(f"{prismatic_emulator.url}/auth/refresh", json=body, timeout=10)
    assert (refused.status_code, refused.json()) == (403, REFUSED)
