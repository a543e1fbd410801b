"""``convertLowCodeIntegration``: a low-code integration as a code-native project.

The answer is a download URL of a zip holding a spectral project: ``package.json``,
``src/index.ts`` (the integration), ``src/flows.ts`` (one ``flow`` per flow, each
step a call of its component's action) and ``src/configPages.ts``. Steps of private
components need the registry the project will install them from; without
``registryPrefix`` each is listed as a conversion warning, as Prismatic does.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import zipfile
from typing import Any

from ..transaction import Record, Tx
from . import integrations, uploads
from .base import require

_EPOCH = (1980, 1, 1, 0, 0, 0)


def convert(tx: Tx, data: dict[str, Any], base_url: str) -> dict[str, Any]:
    record = require(tx, "Integration", data.get("id"))
    definition = integrations.draft_of(tx, record)["definition"]
    comments = bool(data.get("includeComments"))
    prefix = data.get("registryPrefix")
    errors: list[dict[str, str]] = []
    flows = []
    for n, flow in enumerate(definition.get("flows") or []):
        calls = []
        for m, step in enumerate(flow.get("steps") or []):
            component = (step.get("action") or {}).get("component") or {}
            if not component.get("isPublic", True) and not prefix:
                errors.append(
                    {
                        "path": f"flows[{n}].steps[{m}]",
                        "error": f"component {component.get('key')!r} is private and no "
                        "registry prefix was given",
                        "errorType": "warning",
                    }
                )
            if not step.get("isTrigger"):
                calls.append(_call(step, comments))
        flows.append(_flow(flow, calls, comments))
    files = {
        "package.json": _package(definition, prefix, data.get("registryUrl")),
        "src/index.ts": _index(definition),
        "src/flows.ts": 'import { flow } from "@prismatic-io/spectral";\n\n'
        + "\n\n".join(flows)
        + f"\n\nexport default [{', '.join(_name(f['name']) for f in definition['flows'])}];\n",
        "src/configPages.ts": "export const configPages = "
        + json.dumps(definition.get("configPages") or [], indent=2)
        + ";\n",
    }
    media_id = f"conversion-{secrets.token_hex(12)}.zip"
    uploads.store_media(tx, media_id, "application/zip", _zip(files))
    return {"url": f"{base_url}/media/{media_id}", "conversionErrors": errors}


def _name(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text) or ["flow"]
    camel = words[0].lower() + "".join(w.capitalize() for w in words[1:])
    return camel if not camel[0].isdigit() else f"_{camel}"


def _call(step: Record, comments: bool) -> str:
    action = step.get("action") or {}
    component = (action.get("component") or {}).get("key", "")
    note = f"    // Step {step.get('name')!r}\n" if comments else ""
    return (
        f"{note}    const {_name(step.get('name') or 'step')} = "
        f"await context.components[{json.dumps(component)}][{json.dumps(action.get('key'))}]({{}});"
    )


def _flow(flow: Record, calls: list[str], comments: bool) -> str:
    note = f"// {flow.get('description')}\n" if comments and flow.get("description") else ""
    body = "\n".join(calls) or "    // no steps besides the trigger"
    return (
        f"{note}export const {_name(flow['name'])} = flow({{\n"
        f"  name: {json.dumps(flow['name'])},\n"
        f"  stableKey: {json.dumps(flow.get('stableKey') or _name(flow['name']))},\n"
        f"  description: {json.dumps(flow.get('description') or '')},\n"
        "  onExecution: async (context, params) => {\n"
        f"{body}\n"
        "    return { data: null };\n"
        "  },\n"
        "});"
    )


def _index(definition: Record) -> str:
    return (
        'import { integration } from "@prismatic-io/spectral";\n'
        'import flows from "./flows";\n'
        'import { configPages } from "./configPages";\n\n'
        "export default integration({\n"
        f"  name: {json.dumps(definition['name'])},\n"
        f"  description: {json.dumps(definition.get('description') or '')},\n"
        "  flows,\n"
        "  configPages,\n"
        "});\n"
    )


def _package(definition: Record, prefix: Any, registry: Any) -> str:
    package: dict[str, Any] = {
        "name": re.sub(r"[^a-z0-9]+", "-", definition["name"].lower()).strip("-") or "integration",
        "version": "1.0.0",
        "private": True,
        "scripts": {"build": "webpack", "format": "prettier --write ."},
        "dependencies": {"@prismatic-io/spectral": "*"},
    }
    if prefix and registry:
        package["publishConfig"] = {"registry": registry}
        package["prismaticRegistry"] = {"prefix": prefix, "url": registry}
    return json.dumps(package, indent=2) + "\n"


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            entry = zipfile.ZipInfo(name, _EPOCH)
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, files[name])
    return buffer.getvalue()
