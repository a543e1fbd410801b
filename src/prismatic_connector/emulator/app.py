"""The emulator itself: its store, tokens, engine, faults and HTTP server, started and stopped.

Its methods answer plain values (records, bytes, None) or raise a model error;
the HTTP front (``http``) turns them into answers and decides every status.
"""

from __future__ import annotations

import secrets
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from graphql import GraphQLError

from . import connector as connectors
from .clock import Clock, ManualClock, WallClock
from .controls import Controls
from .engine import Engine, Outcome, build, registry
from .faults import Faults
from .journal import Journal
from .layout import LAYOUT
from .rules import Rules
from .settler import Settler
from .store import Store
from .tokens import DEFAULT_TTL_S, ForeignTenant, Tokens

if TYPE_CHECKING:
    from .http.server import Listener

Seed = Literal["demo", "empty"]
_schema_lock = threading.Lock()
_engine: Engine | None = None


def shared_engine() -> Engine:
    """The schema with resolvers bound, built once per process."""
    global _engine
    with _schema_lock:
        if _engine is None:
            from . import resolvers  # noqa: F401 - registers the resolvers

            _engine = Engine(build(registry))
        return _engine


class Emulator(Controls):
    def __init__(
        self,
        *,
        seed: Seed = "demo",
        db: str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        token_ttl_s: float = DEFAULT_TTL_S,
        faults: Faults | None = None,
        clock: Clock | None = None,
        handler_timeout_s: float = 10.0,
        execution_s: float = 0.0,
        scale: Mapping[str, int] | None = None,
        tls: bool = False,
        connector: Mapping[str, Any] | None = None,
        snapshot_dir: str | Path | None = None,
        from_snapshot: str | Path | None = None,
    ) -> None:
        """``clock``: where every time the emulator reads comes from (``clock.py``):
        ``ManualClock()`` moves only when told (``clock_advance``), so tests need not sleep.
        ``handler_timeout_s``: how long a connection may sit idle, or a body take to arrive.
        ``execution_s``: how long each flow run stays PENDING before it reads as ended,
        for clients that wait on executions (0: runs end at once).
        ``tls``: also listen with HTTPS for ``/oauth/token``, as Prismatic's CLI exchanges a
        refresh token there (needs the ``emulator-tls`` extra); see ``ca_file``.
        ``scale``: how many customers, integrations, instances and executions to have
        at least, such as ``{"instances": 10000}``, made in bulk (see ``scale.py``).
        ``connector``: the component listed beside the built-in ones, as plain data (its
        shape is in ``connector.py``); by default the one this package ships. A new store
        is seeded with it; one given as ``db`` keeps the components it has.
        ``snapshot_dir``, ``from_snapshot``: where snapshots are kept, and one to start from
        (see ``Controls.snapshot_save``).
        """
        from .extra import require
        from .scale import check

        require()

        if seed not in ("demo", "empty"):
            raise ValueError(f"seed must be 'demo' or 'empty', not {seed!r}")
        self.scale = check(scale or {})
        self.connector = connectors.shipped() if connector is None else connectors.check(connector)
        self.seed = seed
        self.host = host
        self.port = port
        self._clock: Clock = clock or WallClock()
        self.handler_timeout_s = handler_timeout_s
        self.faults = faults or Faults()
        if clock is not None:
            self.faults.clock = clock
        # Whoever holds this may mint tokens through GET /emulator/tokens.
        self.admin_key = secrets.token_urlsafe(24)
        self.fault_rules = Rules(self.faults, self._clock)
        self.faults.listing = self.fault_rules.listed
        self.journal_log = Journal(self._clock, lambda: (self.admin_key, self.refresh_token))
        self.url = ""
        self._listener: Listener | None = None
        self._settler: Settler | None = None
        self.tls = tls
        self.tls_url = ""
        self.ca_file: Path | None = None
        self._tls_listener: Listener | None = None
        self._tls_dir: tempfile.TemporaryDirectory[str] | None = None
        self._open(db, token_ttl_s, execution_s, snapshot_dir, from_snapshot)

    def _open(self, db: Any, token_ttl_s: float, execution_s: float, *snapshot: Any) -> None:
        """The store (in a temporary folder of its own without ``db``), filled: from the
        snapshot ``snapshot[1]`` names if any (``snapshot[0]``: the snapshots' folder)."""
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if db is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="prismatic-emulator-")
            db = Path(self._tmp.name) / "emulator.sqlite3"
        self.db_path = Path(db)
        self.snapshot_dir = Path(snapshot[0] or self.db_path.parent / "snapshots")
        store = None
        try:
            store = self.store = Store(self.db_path, LAYOUT)
            store.clock = self._clock.now
            self._start_from(snapshot[1])
            self._fill(token_ttl_s, execution_s)
        except BaseException:
            # Stopped while seeding (by Ctrl-C, say) or failed: the temporary state goes now,
            # not whenever the interpreter gets to it (a second signal may end it first).
            if store is not None:
                store.close()
            if self._tmp is not None:
                self._tmp.cleanup()
            raise

    def _fill(self, token_ttl_s: float, execution_s: float) -> None:
        """The signing key, the seed, the owner's refresh token, and what ``reset`` returns to."""
        self.tokens = Tokens(self.store, ttl_s=token_ttl_s, clock=self._clock)
        with self.store.write() as tx:
            tx.set_meta("execution_s", repr(float(execution_s)))
        self.engine = shared_engine()
        self.user_id = self._ensure_seeded()
        with self.store.read() as tx:
            live = tx.live_refresh_token(self.user_id)
        self.refresh_token = live or self.tokens.new_refresh_token(self.user_id)
        self._seeded = self.store.snapshot()

    def __repr__(self) -> str:
        return f"Emulator(url={self.url!r}, db={str(self.db_path)!r}, seed={self.seed!r})"

    # -------------------------------------------------------------- lifecycle

    def start(self) -> Emulator:
        from .http.server import Listener

        self._listener = Listener(self, self.faults, (self.host, self.port))
        self.url = self._listener.url
        if not isinstance(self._clock, ManualClock):
            self._settler = Settler(self.settle).start()
        self._remember_url()
        if self.tls:
            self._start_tls()
        return self

    def _remember_url(self) -> None:
        # What the API's answers link to (alert webhooks' $URL) outside a request.
        with self.store.write() as tx:
            tx.set_meta("public_url", self.url)

    def _start_tls(self) -> None:
        from . import tls
        from .http.server import Listener

        self._tls_dir = tempfile.TemporaryDirectory(prefix="prismatic-emulator-tls-")
        made, self.ca_file = tls.context(Path(self._tls_dir.name), self.host)
        self._tls_listener = Listener(self, self.faults, (self.host, 0), tls=made)
        self.tls_url = self._tls_listener.url

    def auth_meta(self) -> dict[str, str] | None:
        """What ``GET /auth/meta`` answers: where to exchange a refresh token; None without TLS."""
        if not self.tls_url:
            return None
        return {
            "domain": self.tls_url.removeprefix("https://"),
            "clientId": "prismatic-emulator",
            "audience": "https://prismatic.io/api",
        }

    @property
    def tenant_id(self) -> str:
        """The organization's tenant ID: the one tenant a token exchange may name."""
        from .model import org

        with self.store.read() as tx:
            return str(org.current(tx)["tenantId"])

    def wait(self) -> None:
        """Block until the server stops (or the process is interrupted)."""
        if self._listener is not None:
            self._listener.wait()

    def stop(self) -> None:
        if isinstance(self._clock, ManualClock):
            self._clock.release()
        if self._settler is not None:
            self._settler.stop()
            self._settler = None
        if self._tls_listener is not None:
            self._tls_listener.stop()
            self._tls_listener = None
        if self._tls_dir is not None:
            self._tls_dir.cleanup()
            self._tls_dir = None
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        self.store.close()
        self._seeded.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -------------------------------------------------------------- tokens and state

    def access_token(self) -> str:
        """A fresh access token for the organization's owner."""
        answer = self.tokens.exchange(self.refresh_token)
        assert answer is not None
        return str(answer["access_token"])

    def token(self, kind: str) -> str:
        return self.refresh_token if kind == "refresh" else self.access_token()

    def exchange(self, refresh_token: str, tenant_id: str | None = None) -> dict[str, Any] | None:
        """The token answer for a live refresh token; None if it is unknown or revoked.
        A tenant other than the organization's raises ``ForeignTenant``, whatever the token."""
        if tenant_id is not None and tenant_id != self.tenant_id:
            raise ForeignTenant(tenant_id)
        return self.tokens.exchange(refresh_token, tenant_id)

    def revoke(self, refresh_token: str) -> bool:
        """Revoke every refresh token of the token's user; False if the token is unknown."""
        return self.tokens.revoke(refresh_token)

    def user_of(self, access_token: str) -> str | None:
        """The ID of the user an access token speaks for; None if forged, expired or revoked."""
        principal = self.tokens.verify(access_token)
        return None if principal is None else principal.user_id

    def reset(self) -> None:
        """Return to the state the emulator started with: records, tokens and counters.

        A long-lived emulator (one per test session, say) is reset between tests
        instead of being made anew; its URL and refresh token stay the same. The
        journal is emptied and the fault rules are the start-up ``faults`` again.
        """
        self.journal_log.clear()
        self.fault_rules.startup()
        self.store.restore(self._seeded)
        if self.url:
            self._remember_url()

    def answer(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        operation_name: str | None = None,
        *,
        user_id: str | None = None,
    ) -> Outcome:
        """Run one GraphQL request as ``user_id`` (default: the owner): what ``/api`` answers."""
        self.settle()
        outcome = self.engine.answer(
            self.store,
            query,
            variables,
            operation_name,
            user_id=user_id or self.user_id,
            base_url=self.url,
            now=self._clock.now,
        )
        if outcome.polled:
            from .model import scripts

            with self.store.write() as tx:
                scripts.polled(tx, outcome.polled)
        return outcome

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run an operation as the owner, in process; raises on any GraphQL error."""
        outcome = self.answer(query, variables)
        if outcome.errors:
            raise outcome.errors[0]
        assert outcome.data is not None
        return outcome.data

    def invoke_webhook(
        self,
        config_id: str,
        body: bytes,
        content_type: str | None,
        *,
        synchronous: bool = False,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        path_fragment: str = "",
        url: str = "",
    ) -> tuple[str, Any] | None:
        """Run the flow behind a webhook URL, as an external caller would:
        (execution ID, answer), or None when no live instance has that URL.
        ``headers``, ``query``, ``path_fragment`` and ``url`` say how it was called."""
        from .model import executions, triggers

        named = triggers.headers_of(headers or {})
        request = triggers.Request(
            body=body.decode("utf-8", "replace"),
            content_type=content_type,
            headers=named,
            query=dict(query or {}),
            path_fragment=path_fragment,
            url=url,
            debug=named.get("prismatic-debug", "").lower() == "true",
        )
        with self.store.write() as tx:
            return executions.invoke_webhook(tx, config_id, request, synchronous=synchronous)

    def request_payload(self, run_id: str) -> tuple[str, bytes] | None:
        """What a run was invoked with, as ``requestPayloadUrl`` serves it: (content type,
        body), a JSON document of the body (base64), its content type and headers."""
        from .model import triggers

        with self.store.read() as tx:
            run = tx.get("InstanceExecutionResult", run_id)
        if run is None or run.get("requestPayload") is None:
            return None
        return "application/json", triggers.request_document(run)

    def upload(self, token: str, query: dict[str, str], body: bytes, content_type: str) -> None:
        """Take what was sent to a presigned upload URL; ``uploads.UploadRefused`` says why not."""
        from .model import uploads

        with self.store.write() as tx:
            uploads.accept(tx, token, query, body, content_type, now=self._clock.now())

    def media(self, media_id: str) -> tuple[str, bytes] | None:
        from .model import uploads

        with self.store.read() as tx:
            return uploads.media(tx, media_id)

    def step_result(self, step_id: str) -> bytes | None:
        """A step's result as ``resultsUrl`` serves it: msgpack of ``{data}``."""
        import msgpack  # type: ignore[import-untyped]  # loaded only here

        from .model import triggers

        with self.store.read() as tx:
            step = tx.get("InstanceStepResult", step_id)
        if step is None:
            return None
        packed: bytes = msgpack.packb(triggers.served_result(step))
        return packed

    def _ensure_seeded(self) -> str:
        from . import scale, seed

        with self.store.write() as tx:
            owner = tx.meta("owner")
            if owner is None:
                owner = seed.base(tx, self.connector)
                tx.set_meta("owner", owner)
                demo = self.seed == "demo"
            else:
                demo = False
        self.user_id = owner
        if demo:
            seed.demo(self._seed_execute)
            with self.store.write() as tx:
                seed.demo_connections(tx, self.connector["key"])
        if self.scale:
            with self.store.write() as tx:
                scale.grow(tx, self.scale, owner=owner)
        self.store.analyze()
        return owner

    def _seed_execute(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        data = self.execute(query, variables)
        for value in data.values():
            if isinstance(value, dict) and value.get("errors"):
                raise GraphQLError(f"seeding failed: {value['errors']}")
        return data
