"""A pytest plugin for tests of your own integrations against the emulator.

    def test_my_flow(prismatic_connection):
        invoke("listInstances", {}, connection=prismatic_connection)

    def test_under_faults(prismatic_emulator_factory):
        emu = prismatic_emulator_factory(seed="empty", faults=Faults(rate_503=0.2))

``prismatic_emulator`` is a fresh emulator seeded with the demo organization;
``prismatic_connection`` a Connection to it; ``prismatic_emulator_factory`` makes
emulators with your options (seed, faults, token lifetime, ...), all stopped after
the test. A long-lived emulator returns to its seed with ``emu.reset()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .connection import Connection
    from .emulator import Emulator


@pytest.fixture
def prismatic_emulator() -> Iterator[Emulator]:
    """A running emulator with the demo data, on a free loopback port."""
    from .emulator import Emulator

    with Emulator(seed="demo") as emulator:
        yield emulator


@pytest.fixture
def prismatic_connection(prismatic_emulator: Emulator) -> Iterator[Connection]:
    """A Connection to ``prismatic_emulator``, as its owner."""
    from .connection import Connection

    with Connection(prismatic_emulator.refresh_token, base_url=prismatic_emulator.url) as conn:
        yield conn


@pytest.fixture
def prismatic_emulator_factory() -> Iterator[Callable[..., Emulator]]:
    """Call it with ``Emulator``'s options; each emulator it makes is running, and stopped after."""
    from .emulator import Emulator

    made: list[Emulator] = []

    def make(**options: Any) -> Emulator:
        emulator = Emulator(**options).start()
        made.append(emulator)
        return emulator

    yield make
    for emulator in made:
        emulator.stop()
