"""The connector the emulator lists is the one it is given, as plain data; a malformed one
is refused before anything is made, naming the field."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from prismatic_connector.emulator import Emulator

ACME = {
    "key": "acme-erp",
    "label": "Acme ERP",
    "description": "Orders and invoices from Acme ERP",
    "actions": [
        {
            "key": "listOrders",
            "label": "List Orders",
            "description": "The newest orders first",
            "inputs": [
                {
                    "key": "connection",
                    "label": "Connection",
                    "type": "connection",
                    "required": True,
                },
                {"key": "limit", "label": "Limit", "type": "integer", "default": 10},
                {"key": "open", "label": "Open only", "type": "boolean", "default": True},
            ],
        }
    ],
    "connection": {
        "key": "apiKey",
        "label": "API Key",
        "inputs": [{"key": "apiKey", "label": "API Key", "type": "string", "required": True}],
    },
}
LISTED = """query ($key: String) { components(key: $key) { nodes { label description
  actions { nodes { key label description
                    inputs { nodes { key type required default comments } } } }
  connections { nodes { key label comments inputs { nodes { key type required } } } } } } }"""


def test_an_emulator_lists_the_connector_it_is_given_beside_the_built_ins() -> None:
    with Emulator(seed="demo", connector=ACME) as emu:
        listed = emu.execute(LISTED, {"key": "acme-erp"})["components"]["nodes"]
        shipped = emu.execute(LISTED, {"key": "prismatic"})["components"]["nodes"]
        built_in = emu.execute(LISTED, {"key": "http"})["components"]["nodes"]
    assert shipped == []
    assert len(built_in) == 1
    (acme,) = listed
    assert (acme["label"], acme["description"]) == (ACME["label"], ACME["description"])
    (action,) = acme["actions"]["nodes"]
    assert (action["key"], action["label"]) == ("listOrders", "List Orders")
    assert action["inputs"]["nodes"] == [
        {"key": "connection", "type": "CONNECTION", "required": True, "default": None,
         "comments": ""},
        {"key": "limit", "type": "STRING", "required": False, "default": 10, "comments": ""},
        {"key": "open", "type": "BOOLEAN", "required": False, "default": "true", "comments": ""},
    ]  # fmt: skip
    (connection,) = acme["connections"]["nodes"]
    assert (connection["key"], connection["label"], connection["comments"]) == (
        "apiKey",
        "API Key",
        "",
    )
    assert connection["inputs"]["nodes"] == [{"key": "apiKey", "type": "STRING", "required": True}]


def _broken(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """ACME with the field at ``path`` set to ``value`` (or removed, for ``...``)."""
    broken = copy.deepcopy(ACME)
    holder: Any = broken
    for step in path[:-1]:
        holder = holder[step]
    if value is ...:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return broken


@pytest.mark.parametrize(
    ("connector", "said"),
    [
        (["acme-erp"], "connector: expected a mapping, got list"),
        (_broken(("key",), ...), "connector.key: expected text"),
        (_broken(("actions",), {}), "connector.actions: expected a list of actions"),
        (_broken(("actions", 0, "label"), 3), "connector.actions[0].label: expected text"),
        (
            _broken(("actions", 0, "inputs", 1, "default"), 1.5),
            "connector.actions[0].inputs[1].default: expected text, true/false or a whole number",
        ),
        (
            _broken(("actions", 0, "inputs", 2, "required"), "yes"),
            "connector.actions[0].inputs[2].required: expected true or false, got 'yes'",
        ),
        (_broken(("connection",), ...), "connector.connection: expected a mapping, got NoneType"),
        (_broken(("connection", "inputs"), "apiKey"), "connector.connection.inputs: expected a"),
    ],
)
def test_a_malformed_connector_is_refused_naming_the_field(connector: Any, said: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(said)):
        Emulator(seed="empty", connector=connector)
