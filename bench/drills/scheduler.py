"""Drill 2: the scheduler is SIGKILLed while escalations are firing, stays dead while more
steps come due, and is restarted: every due step must fire, and none twice."""

from __future__ import annotations

import signal
import time
from collections import Counter

from sqlalchemy import select

from bench.drills.support import (
    DrillResult,
    Team,
    call_sid,
    copies,
    drill_callers,
    drill_team,
    end_escalations,
    pages_of,
    play_call,
    rotate_primary,
    say,
    tickets_of,
    wait_until,
)
from bench.harness import Stack
from intake.db import Database
from ticketing.models import OutboxMessage, OutboxStatus
from ticketing.paging.models import Escalation

STEPS = 3


def drill_scheduler_killed(stack: Stack, *, quick: bool) -> DrillResult:
    """Run drill 2 on the drills' stack."""
    gap, calls = (6, 4) if quick else (20, 6)
    policy = ["0s primary sms", f"{gap}s secondary sms", f"{2 * gap}s THIRD sms"]
    when = "just before step 2 comes due" if quick else "while step 2 is coming due"
    result = DrillResult(
        fault=(
            f"scheduler SIGKILLed {when} for {calls} escalations (SMS at 0 s, {gap} s and "
            f"{2 * gap} s), left dead until step 3 is due too, then restarted"
        ),
        expected="every due step fires once: one page per ticket per step, each texted once",
    )
    team = drill_team(stack.database_url, 2, policy)
    database = Database(stack.database_url)
    sids = [call_sid(2, n) for n in range(calls)]
    callers = drill_callers(stack.database_url, 2, calls)
    traces = []
    primaries = []
    for n, sid in enumerate(sids):  # calls spaced out: so are the moments steps come due
        primaries.append(rotate_primary(stack.database_url, 2, n))  # step 1: its own phone
        traces.append(play_call(stack.base_url, sid, callers[n]))
        time.sleep(0.2 if quick else 1.0)
    first, last = _escalation_window(database, sids)
    kill_at = first + gap - 1 if quick else first + gap + (last - first) / 2 + 0.5
    time.sleep(max(0.0, kill_at - time.time()))
    stack.stop("scheduler", signal.SIGKILL)
    at_kill = _state(database, sids)
    say(f"drill 2: scheduler SIGKILLed; steps fired so far {at_kill['fired']}")
    sent_before = len(stack.twilio_log())
    time.sleep(max(0.0, last + 2 * gap + 2 - time.time()))
    silent = len(stack.twilio_log()) == sent_before  # nothing was sent: it was dead
    stack.start_scheduler()
    say("drill 2: scheduler restarted; waiting for every step to be fired and sent")
    done = wait_until(lambda: _finished(database, sids), 240, every=2)
    say(f"drill 2: every step fired and sent: {'yes' if done else 'NO'}")
    time.sleep(3)
    ledger = stack.twilio_log()
    _judge(result, ledger, database, team, primaries, sids, traces, at_kill, silent, done)
    end_escalations(database, sids)
    database.engine.dispose()
    return result


def _escalation_window(database: Database, sids: list[str]) -> tuple[float, float]:
    tickets = list(tickets_of(database, sids).values())
    with database.sessionmaker() as session:
        starts = session.scalars(
            select(Escalation.started_at).where(Escalation.ticket_id.in_(tickets))
        ).all()
    moments = [s.timestamp() for s in starts] or [time.time()]
    return min(moments), max(moments)


def _state(database: Database, sids: list[str]) -> dict[str, object]:
    """At the kill: how many steps each escalation had fired, pages caught mid-send."""
    tickets = list(tickets_of(database, sids).values())
    with database.sessionmaker() as session:
        fired = session.scalars(
            select(Escalation.next_step).where(Escalation.ticket_id.in_(tickets))
        ).all()
        sending = session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.ticket_id.in_(tickets), OutboxMessage.status == OutboxStatus.SENDING
            )
        ).all()
    return {"fired": dict(sorted(Counter(fired).items())), "sending": len(sending)}


def _finished(database: Database, sids: list[str]) -> bool:
    tickets = list(tickets_of(database, sids).values())
    with database.sessionmaker() as session:
        steps = session.scalars(
            select(Escalation.next_step).where(Escalation.ticket_id.in_(tickets))
        ).all()
    pages = pages_of(database, sids)
    fired = len(steps) == len(sids) and all(s == STEPS for s in steps)
    return (
        fired
        and len(pages) >= STEPS * len(sids)
        and all(p.status == OutboxStatus.SENT for p in pages)
    )


def _judge(
    result: DrillResult,
    ledger: list,
    database: Database,
    team: Team,
    primaries: list[str],
    sids: list[str],
    traces: list,
    at_kill: dict[str, object],
    silent: bool,
    done: bool,
) -> None:
    tickets = tickets_of(database, sids)
    pages = pages_of(database, sids)
    paged = [
        (tickets[sid], step, phone)
        for sid, primary in zip(sids, primaries, strict=True)
        if sid in tickets
        for step, phone in enumerate((primary, team.secondary, team.third))
    ]
    owed = Counter(paged)
    rows = Counter((p.ticket_id, p.escalation_step, p.to_number) for p in pages)
    texted = copies(ledger)
    texts = [texted[(phone, ticket)] for ticket, _step, phone in paged]
    extra = sum(max(0, n - 1) for n in texts)
    result.observed = (
        f"{sum(t.ok for t in traces)}/{len(sids)} calls answered; at the kill the escalations "
        f"had fired {at_kill['fired']} (steps: escalations), {at_kill['sending']} texts "
        f"mid-send; nothing sent while it was dead: {'yes' if silent else 'NO'}; after the "
        f"restart {len(pages)} page rows for {sum(owed.values())} due steps, "
        f"{sum(n == 0 for n in texts)} never texted, {extra} texted twice"
    )
    # A text caught between Twilio's answer and its record is the one duplicate allowed.
    result.passed = (
        done
        and silent
        and len(tickets) == len(sids)
        and rows == owed
        and all(n >= 1 for n in texts)
        and extra <= int(at_kill["sending"])  # type: ignore[call-overload]
    )
    result.details.append(
        "bound: a text caught mid-send at the kill may go twice (its lease expires after "
        "60 s and the restarted relay sends it again); none was expected otherwise"
    )
