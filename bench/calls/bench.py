"""What the call scenarios share: their sizes, the running stack with its seeded data,
virtual callers played in parallel (or on a schedule), and figures per step and process."""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

from sqlalchemy import select

from bench.calls.callers import CallRecord, VirtualCaller, path_template, ringing
from bench.calls.seed import CallSeed
from bench.harness import ACCOUNT_SID, Stack
from bench.load import Client, Prepared, Signer, prepare
from bench.results import Figure, ms, percentile
from intake.db import Database
from ticketing.models import Call

MIB_LIMIT = 200.0


@dataclass(frozen=True)
class Sizes:
    """How much each scenario does (the full run, or --quick for a smoke test)."""

    levels: tuple[tuple[int, int], ...] = ((1, 300), (16, 2000), (64, 2000))
    warmup: int = 100
    whole_calls: int = 200
    whole_threads: int = 16
    page_calls: int = 200
    page_rate: float = 4.0  # calls per second
    burst_calls: int = 1000
    burst_clients: int = 300
    burst_window: float = 60.0
    burst_threads: int = 64
    drain_seconds: float = 90.0

    @classmethod
    def quick(cls) -> Sizes:
        """Small counts: the whole run in well under a minute."""
        return cls(
            levels=((1, 20), (16, 64), (64, 128)),
            warmup=16,
            whole_calls=12,
            whole_threads=4,
            page_calls=8,
            burst_calls=40,
            burst_clients=30,
            burst_window=4.0,
            burst_threads=8,
            drain_seconds=3.0,
        )

    @property
    def clients(self) -> int:
        """Clients to seed: the burst's, then one for each whole call and each page call.

        An emergency joins the escalation its company already has running, so a scenario
        that called from another's companies would page whoever that one paged instead.
        """
        return self.burst_clients + self.whole_calls + self.page_calls


@dataclass
class CallBench:
    """What every call scenario works with: the running stack and its seeded data."""

    stack: Stack
    seed: CallSeed
    signer: Signer
    database: Database
    sizes: Sizes

    def burst_contacts(self) -> tuple[str, ...]:
        """The burst's clients: many calls each, later ones joining the first's escalation."""
        return self.seed.contacts[: self.sizes.burst_clients]

    def whole_contacts(self) -> tuple[str, ...]:
        """Scenario 2's clients: one per call."""
        start = self.sizes.burst_clients
        return self.seed.contacts[start : start + self.sizes.whole_calls]

    def page_contacts(self) -> tuple[str, ...]:
        """Scenario 3's clients: one per call, none with an escalation running, so each
        call starts its own and pages the technician on call at that moment."""
        start = self.sizes.burst_clients + self.sizes.whole_calls
        return self.seed.contacts[start : start + self.sizes.page_calls]

    def voice_requests(self, count: int, path: str = "/twilio/voice") -> list[Prepared]:
        """`count` first webhooks of new calls from known contacts, signed."""
        contacts = self.seed.contacts
        return [
            prepare(
                self.signer,
                path,
                ringing(new_call_sid(), contacts[i % len(contacts)], ACCOUNT_SID),
            )
            for i in range(count)
        ]


def new_call_sid() -> str:
    """A CallSid no call had before."""
    return "CA" + uuid.uuid4().hex


def play_calls(
    bench: CallBench,
    calls: Sequence[tuple[str, str]],
    *,
    threads: int,
    window: float | None = None,
) -> tuple[list[CallRecord], float]:
    """Play `calls` (CallSid, From) from `threads` callers; with `window`, call i starts
    i * window / len(calls) seconds after the first. Returns the records and the time taken."""
    records: list[CallRecord | None] = [None] * len(calls)
    lock = threading.Lock()
    position = 0
    started = time.perf_counter()

    def take() -> int | None:
        nonlocal position
        with lock:
            if position >= len(calls):
                return None
            position += 1
            return position - 1

    def worker() -> None:
        caller = VirtualCaller(Client(bench.stack.base_url), bench.signer, ACCOUNT_SID)
        try:
            while (index := take()) is not None:
                if window is not None:
                    delay = started + index * window / len(calls) - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                records[index] = caller.call(*calls[index])
        finally:
            caller.client.close()

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return [r for r in records if r is not None], time.perf_counter() - started


def step_figures(scenario: str, records: Sequence[CallRecord]) -> list[Figure]:
    """p50/p99 of every step of the calls, by path."""
    by_path: dict[str, list[float]] = defaultdict(list)
    for step in chain.from_iterable(r.steps for r in records):
        by_path[path_template(step.path)].append(step.seconds)
    return [
        Figure(
            scenario,
            f"{path}: p50 / p99",
            f"{ms(percentile(took, 50))} / {ms(percentile(took, 99))} (n={len(took)})",
        )
        for path, took in sorted(by_path.items())
    ]


def spoken_numbers_match(bench: CallBench, records: Sequence[CallRecord]) -> int:
    """How many calls heard the number of the ticket their CallSid opened."""
    tickets = bench_tickets(bench, [r.call_sid for r in records])
    return sum(1 for r in records if r.ticket_number and tickets.get(r.call_sid) == r.ticket_number)


def bench_tickets(bench: CallBench, call_sids: Sequence[str]) -> dict[str, int]:
    """CallSid -> ticket number, from the database."""
    with bench.database.sessionmaker() as session:
        rows = session.execute(
            select(Call.call_sid, Call.ticket_id).where(Call.call_sid.in_(list(call_sids)))
        )
        return dict(rows.all())


def calls_from(contacts: Sequence[str], count: int) -> list[tuple[str, str]]:
    """`count` new (CallSid, From) pairs spread over `contacts`, seven apart, so calls placed
    one after another come from different clients."""
    return [(new_call_sid(), contacts[(i * 7) % len(contacts)]) for i in range(count)]


def memory_figures(scenario: str, peaks: dict[str, float]) -> list[Figure]:
    """Peak RSS of each web worker and the scheduler, against the 200 MiB target."""
    return [
        Figure(
            scenario,
            f"peak RSS, {name}",
            f"{mib:.0f} MiB",
            f"≤ {MIB_LIMIT:.0f} MiB",
            0 < mib <= MIB_LIMIT,
        )
        for name, mib in peaks.items()
    ]
