"""``publish --dry-run``: the JSON on stdout as ever, and on stderr the package's SHA-1 and
what the registry would do with it, asked read-only."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile

import pytest

from prismatic_connector import Component, Connection, packaging, publishing
from prismatic_connector.emulator import Emulator

from .loopback import REFRESH_TOKEN, RecordingServer, Reply

NOT_ASKED = (
    "registry not asked: no refresh token; set PRISM_REFRESH_TOKEN to ask it (read-only)"
    " whether publish would skip this package"
)


def _dry_run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "prismatic_connector", "publish", "--dry-run", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


@pytest.fixture(scope="module")
def expected_json(component: Component) -> str:
    """The dry run's stdout, byte for byte as it was before it asked the registry."""
    variables = publishing.publish_variables(
        component, attributes=publishing.git_attributes(component.bundle.root)
    )
    return json.dumps(variables, indent=2, ensure_ascii=False) + "\n"


@pytest.fixture(scope="module")
def sha1(component: Component) -> str:
    return packaging.sha1(packaging.build(component.bundle))


def _on(emu: Emulator) -> dict[str, str]:
    return {"PRISMATIC_URL": emu.url, "PRISM_REFRESH_TOKEN": emu.refresh_token}


def _another_package() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("component.yaml", "key: prismatic\n")
    return out.getvalue()


# ---------------------------------------------------------------- against the emulator


def test_a_fresh_registry_would_get_a_new_version(
    prismatic_emulator: Emulator, expected_json: str, sha1: str
) -> None:
    emu = prismatic_emulator
    before = emu.applied()
    done = _dry_run(**_on(emu))
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected_json
    assert done.stderr.splitlines() == [
        f"SHA-1 {sha1}",
        f"registry {emu.url}: has no version of prismatic; publish would send a new version",
    ]
    assert emu.applied() == before
    assert emu.refresh_token not in done.stdout + done.stderr


def test_after_a_publish_it_would_skip_and_after_another_package_publish_again(
    prismatic_emulator: Emulator,
    prismatic_connection: Connection,
    component: Component,
    expected_json: str,
    sha1: str,
) -> None:
    emu = prismatic_emulator
    published = _cli_publish(emu)
    assert published.stdout.endswith(f"(v2)! SHA-1 {sha1}\n"), published.stderr
    done = _dry_run(**_on(emu))
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected_json
    assert done.stderr.splitlines() == [
        f"SHA-1 {sha1}",
        f"registry {emu.url}: already has this exact package as version 2;"
        " publish --skip-on-signature-match would skip it",
    ]
    assert emu.applied()["publishComponent"] == 1
    # Another package becomes the latest version: this one would be sent again.
    variables = publishing.publish_variables(component)
    other = publishing.publish(component, prismatic_connection, variables, _another_package())
    assert other.version == 3
    again = _dry_run(**_on(emu))
    assert again.returncode == 0, again.stderr
    assert again.stderr.splitlines()[1] == (
        f"registry {emu.url}: its latest version of prismatic is 3, another package;"
        " publish would send a new version"
    )
    assert emu.applied()["publishComponent"] == 2


def _cli_publish(emu: Emulator) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "prismatic_connector", "publish"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **_on(emu)},
    )


def test_a_refused_token_fails_after_the_json(
    prismatic_emulator: Emulator, expected_json: str, sha1: str
) -> None:
    emu = prismatic_emulator
    before = emu.applied()
    done = _dry_run(PRISMATIC_URL=emu.url, PRISM_REFRESH_TOKEN="rt-not-this-one")
    assert done.returncode == 1
    assert done.stdout == expected_json
    first, error = done.stderr.splitlines()
    assert first == f"SHA-1 {sha1}"
    assert error.startswith(
        "prismatic-connector: error: CredentialError: the refresh token was refused (HTTP 401)"
    )
    assert "rt-not-this-one" not in done.stderr
    assert emu.applied() == before


# ---------------------------------------------------------------- what is sent


def test_without_a_token_nothing_is_sent_and_it_says_how_to_ask(
    server: RecordingServer, expected_json: str, sha1: str
) -> None:
    done = _dry_run("--url", server.url)
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected_json
    assert done.stderr.splitlines() == [f"SHA-1 {sha1}", NOT_ASKED]
    assert (server.auth_calls, server.api_calls) == ([], [])


def test_the_one_request_is_the_signature_query(
    server: RecordingServer, expected_json: str, sha1: str
) -> None:
    # An older version holds this package; the latest does not, so publish would send it.
    server.reply_data(
        {
            "components": {
                "nodes": [
                    {"signature": sha1, "versionNumber": 3},
                    {"signature": "0" * 40, "versionNumber": 4},
                ]
            }
        }
    )
    done = _dry_run(
        "--url", server.url, "--tenant-id", "tenant-7", PRISM_REFRESH_TOKEN=REFRESH_TOKEN
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected_json
    assert done.stderr.splitlines()[1] == (
        f"registry {server.url}: its latest version of prismatic is 4, another package;"
        " publish would send a new version"
    )
    (exchange,) = server.auth_calls
    assert exchange.body == {"refresh_token": REFRESH_TOKEN, "tenant_id": "tenant-7"}
    (call,) = server.api_calls
    assert call.path == "/api"
    assert call.body == {
        "query": publishing.SIGNATURE,
        "variables": {"key": "prismatic", "public": False},
    }


def test_a_graphql_error_fails_after_the_json(
    server: RecordingServer, expected_json: str, sha1: str
) -> None:
    server.responder = lambda call: Reply(body={"errors": [{"message": "Not allowed here."}]})
    done = _dry_run(PRISMATIC_URL=server.url, PRISM_REFRESH_TOKEN=REFRESH_TOKEN)
    assert done.returncode == 1
    assert done.stdout == expected_json
    assert done.stderr.splitlines() == [
        f"SHA-1 {sha1}",
        "prismatic-connector: error: GraphQLError: action 'publish': Not allowed here.",
    ]
    assert len(server.api_calls) == 1


def test_a_bad_url_is_bad_input_and_nothing_is_sent(expected_json: str) -> None:
    done = _dry_run("--url", "ftp://example.invalid", PRISM_REFRESH_TOKEN=REFRESH_TOKEN)
    assert done.returncode == 2
    assert done.stdout == expected_json
    assert done.stderr.splitlines()[-1].startswith("prismatic-connector: error: ")
    assert "--url: expected an http(s) URL" in done.stderr


def test_the_help_says_what_the_dry_run_shows() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "prismatic_connector", "publish", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    text = " ".join(done.stdout.split())
    assert "show the package's SHA-1" in text
    assert "ask the registry (read-only) whether it would skip it" in text
