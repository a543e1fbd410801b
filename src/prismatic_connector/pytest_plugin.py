"""A pytest plugin: the ``prismatic_emulator`` fixture, for tests of your own.

    def test_my_flow(prismatic_emulator):
        conn = Connection(prismatic_emulator.refresh_token, base_url=prismatic_emulator.url)
        ...

Each test gets a fresh emulator seeded with the demo organization.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .emulator import Emulator


@pytest.fixture
def prismatic_emulator() -> Iterator[Emulator]:
    """A running emulator with the demo data, on a free loopback port."""
    from .emulator import Emulator

    with Emulator(seed="demo") as emulator:
        yield emulator
