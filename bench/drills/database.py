"""Drill 4: calls arrive while the database is unreachable, refused at once (nothing on
its port) or black-holed (a socket that accepts and never answers). A second web process,
pointed at the dead database and sharing the instance path, answers them; the stack's
scheduler, whose database works, stands for "the database is back" and replays the spool.

Every answer must come within 2 s with TwiML that forwards to FALLBACK_FORWARD_NUMBER and
takes a message; each message must become one ticket, paged once."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from bench.drills.support import (
    CALLERS,
    FORWARD,
    SUPPORT_LINE,
    CallTrace,
    DrillResult,
    call_sid,
    copies,
    drill_team,
    end_escalations,
    pages_of,
    play_call,
    rotate_primary,
    say,
    signed_post,
    tickets_of,
    wait_until,
)
from bench.harness import Stack, free_port
from intake.db import Database
from ticketing.calls.spool import read_entries, spool_file
from ticketing.models import OutboxStatus

BUDGET_SECONDS = 2.0


def drill_database_down(stack: Stack, *, quick: bool) -> DrillResult:
    """Run drill 4 beside the drills' stack (whose scheduler replays the spool)."""
    calls = 1 if quick else 4
    result = DrillResult(
        fault=(
            f"database unreachable while {2 * calls} calls arrive: connection refused, then a "
            "black-holed port (accepts, never answers); Twilio's Fallback URL posted too"
        ),
        expected=(
            f"every answer within {BUDGET_SECONDS:.0f} s, TwiML forwarding to "
            "FALLBACK_FORWARD_NUMBER and taking a message; once the database is back each "
            "message is one ticket, paged once"
        ),
    )
    drill_team(stack.database_url, 4, ["0s primary sms"])
    traces: list[CallTrace] = []
    fallbacks: list[float] = []
    database = Database(stack.database_url)
    paged = True
    for index, variant in enumerate(("refused", "black-holed")):
        rotate_primary(stack.database_url, 4, index)  # each outage pages its own technician
        sids = [call_sid(4, index * 100 + n) for n in range(calls)]
        with _dead_database(variant) as url:
            say(f"drill 4: {calls} call(s) with the database {variant}")
            traces += _outage_calls(stack, url, sids, fallbacks)
        say("drill 4: the database is back for the scheduler; waiting for the replay")
        paged &= wait_until(lambda sids=sids: _all_paged(database, sids), 90, every=2)
    sids = [t.call_sid for t in traces]
    spool = spool_file(stack.workdir / "instance")
    wait_until(lambda: read_entries(spool).size == 0, 20)
    left = read_entries(spool).size
    _judge(result, stack, database, traces, fallbacks, paged, left)
    end_escalations(database, sids)
    database.engine.dispose()
    return result


@contextmanager
def _dead_database(variant: str) -> Iterator[str]:
    """A PostgreSQL URL that refuses connections, or one whose server never answers."""
    with socket.socket() as silent:
        if variant == "refused":
            port = free_port()
        else:
            silent.bind(("127.0.0.1", 0))
            silent.listen(128)
            port = silent.getsockname()[1]
        yield f"postgresql+psycopg://intake:intake@127.0.0.1:{port}/intake"


def _outage_calls(
    stack: Stack, url: str, sids: list[str], fallbacks: list[float]
) -> list[CallTrace]:
    """Play the calls (concurrently) against a web process on the dead database."""
    outage = Stack(
        database_url=url,
        workdir=stack.workdir,
        twilio_port=stack.twilio_port,
        extra_env=stack.extra_env,
    )
    try:
        outage.start_web(database_reachable=False)
        traces: list[CallTrace] = []
        threads = [
            threading.Thread(
                target=lambda s=sid, n=n: traces.append(
                    play_call(outage.base_url, s, CALLERS[n % len(CALLERS)])
                )
            )
            for n, sid in enumerate(sids)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        params = {"CallSid": sids[0], "From": CALLERS[0], "To": SUPPORT_LINE}
        params |= {"ErrorCode": "11205", "ErrorUrl": f"{outage.base_url}/twilio/voice"}
        answer, seconds = signed_post(outage.base_url, "/twilio/voice/fallback", params)
        fallbacks.append(seconds if b"<Dial" in answer.content else float("inf"))
    finally:
        outage.stop("web")
    return traces


def _all_paged(database: Database, sids: list[str]) -> bool:
    pages = pages_of(database, sids)
    return len(pages) >= len(sids) and all(p.status == OutboxStatus.SENT for p in pages)


def _forwarded(trace: CallTrace) -> bool:
    first = trace.documents[0] if trace.documents else None
    record = first.find("Record") if first is not None else None
    return (
        first is not None
        and first.findtext("Dial") == FORWARD
        and record is not None
        and record.get("action") == "/twilio/voice/fallback-message"
    )


def _judge(
    result: DrillResult,
    stack: Stack,
    database: Database,
    traces: list[CallTrace],
    fallbacks: list[float],
    paged: bool,
    left_in_spool: int,
) -> None:
    sids = [t.call_sid for t in traces]
    tickets = tickets_of(database, sids)
    pages = pages_of(database, sids)
    per_ticket = sorted(sum(p.ticket_id == t for p in pages) for t in tickets.values())
    texted = copies(stack.twilio_log())
    texts = sorted(
        sum(n for (_, t), n in texted.items() if t == ticket) for ticket in tickets.values()
    )
    slowest = max(t.slowest for t in traces)
    forwarded = sum(_forwarded(t) for t in traces)
    kept = sum("reached" in t.said for t in traces)
    result.observed = (
        f"slowest answer {slowest:.2f} s (Fallback URL {max(fallbacks):.2f} s); "
        f"{forwarded}/{len(traces)} forwarded to {FORWARD} with a message; "
        f"{kept} told their message reached us; after the database was back "
        f"{len(tickets)} tickets, pages per ticket {per_ticket}, texts per ticket {texts}; "
        f"spool emptied: {'yes' if not left_in_spool else 'NO'}"
    )
    result.passed = (
        slowest < BUDGET_SECONDS
        and max(fallbacks) < BUDGET_SECONDS
        and all(t.ok for t in traces)
        and forwarded == kept == len(traces)
        and paged
        and len(tickets) == len(traces)
        and per_ticket == texts == [1] * len(traces)
        and not left_in_spool
    )
    result.details.append(
        "each call: /twilio/voice, the transcription, the message and the status callback "
        "all answered without the database (connect deadline 1 s: DATABASE_CONNECT_TIMEOUT)"
    )
