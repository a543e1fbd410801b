"""Packaging the component and publishing it: to the emulator, and to registries that fail."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from prismatic_connector import Component, Connection, invoke, packaging, publishing
from prismatic_connector.authoring.publishing import PublishError
from prismatic_connector.emulator import Emulator

from .clock import FakeClock
from .conftest import ROOT

LISTED = """{ components(key: "prismatic") {
  nodes { versionNumber signature public iconUrl versionComment actions { totalCount }
          connections { nodes { key inputs { nodes { key type required } } } } } } }"""


def _cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "prismatic_connector", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=cwd,
    )


# ---------------------------------------------------------------- package


def test_the_package_is_reproducible_and_holds_the_component(component: Component) -> None:
    first, second = packaging.build(component.bundle), packaging.build(component.bundle)
    assert first == second
    archive = zipfile.ZipFile(io.BytesIO(first))
    names = archive.namelist()
    assert names == sorted(names)
    assert {"component.yaml", "assets/icon.png", "connections/refresh_token.py"} <= set(names)
    assert "actions/raw_request.py" in names
    assert {f"queries/{p.name}" for p in (ROOT / "queries").glob("*.graphql")} <= set(names)
    assert "runtime/prismatic_connector/component/runner.py" in names
    assert not [n for n in names if "/emulator/" in n or "__pycache__" in n or "/airflow/" in n]
    for info in archive.infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert (info.external_attr >> 16) & 0o777 == 0o644


def test_package_command_writes_dist_and_prints_path_and_sha1(tmp_path: Path) -> None:
    done = _cli("package", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    path, sha1_line = done.stdout.splitlines()
    target = tmp_path / "dist" / "prismatic-0.1.0.zip"
    assert Path(path) == target
    sha1 = sha1_line.removeprefix("SHA-1 ")
    assert len(sha1) == 40
    assert set(sha1) <= set("0123456789abcdef")
    assert packaging.sha1(target.read_bytes()) == sha1
    again = _cli("package", "--output", str(tmp_path / "other.zip"), cwd=tmp_path)
    assert again.stdout.splitlines()[1] == sha1_line
    assert (tmp_path / "other.zip").read_bytes() == target.read_bytes()


# ---------------------------------------------------------------- publish to the emulator


def test_publish_variables_follow_the_schema(component: Component) -> None:
    variables = publishing.publish_variables(
        component, comment="c", customer=None, attributes={"commitHash": "abc"}
    )
    assert variables["definition"]["key"] == "prismatic"
    assert variables["definition"]["display"]["iconPath"] == "assets/icon.png"
    assert [a["key"] for a in variables["actions"]] == [a.key for a in component.actions]
    first = variables["actions"][0]
    assert isinstance(first["examplePayload"], str)
    assert json.loads(first["examplePayload"]) is not None
    (conn,) = variables["connections"]
    assert {i["key"]: i["type"] for i in conn["inputs"]}["apiKey"] == "password"
    assert json.loads(variables["attributes"]) == {"commitHash": "abc"}


def test_publish_lists_the_component_and_a_republish_makes_the_next_version(
    prismatic_emulator: Emulator, prismatic_connection: Connection, component: Component
) -> None:
    emu = prismatic_emulator
    variables = publishing.publish_variables(component, comment="First of ours")
    package = packaging.build(component.bundle)
    made = publishing.publish(component, prismatic_connection, variables, package)
    assert (made.version, made.sha1, made.skipped) == (2, packaging.sha1(package), False)
    (listed,) = emu.execute(LISTED)["components"]["nodes"]
    assert listed["versionNumber"] == 2
    assert listed["signature"] == made.sha1
    assert listed["versionComment"] == "First of ours"
    assert listed["actions"]["totalCount"] == len(component.actions)
    assert listed["iconUrl"].startswith(emu.url)
    assert (
        requests.get(listed["iconUrl"], timeout=10).content
        == (ROOT / "assets/icon.png").read_bytes()
    )
    inputs = listed["connections"]["nodes"][0]["inputs"]["nodes"]
    assert {"key": "apiKey", "type": "PASSWORD", "required": True} in inputs
    # The listComponents action sees it too.
    envelope = invoke("listComponents", {}, connection=prismatic_connection)
    nodes = envelope["data"]["data"]["components"]["nodes"]
    assert [n for n in nodes if n.get("key") == "prismatic"]
    # Unchanged: detectable by signature, and skipped when asked.
    assert publishing.latest_signature(component, prismatic_connection) == (made.sha1, 2)
    skipped = publishing.publish(
        component, prismatic_connection, variables, package, skip_on_signature_match=True
    )
    assert skipped.skipped
    assert skipped.version is None
    assert publishing.publish(component, prismatic_connection, variables, package).version == 3
    assert emu.applied()["publishComponent"] == 2


def test_publish_command_against_the_emulator(prismatic_emulator: Emulator) -> None:
    env = {
        **os.environ,
        "PRISMATIC_URL": prismatic_emulator.url,
        "PRISM_REFRESH_TOKEN": prismatic_emulator.refresh_token,
    }
    done = _cli("publish", "--comment", "From the CLI", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Successfully submitted Prismatic (v2)! SHA-1 ")
    again = _cli("publish", "--skip-on-signature-match", env=env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Skipped: the registry already has this package")
    # Without a refresh token the registry is not asked: even a bad URL is never used.
    offline = {**env, "PRISMATIC_URL": "http://", "PRISM_REFRESH_TOKEN": ""}
    dry = _cli("publish", "--dry-run", "--comment", "x", env=offline)
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["comment"] == "x"


# ---------------------------------------------------------------- the emulator's upload URLs


def _publish_only(emu: Emulator, component: Component) -> dict[str, Any]:
    query = publishing.PUBLISH
    return emu.execute(query, publishing.publish_variables(component))["publishComponent"][
        "publishResult"
    ]


def test_upload_urls_are_signed_single_use_and_typed(
    prismatic_emulator: Emulator, component: Component
) -> None:
    emu = prismatic_emulator
    result = _publish_only(emu, component)
    url = result["packageUploadUrl"]
    package = packaging.build(component.bundle)
    zipped = {"Content-Type": "application/zip"}
    # Not listed until its package arrives.
    assert [n["versionNumber"] for n in emu.execute(LISTED)["components"]["nodes"]] == [1]
    tampered = url.replace("signature=", "signature=0")
    assert requests.put(tampered, data=package, headers=zipped, timeout=10).status_code == 403
    typed = requests.put(url, data=package, headers={"Content-Type": "text/plain"}, timeout=10)
    assert typed.status_code == 415
    assert requests.put(url, data=b"not a zip", headers=zipped, timeout=10).status_code == 400
    assert requests.put(url, data=package, headers=zipped, timeout=10).status_code == 200
    assert requests.put(url, data=package, headers=zipped, timeout=10).status_code == 409
    assert [n["versionNumber"] for n in emu.execute(LISTED)["components"]["nodes"]] == [2]


def test_upload_urls_expire(component: Component) -> None:
    clock = FakeClock(start=1_800_000_000.0)
    with Emulator(seed="empty", clock=clock) as emu:
        url = _publish_only(emu, component)["packageUploadUrl"]
        clock.advance(16 * 60)
        answer = requests.put(
            url,
            data=packaging.build(component.bundle),
            headers={"Content-Type": "application/zip"},
            timeout=10,
        )
        assert answer.status_code == 403
        assert "expired" in answer.json()["message"]


# ---------------------------------------------------------------- registries that fail


class _Registry:
    """Answers the token exchange, the signature query and publishComponent; records PUTs."""

    def __init__(self, publish_answer: dict[str, Any], put_status: int = 200) -> None:
        self.publish_answer = publish_answer
        self.put_status = put_status
        self.puts: list[tuple[str, str, int]] = []
        self.posts: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        registry = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # as in tests/loopback.py

            def log_message(self, *_: object) -> None:
                pass

            def _send(self, status: int, body: Any) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                registry.posts.append(body)
                if self.path == "/auth/refresh":
                    self._send(200, {"access_token": "at-x", "expires_in": 3600})
                elif "publishComponent" in body["query"]:
                    answer = json.loads(
                        json.dumps(registry.publish_answer).replace("BASE", registry.url)
                    )
                    self._send(200, {"data": {"publishComponent": answer}})
                else:
                    self._send(200, {"data": {"components": {"nodes": []}}})

            def do_PUT(self) -> None:
                size = int(self.headers["Content-Length"])
                self.rfile.read(size)
                registry.puts.append((self.path, self.headers["Content-Type"], size))
                self._send(registry.put_status, {})

        return Handler

    def __enter__(self) -> _Registry:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def package(component: Component) -> bytes:
    return packaging.build(component.bundle)


def test_payload_errors_upload_nothing(component: Component, package: bytes) -> None:
    refused = {
        "publishResult": None,
        "errors": [{"field": "definition", "messages": ["Key is taken."]}],
    }
    with _Registry(refused) as registry, Connection("rt", base_url=registry.url) as conn:
        with pytest.raises(
            PublishError,
            match=r"refused the component, nothing was uploaded: definition: Key is taken\.",
        ):
            publishing.publish(component, conn, publishing.publish_variables(component), package)
        assert registry.puts == []


def test_a_failed_upload_names_the_file_and_the_url_without_its_signature(
    component: Component, package: bytes
) -> None:
    answer = {
        "publishResult": {
            "component": {"id": "c", "versionNumber": 4},
            "packageUploadUrl": "BASE/bucket/package.zip?X-Signature=s3cr3t",
            "iconUploadUrl": "BASE/bucket/icon.png?X-Signature=s3cr3t",
            "connectionIconUploadUrls": [],
        },
        "errors": [],
    }
    variables = publishing.publish_variables(component)
    with (
        _Registry(answer, put_status=500) as registry,
        Connection("rt", base_url=registry.url) as c,
    ):
        with pytest.raises(PublishError) as caught:
            publishing.publish(component, c, variables, package)
        message = str(caught.value)
        assert f"uploading the package to {registry.url}/bucket/package.zip failed" in message
        assert "HTTP 500" in message
        assert "s3cr3t" not in message
        assert registry.puts == [
            ("/bucket/package.zip?X-Signature=s3cr3t", "application/zip", len(package))
        ]


def test_uploads_go_as_raw_bytes_with_their_content_types(
    component: Component, package: bytes
) -> None:
    answer = {
        "publishResult": {
            "component": {"id": "c", "versionNumber": 7},
            "packageUploadUrl": "BASE/p?sig=1",
            "iconUploadUrl": "BASE/i?sig=2",
            "connectionIconUploadUrls": [{"connectionKey": "apiKey", "iconUploadUrl": "BASE/c"}],
        },
        "errors": [],
    }
    icon = (ROOT / "assets/icon.png").read_bytes()
    variables = publishing.publish_variables(component, comment="Seven")
    with _Registry(answer) as registry, Connection("rt", base_url=registry.url) as conn:
        made = publishing.publish(component, conn, variables, package)
        assert made.version == 7
        signature, published = registry.posts[1:]
        assert signature["variables"] == {"key": "prismatic", "public": False}
        assert published["query"] == publishing.PUBLISH
        assert published["variables"] == json.loads(json.dumps(variables))
        assert registry.puts == [
            ("/p?sig=1", "application/zip", len(package)),
            ("/i?sig=2", "image/png", len(icon)),
            ("/c", "image/png", len(icon)),
        ]


def test_a_person_can_decline_republishing_the_same_package(
    prismatic_connection: Connection, component: Component, package: bytes
) -> None:
    variables = publishing.publish_variables(component)
    publishing.publish(component, prismatic_connection, variables, package)
    asked: list[str] = []

    def decline(question: str) -> bool:
        asked.append(question)
        return False

    again = publishing.publish(component, prismatic_connection, variables, package, confirm=decline)
    assert again.skipped
    assert asked == ["The registry already has this exact package. Publish it again?"]
