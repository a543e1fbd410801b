"""The route table: (method, path pattern) -> handler, and the emulator-only routes
(the control surface's are in ``control.py``).

A pattern's ``{name}`` takes one path segment, ``{name*}`` the rest of the path;
paths are matched without their query or a trailing slash, first route first.
A GET or POST no route takes is a 404 naming it; any other method is a 405.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..model.uploads import UploadRefused
from . import api, control, tokens
from .control import ADMIN_HEADER
from .messages import Answer, Front, Request, error, json_answer

Handler = Callable[[Front, Request], Answer]
# The methods of the API; PUT is served only at presigned upload URLs.
ALLOWED = ("GET", "POST")
TLS_OFF = "the emulator's TLS listener is off (emulator serve starts it with trustme)"
NOT_FOUND = {"message": "Record not found"}
NO_WEBHOOK = {"message": "No deployed, enabled instance flow has this webhook URL."}
# Why an upload was refused -> its status, as a presigned storage URL answers.
UPLOAD_STATUS = {
    "invalid": 403,
    "expired": 403,
    "used": 409,
    "wrong_type": 415,
    "gone": 404,
    "damaged": 400,
}


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    handler: Handler
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", _compile(self.pattern))

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """What the pattern takes from ``path``; None unless this route serves the request."""
        found = self.regex.fullmatch(path) if method == self.method else None
        return found.groupdict() if found else None


def _compile(pattern: str) -> re.Pattern[str]:
    out = []
    for part in re.split(r"(\{\w+\*?\})", pattern):
        if part.startswith("{"):
            name = part.strip("{*}")
            out.append(f"(?P<{name}>.+)" if part.endswith("*}") else f"(?P<{name}>[^/]+)")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out))


def find(method: str, path: str) -> tuple[Route, Mapping[str, str]] | None:
    for route in ROUTES:
        params = route.match(method, path)
        if params is not None:
            return route, params
    return None


def reads_body(method: str, routed: bool) -> bool:
    """Whether the body is read before answering. A POST's always is, so that a kept-alive
    connection stays in step after a 404; an unrouted PUT's is not, as its 405 closes it."""
    return method == "POST" or (routed and method in ("PUT", "DELETE"))


def unrouted(method: str, path: str) -> Answer:
    """The answer to a request no route takes."""
    if method in ALLOWED:
        return json_answer(404, {"message": f"no route for {method} {path}"})
    return json_answer(
        405,
        {"errors": [{"message": f"Method {method} not allowed"}]},
        {"Allow": ", ".join(ALLOWED)},
        close=True,
    )


# -------------------------------------------------------------- the emulator-only routes


def health(front: Front, request: Request) -> Answer:
    return json_answer(200, {"status": "ok", "emulator": True})


def auth_meta(front: Front, request: Request) -> Answer:
    """Where to exchange a refresh token, as Prismatic's CLI asks before it logs in."""
    meta = front.emulator.auth_meta()
    return json_answer(404, {"message": TLS_OFF}) if meta is None else json_answer(200, meta)


def admin_token(front: Front, request: Request) -> Answer:
    """A token for whoever holds the admin key (``?type=refresh`` for the refresh token)."""
    given = request.header(ADMIN_HEADER)
    if not hmac.compare_digest(given.encode(), front.emulator.admin_key.encode()):
        return error(403, f"{ADMIN_HEADER} is missing or wrong")
    kind = request.query().get("type", "access")
    return json_answer(200, {"token": front.emulator.token(kind)})


def request_payload(front: Front, request: Request) -> Answer:
    return _served(front.emulator.request_payload(request.params["run_id"]))


def step_result(front: Front, request: Request) -> Answer:
    result = front.emulator.step_result(request.params["step_id"])
    return _served(None if result is None else ("application/octet-stream", result))


def media(front: Front, request: Request) -> Answer:
    return _served(front.emulator.media(request.params["media_id"]))


def _served(found: tuple[str, bytes] | None) -> Answer:
    """``(content type, bytes)`` as a 200, or the API's 404."""
    return json_answer(404, NOT_FOUND) if found is None else Answer(200, found[1], found[0])


def trigger(front: Front, request: Request) -> Answer:
    """A webhook URL: the flow config's ID, then any path fragment the flow is given."""
    emulator = front.emulator
    ran = emulator.invoke_webhook(
        request.params["config_id"],
        request.body,
        request.headers.get("Content-Type"),
        synchronous=request.header("prismatic-synchronous").lower() == "true",
        headers=dict(request.headers.items()),
        query=request.query(keep_blank=True),
        path_fragment=request.params.get("fragment", ""),
        url=f"{emulator.url}{request.target}",
    )
    if ran is None:
        return json_answer(404, NO_WEBHOOK)
    return json_answer(200, ran[1], {"prismatic-executionid": ran[0]})


def upload(front: Front, request: Request) -> Answer:
    """A presigned upload: the raw bytes of a component's package or icon, or an image."""
    try:
        front.emulator.upload(
            request.params["token"], request.query(), request.body, request.header("Content-Type")
        )
    except UploadRefused as refused:
        return json_answer(UPLOAD_STATUS[refused.reason], {"message": refused.message})
    return json_answer(200, {"message": "Uploaded."})


ROUTES = (
    Route("GET", "/", health),
    Route("GET", "/health", health),
    Route("GET", "/auth/meta", auth_meta),
    Route("GET", "/emulator/tokens", admin_token),
    Route("GET", "/media/payloads/{run_id}", request_payload),
    Route("GET", "/media/step-results/{step_id}", step_result),
    Route("GET", "/media/{media_id*}", media),
    Route("POST", "/api", api.graphql),
    Route("POST", "/auth/refresh", tokens.refresh),
    Route("POST", "/auth/revoke", tokens.revoke),
    Route("POST", "/oauth/token", tokens.oauth_token),
    Route("POST", "/trigger/{config_id}", trigger),
    Route("POST", "/trigger/{config_id}/{fragment*}", trigger),
    Route("PUT", "/uploads/{token*}", upload),
    *(Route(method, pattern, handler) for method, pattern, handler in control.ROUTES),
)
