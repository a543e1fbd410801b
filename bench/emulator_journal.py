"""What the request journal and unmatched fault rules cost on getInstance throughput.

One in-process emulator, one kept-alive session posting ``getInstance``'s document.
Three set-ups are measured in interleaved rounds (so drift hits them alike) and each
is reported as a ratio of time per request against the baseline of the same run:
the journal off and no rules (baseline), the journal on (as served), and the journal
on with ten rules that match nothing (other operations, variables and routes). As a
whole request is noisy on a busy machine, the same two costs are also timed on their
own and reported as the share of the baseline request they would add.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

import requests
from common import Row, options, report

from prismatic_connector.emulator import Emulator

GET = "query getInstance($id: ID!) { instance(id: $id) { id name enabled customer { id } } }"
PICK = "{ instances(first: 1) { nodes { id } } }"


def poster(emu: Emulator, variables: dict[str, object]) -> Callable[[], None]:
    session = requests.Session()
    body = json.dumps({"query": GET, "variables": variables}).encode()
    headers = {"Authorization": f"Bearer {emu.access_token()}", "Content-Type": "application/json"}

    def post() -> None:
        session.post(f"{emu.url}/api", data=body, headers=headers, timeout=30).raise_for_status()

    return post


def timed(post: Callable[[], None], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        post()
    return (time.perf_counter() - started) / calls


def unmatched_rules(emu: Emulator) -> None:
    for operation in ("deployInstance", "createCustomer", "updateInstance", "deleteInstance"):
        emu.fault_add(operation=operation, status=503)
    emu.fault_add(kind="mutation", status=502)
    emu.fault_add(operation="instance", variables={"id": ["SW5zdGFuY2U6bm9uZQ=="]}, status=503)
    emu.fault_add(path="/auth/refresh", status=503)
    emu.fault_add(operation="instance", variables={"id": "other"}, drop="before")
    emu.fault_add(operation="customers", latency_ms=5)
    emu.fault_add(operation="instances", graphql_error="no")


def main() -> None:
    args = options(__doc__)
    rounds, calls = (1, 5) if args.quick else (15, 200)
    with Emulator(seed="demo") as emu:
        instance = emu.execute(PICK)["instances"]["nodes"][0]["id"]
        post = poster(emu, {"id": instance})
        emu.faults_clear()
        record = emu.journal_log.record
        off: Callable[..., None] = lambda *_, **__: None  # noqa: E731 - the journal turned off
        setups: dict[str, Callable[[], None]] = {
            "baseline": lambda: setattr(emu.journal_log, "record", off),
            "journal": lambda: setattr(emu.journal_log, "record", record),
            "rules": unmatched_rules_on(emu, record),
        }
        samples: dict[str, list[float]] = {name: [] for name in setups}
        for _ in range(calls):
            post()  # warm up: the document caches, the connection
        names = list(setups)
        for turn in range(rounds):
            # Each set-up takes each place in the round in turn, so no order favours one.
            for name in names[turn % 3 :] + names[: turn % 3]:
                setups[name]()
                samples[name].append(timed(post, calls))
                emu.faults_clear()
                emu.journal_clear()
    base = statistics.median(samples["baseline"])
    journal = statistics.median(samples["journal"])
    rules = statistics.median(samples["rules"])
    rows = [
        Row("getInstance, no journal, no rules", base * 1000, "ms", 1.0),
        Row("getInstance, journaled", journal * 1000, "ms", journal / base, "<= 1.05x"),
        Row(
            "getInstance, journaled, 10 rules unmatched",
            rules * 1000,
            "ms",
            rules / journal,
            "~1.00x of journaled",
        ),
    ]
    rows.extend(direct(emu_request=base, quick=args.quick))
    report("6. emulator journal and fault rules", rows, args)


def direct(emu_request: float, quick: bool) -> list[Row]:
    """The same costs measured on their own (steadier than a whole request on a busy
    machine): one journal entry, and ten unmatched rules tried, against a request."""
    from prismatic_connector.emulator.documents import shape
    from prismatic_connector.emulator.rules import Seen

    n = 200 if quick else 20_000
    with Emulator(seed="empty") as emu:
        emu.faults_clear()
        document = shape(GET)

        def strike() -> None:
            emu.fault_rules.strike(Seen("/api", document, None, {"id": "SW5zdGFuY2U6MQ=="}))

        def record() -> None:
            emu.journal_log.record(
                "/api", (0.0, 0.0), shape=document, variables={"id": "SW5zdGFuY2U6MQ=="}, status=200
            )

        none = timeit(strike, n)
        unmatched_rules(emu)
        ten = timeit(strike, n) - none
        entry = timeit(record, n)
    return [
        Row(
            "one journal entry, on its own", entry * 1e6, "us", 1 + entry / emu_request, "<= 1.05x"
        ),
        Row(
            "10 unmatched rules tried, on their own",
            ten * 1e6,
            "us",
            1 + ten / emu_request,
            "~1.00x",
        ),
    ]


def timeit(fn: Callable[[], None], n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) / n


def unmatched_rules_on(emu: Emulator, record: Callable[..., None]) -> Callable[[], None]:
    def setup() -> None:
        emu.journal_log.record = record  # type: ignore[method-assign]
        unmatched_rules(emu)

    return setup


if __name__ == "__main__":
    main()
