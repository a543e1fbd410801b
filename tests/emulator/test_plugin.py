"""The pytest plugin's fixtures, and reset() for a long-lived emulator."""

from __future__ import annotations

from collections.abc import Callable

from prismatic_connector import Connection, invoke
from prismatic_connector.emulator import Emulator, Faults

CREATE = 'mutation { createCustomer(input: {name: "Temporary"}) { errors { field } } }'


def test_a_connection_to_the_emulator(prismatic_connection: Connection) -> None:
    result = invoke("getCurrentUser", {}, connection=prismatic_connection)
    assert result["data"]["data"]["authenticatedUser"]["email"]


def test_the_factory_takes_the_emulators_options(
    prismatic_emulator_factory: Callable[..., Emulator],
) -> None:
    empty = prismatic_emulator_factory(seed="empty", faults=Faults(rate_503=1.0), token_ttl_s=60)
    other = prismatic_emulator_factory(seed="demo")
    assert empty.url != other.url
    assert empty.faults.rate_503 == 1.0
    assert empty.execute("{ customers { totalCount } }")["customers"]["totalCount"] == 0
    assert other.execute("{ customers { totalCount } }")["customers"]["totalCount"] > 0


def test_reset_returns_to_the_seed_and_keeps_the_url_and_token(
    prismatic_emulator: Emulator, prismatic_connection: Connection
) -> None:
    emu = prismatic_emulator
    before = emu.execute("{ customers { totalCount } }")["customers"]["totalCount"]
    applied = emu.applied()
    invoke("rawRequest", {"query": CREATE}, connection=prismatic_connection)
    assert emu.execute("{ customers { totalCount } }")["customers"]["totalCount"] == before + 1
    emu.reset()
    assert emu.execute("{ customers { totalCount } }")["customers"]["totalCount"] == before
    assert emu.applied() == applied
    # The same URL and refresh token go on working, as does the connection's access token.
    again = invoke("rawRequest", {"query": CREATE}, connection=prismatic_connection)
    assert again["data"]["data"]["createCustomer"]["errors"] == []


def test_the_factory_takes_a_scale(prismatic_emulator_factory: Callable[..., Emulator]) -> None:
    emu = prismatic_emulator_factory(seed="demo", scale={"instances": 150, "customers": 9})
    counts = emu.execute("{ instances(isSystem: false) { totalCount } customers { totalCount } }")
    assert counts["instances"]["totalCount"] == 150
    # Nine of the organization's own, and the one that holds test instances.
    assert counts["customers"]["totalCount"] == 10
