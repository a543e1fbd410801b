"""Prismatic's own CLI publishes a spectral component to the emulator, and lists it.

The component is plain JavaScript built in the test against the pinned
@prismatic-io/spectral (tests/compat); nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import requests

from prismatic_connector.emulator import Emulator
from prismatic_connector.emulator.seed import ACME_INVENTORY

from ..conftest import ROOT
from .prism import MODULES, env, run

pytestmark = pytest.mark.prism

COMPONENT = """\
const { component, action, input } = require("@prismatic-io/spectral");

const name = input({ label: "Name", type: "string", required: true, comments: "Who to greet" });

exports.default = component({
  key: "hello-rockets",
  public: false,
  display: { label: "Hello Rockets", description: "Greets a rocket", iconPath: "icon.png" },
  actions: {
    greet: action({
      display: { label: "Greet", description: "Say hello" },
      inputs: { name },
      perform: async (context, { name }) => ({ data: `Hello, ${name}` }),
      examplePayload: { data: "Hello, Falcon" },
    }),
  },
});
"""
LISTED = """{ components(key: "hello-rockets") { nodes {
  versionNumber signature versionComment
  actions { nodes { key label examplePayload inputs { nodes { key type required } } } } } } }"""


def test_prism_publishes_a_spectral_component(prismatic_emulator: Emulator, tmp_path: Path) -> None:
    assert (MODULES / "@prismatic-io/spectral").is_dir(), "run `npm ci --prefix tests/compat`"
    folder = tmp_path / "hello-rockets"
    folder.mkdir()
    (folder / "index.js").write_text(COMPONENT, encoding="utf-8")
    shutil.copy(ROOT / "assets/icon.png", folder / "icon.png")
    environment = env(prismatic_emulator, tmp_path, NODE_PATH=str(MODULES))

    def prism(*args: str) -> str:
        done = run(environment, *args, cwd=folder)
        assert done.returncode == 0, f"prism {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    published = prism("components:publish", "--no-confirm", "--comment", "First flight")
    assert "Successfully submitted Hello Rockets (v1)!" in published
    (listed,) = prismatic_emulator.execute(LISTED)["components"]["nodes"]
    assert listed["versionNumber"] == 1
    assert listed["versionComment"] == "First flight"
    (greet,) = listed["actions"]["nodes"]
    assert (greet["key"], greet["label"]) == ("greet", "Greet")
    assert greet["examplePayload"] == '{"data":"Hello, Falcon"}'
    assert {"key": "name", "type": "STRING", "required": True} in greet["inputs"]["nodes"]
    # The signature is the SHA-1 of the zip prism uploaded: prism itself sees it as unchanged.
    signature = prism("components:signature").strip()
    assert signature == listed["signature"]
    assert len(signature) == len(hashlib.sha1(b"", usedforsecurity=False).hexdigest())
    skipped = prism("components:publish", "--no-confirm", "--skip-on-signature-match")
    assert "Package signatures match, skipping publish." in skipped
    assert "hello-rockets      Hello Rockets      1" in prism(
        "components:list", "--columns", "key,label,versionNumber"
    )
    assert "Greet Say hello" in prism("components:actions:list", "hello-rockets")
    again = prism("components:publish", "--no-confirm", "--no-check-signature")
    assert "Successfully submitted Hello Rockets (v2)!" in again


def test_prism_imports_an_integration_with_its_icon(
    prismatic_emulator: Emulator, tmp_path: Path
) -> None:
    definition = tmp_path / "orbit.yml"
    definition.write_text(ACME_INVENTORY, encoding="utf-8")
    icon = tmp_path / "orbit.png"
    shutil.copy(ROOT / "assets/icon.png", icon)
    environment = env(prismatic_emulator, tmp_path, PRISM_QUIET="1")
    icons = ("--path", str(definition), "--icon-path", str(icon))
    done = run(environment, "integrations:import", *icons, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    integration = done.stdout.strip().splitlines()[-1]
    found = prismatic_emulator.execute(
        "query ($id: ID!) { integration(id: $id) { avatarUrl } }", {"id": integration}
    )["integration"]
    assert found["avatarUrl"].startswith(f"{prismatic_emulator.url}/media/")
    served = requests.get(found["avatarUrl"], timeout=10)
    assert served.headers["Content-Type"] == "image/png"
    assert served.content == icon.read_bytes()
    # The presigned URL was single-use.
    url = prismatic_emulator.execute(
        'query ($id: ID!) { uploadMedia(objectId: $id, fileName: "a.png", mediaType: AVATAR)'
        " { uploadUrl error } }",
        {"id": integration},
    )["uploadMedia"]["uploadUrl"]
    png = {"Content-Type": "image/png"}
    assert requests.put(url, data=b"png", headers=png, timeout=10).status_code == 200
    assert requests.put(url, data=b"png", headers=png, timeout=10).status_code == 409
    assert requests.put(url + "0", data=b"png", headers=png, timeout=10).status_code == 403
