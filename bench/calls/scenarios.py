"""Call scenarios 1-4: the incoming-call webhook against its limit, whole calls,
call-to-page time, and a burst of emergencies.

Each scenario is bounded (a fixed number of requests or calls, and a time limit) and
returns figures for the table; none of them raises on a missed target.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bench.calls.bench import (
    CallBench,
    calls_from,
    memory_figures,
    new_call_sid,
    play_calls,
    spoken_numbers_match,
    step_figures,
)
from bench.calls.burst_checks import count_burst, paged_numbers_in, pages_owed
from bench.calls.burst_figures import burst_figures, growth_figure
from bench.calls.callers import CallRecord, VirtualCaller
from bench.calls.seed import put_on_call
from bench.harness import ACCOUNT_SID, database_bytes
from bench.limit_app import FLOOR_PATH, running_limit_app
from bench.load import Answer, Client, LoadResult, ok_twiml, run_load
from bench.results import Figure, ms, percentile
from ivr.flow import Paths
from ticketing.models import Call, OutboxChannel, OutboxMessage

VOICE = "1. /twilio/voice"
WHOLE = "2. whole calls"
PAGE = "3. call-to-page"
BURST = "4. burst"


# Scenario 1 -------------------------------------------------------------------------------


def answered_as_new_call(answer: Answer) -> bool:
    """TwiML that goes on with the call, not the apology a failure answers with (which
    takes a message for the spool): a failing service must not pass for a fast one."""
    return ok_twiml(answer) and Paths.FALLBACK_MESSAGE.encode() not in answer.body


def voice_throughput(bench: CallBench) -> list[Figure]:
    """/twilio/voice at each concurrency, beside the limit app measured just before it, and
    at the judged concurrency (PostgreSQL) beside the floor measured just before it too."""
    base = bench.stack.base_url
    size = len(Client(base).send(bench.voice_requests(1)[0]).body)
    figures = []
    warm = bench.sizes.warmup
    postgres = not bench.stack.database_url.startswith("sqlite")
    with running_limit_app(bench.stack, size) as limit_url:
        for url in (limit_url, base):  # warm both: imports, connection pools, caches
            run_load(url, bench.voice_requests(warm), 8)
        if postgres:
            run_load(limit_url, bench.voice_requests(warm, FLOOR_PATH), 8)
        for concurrency, count in bench.sizes.levels:
            limit = run_load(limit_url, bench.voice_requests(count), concurrency, duration=60)
            floor = None
            if postgres and concurrency == JUDGED:
                requests = bench.voice_requests(count, FLOOR_PATH)
                floor = run_load(limit_url, requests, concurrency, duration=60)
            voice = bench.voice_requests(count)
            service = run_load(base, voice, concurrency, duration=60, check=answered_as_new_call)
            figures += _voice_figures(concurrency, service, limit)
            if floor is not None:
                figures += _floor_figures(concurrency, service, floor, limit)
    figures.append(Figure(VOICE, "TwiML answer size (limit app: same)", f"{size} bytes"))
    return figures


# The concurrency judged, and the targets there: a webhook that must commit before it
# answers is held to the floor (the limit app plus one INSERT and COMMIT), not to a
# static TwiML app.
JUDGED = 64
FLOOR_SHARE = 0.5
FLOOR_P99_TIMES = 2.0


def _floor_figures(
    concurrency: int, service: LoadResult, floor: LoadResult, limit: LoadResult
) -> list[Figure]:
    share = service.rps / floor.rps if floor.rps else 0.0
    of_limit = floor.rps / limit.rps if limit.rps else 0.0
    return [
        Figure(
            VOICE,
            f"c={concurrency}: floor = limit app + 1 INSERT/COMMIT (of the limit)",
            f"{floor.rps:.0f} = {of_limit:.0%}; p50 / p99 {ms(floor.p(50))} / {ms(floor.p(99))}"
            + (f"; {floor.errors} errors" if floor.errors else ""),
        ),
        Figure(
            VOICE,
            f"c={concurrency}: requests/s against the floor",
            f"{service.rps:.0f} ({floor.rps:.0f}) = {share:.0%}",
            f"≥ {FLOOR_SHARE:.0%} of the floor",
            share >= FLOOR_SHARE,
        ),
        Figure(
            VOICE,
            f"c={concurrency}: p99 against the floor's",
            f"{ms(service.p(99))} ({ms(floor.p(99))}) = "
            f"{service.p(99) / floor.p(99) if floor.p(99) else 0:.1f} ×",
            f"≤ {FLOOR_P99_TIMES:g} × the floor's",
            service.p(99) <= FLOOR_P99_TIMES * floor.p(99),
        ),
    ]


def _voice_figures(concurrency: int, service: LoadResult, limit: LoadResult) -> list[Figure]:
    ratio = service.rps / limit.rps if limit.rps else 0.0
    sent = service.requests + service.errors
    return [
        Figure(
            VOICE,
            f"c={concurrency}: requests/s (limit app)",
            f"{service.rps:.0f} ({limit.rps:.0f}) = {ratio:.0%}",
        ),
        Figure(
            VOICE,
            f"c={concurrency}: p50 / p99 (limit app)",
            f"{ms(service.p(50))} / {ms(service.p(99))} ({ms(limit.p(50))} / {ms(limit.p(99))})",
        ),
        Figure(
            VOICE,
            f"c={concurrency}: errors",
            f"{service.errors} of {sent}" + _sample(service.error_samples),
            "0",
            service.errors == 0 and limit.errors == 0,
        ),
    ]


def _sample(errors: Sequence[str]) -> str:
    return f" (e.g. {errors[0][:80]})" if errors else ""


# Scenario 2 -------------------------------------------------------------------------------


def whole_calls(bench: CallBench) -> list[Figure]:
    """Virtual callers through greeting, dial, recording, callback and ticket number."""
    sizes = bench.sizes
    put_on_call(bench.database, bench.seed.day_shift.name)
    calls = calls_from(bench.whole_contacts(), sizes.whole_calls)
    records, took = play_calls(bench, calls, threads=sizes.whole_threads)
    ok = sum(1 for r in records if r.ok)
    matched = spoken_numbers_match(bench, records)
    requests = sum(len(r.steps) for r in records)
    errors = [r.error for r in records if r.error]
    return [
        Figure(
            WHOLE,
            f"calls/s ({sizes.whole_threads} callers at once)",
            f"{len(records) / took:.1f} ({requests / took:.0f} requests/s)",
        ),
        Figure(
            WHOLE,
            "calls ending with their ticket number read back",
            f"{matched} of {len(calls)}" + _sample(errors),
            "all",
            ok == matched == len(calls),
        ),
        *step_figures(WHOLE, records),
    ]


# Scenario 3 -------------------------------------------------------------------------------

# A page leaves the moment its webhook commits (LISTEN/NOTIFY wakes the relay), even with
# a burst's bundles still going out to another technician.
PAGE_P99_SECONDS = 0.1


def call_to_page(bench: CallBench) -> list[Figure]:
    """From the answer that completes an emergency intake to its SMS reaching Twilio.

    Each call has a different technician on call, so every page goes to a quiet phone
    and is sent at once (pacing would hold a second page to one phone for a minute), and
    comes from a client of its own with no escalation running, so it starts one (a call
    from a company already being paged joins that escalation and pages nobody new).
    """
    sizes = bench.sizes
    techs = bench.seed.rotation[: sizes.page_calls]
    caller = VirtualCaller(Client(bench.stack.base_url), bench.signer, ACCOUNT_SID)
    records: list[tuple[CallRecord, str]] = []
    started = time.perf_counter()
    calls = [(new_call_sid(), phone) for phone in bench.page_contacts()]
    for index, (call_sid, from_number) in enumerate(calls):
        delay = started + index / sizes.page_rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        put_on_call(bench.database, techs[index].name)
        records.append((caller.call(call_sid, from_number), techs[index].phone))
    caller.client.close()
    latencies = _page_latencies(bench, records, wait=10.0)
    found = [t for t in latencies if t is not None]
    waited = _relay_waits(bench, [r.ticket_number for r, _ in records if r.ticket_number])
    return [
        Figure(
            PAGE,
            "pages that reached Twilio",
            f"{len(found)} of {len(records)}",
            "all",
            len(found) == len(records),
        ),
        Figure(PAGE, "p50", ms(percentile(found, 50))),
        Figure(
            PAGE,
            "p99 (max)",
            f"{ms(percentile(found, 99))} ({ms(max(found, default=0))})",
            f"≤ {ms(PAGE_P99_SECONDS)}",
            bool(found) and percentile(found, 99) <= PAGE_P99_SECONDS,
        ),
        Figure(
            PAGE,
            "of which waiting for the relay's tick: p50 / p99",
            f"{ms(percentile(waited, 50))} / {ms(percentile(waited, 99))}",
        ),
    ]


def _relay_waits(bench: CallBench, tickets: Sequence[int]) -> list[float]:
    """Seconds from each first page being owed (the webhook's commit) to the relay tick
    that sent it (the outbox row's created_at and sent_at)."""
    stmt = select(OutboxMessage.created_at, OutboxMessage.sent_at).where(
        OutboxMessage.ticket_id.in_(list(tickets)),
        OutboxMessage.channel == OutboxChannel.SMS,
        OutboxMessage.escalation_step == 0,
        OutboxMessage.sent_at.is_not(None),
    )
    with bench.database.sessionmaker() as session:
        return [(sent - owed).total_seconds() for owed, sent in session.execute(stmt)]


def _page_latencies(
    bench: CallBench, records: Sequence[tuple[CallRecord, str]], *, wait: float
) -> list[float | None]:
    """Seconds from each call's ticket read-back to the first SMS naming its ticket."""
    deadline = time.monotonic() + wait
    while True:
        arrived: dict[tuple[str, int], float] = {}
        for entry in bench.stack.twilio_log():
            if entry.get("kind") != "sms":
                continue
            for number in paged_numbers_in(str(entry.get("Body", ""))):
                key = (str(entry.get("To")), number)
                arrived.setdefault(key, float(entry["at"]))  # type: ignore[arg-type]
        latencies = [
            arrived[(phone, r.ticket_number)] - r.ticket_read_at
            if r.ticket_number and r.ticket_read_at and (phone, r.ticket_number) in arrived
            else None
            for r, phone in records
        ]
        if all(t is not None for t in latencies) or time.monotonic() > deadline:
            return latencies
        time.sleep(0.5)


# Scenario 4 -------------------------------------------------------------------------------


def burst(bench: CallBench) -> list[Figure]:
    """Many emergencies at once from many clients: nothing lost, nothing doubled, bundled.

    A client's later calls join the escalation of its first: their pages are the texts
    telling the technician it paged ("Joins #1042"), counted as pages like any other."""
    sizes = bench.sizes
    put_on_call(bench.database, bench.seed.primary.name)
    calls = calls_from(bench.burst_contacts(), sizes.burst_calls)
    sizes_at = [_size_point(bench)]
    # Halfway through, a second point: growth per call in each half shows it is linear.
    halfway = threading.Timer(sizes.burst_window / 2, lambda: sizes_at.append(_size_point(bench)))
    halfway.start()
    records, took = play_calls(bench, calls, threads=sizes.burst_threads, window=sizes.burst_window)
    halfway.join()
    drained = _wait_for_drain(bench, [sid for sid, _ in calls], sizes.drain_seconds)
    sizes_at.append(_size_point(bench))
    counts = count_burst(bench.database, bench.stack.twilio_log(), records, bench.seed.primary)
    span = max(r.started_at for r in records) - min(r.started_at for r in records)
    figures = [
        Figure(
            BURST,
            "calls placed (distinct clients) / span of their starts",
            f"{len(records)} ({len({r.from_number for r in records})}) / {span:.1f} s"
            f" (all done in {took:.1f} s)",
            f"{sizes.burst_calls} in ≤ {sizes.burst_window:.0f} s",
            len(records) == sizes.burst_calls and span <= sizes.burst_window,
        ),
        *burst_figures(BURST, counts, drained, sizes.drain_seconds),
        growth_figure(BURST, sizes_at),
        _all_steps(records),
    ]
    return figures + memory_figures(BURST, bench.stack.peak_memory())


def _size_point(bench: CallBench) -> tuple[int, int]:
    """(database bytes, calls so far)."""
    with bench.database.sessionmaker() as session:
        calls = session.scalar(select(func.count()).select_from(Call)) or 0
    return database_bytes(bench.stack.database_url), calls


def _all_steps(records: Sequence[CallRecord]) -> Figure:
    took = [s.seconds for r in records for s in r.steps]
    return Figure(
        BURST,
        "every webhook: p50 / p99",
        f"{ms(percentile(took, 50))} / {ms(percentile(took, 99))} (n={len(took)})",
    )


def _wait_for_drain(bench: CallBench, call_sids: Sequence[str], seconds: float) -> float | None:
    """Wait until no page of these calls is owed any more; the seconds it took, or None.

    The wait ends early when every page still owed is held (by pacing) past the bound:
    nothing more can be sent within it."""
    started = time.monotonic()
    deadline = datetime.now(UTC) + timedelta(seconds=seconds)
    while time.monotonic() - started < seconds:
        owed = pages_owed(bench.database, call_sids)
        if owed.next_due is None:
            return time.monotonic() - started
        if owed.next_due > deadline:
            return None
        time.sleep(1.0)
    return None
