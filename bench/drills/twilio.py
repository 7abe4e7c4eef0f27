"""Drill 1: Twilio's REST API fails every way it can for about two minutes while
emergencies keep coming in; after it recovers, every page must be delivered, and none
twice, not even a text Twilio accepted whose answer never came back (the relay looks it
up before sending again)."""

from __future__ import annotations

import json
import threading
import time
import urllib.request

from bench.drills.support import (
    CALLERS,
    DrillResult,
    Team,
    call_sid,
    copies,
    drill_team,
    end_escalations,
    pages_of,
    play_call,
    say,
    tickets_of,
    wait_until,
)
from bench.harness import Stack
from intake.db import Database
from scheduler.relay import BACKOFF_CAP_SECONDS
from ticketing.models import OutboxStatus

PHASES = ("500", "429", "hang", "accept-hang", "reset")


def drill_twilio_outage(stack: Stack, *, quick: bool) -> DrillResult:
    """Run drill 1 on the drills' stack."""
    outage, calls = (20.0, 8) if quick else (120.0, 40)
    result = DrillResult(
        fault=(
            f"Twilio API answers 500, then 429, hangs past the 10 s timeout, accepts then "
            f"hangs, resets connections: {outage:.0f} s in all, during {calls} emergency calls"
        ),
        expected=(
            "after recovery every page delivered, each texted once: a text Twilio accepted "
            "whose answer timed out is found in Twilio's list and not sent again"
        ),
    )
    team = drill_team(stack.database_url, 1, ["0s primary sms", "0s secondary sms"])
    sids = [call_sid(1, n) for n in range(calls)]
    traces: list = []
    caller = threading.Thread(target=_calls, args=(stack, sids, outage, traces))
    refused_before = _refused(stack)
    started = time.monotonic()
    caller.start()
    for index, mode in enumerate(PHASES):
        say(f"drill 1: Twilio answers {mode} for {outage / len(PHASES):.0f} s")
        stack.twilio_fault(mode, outage / len(PHASES))
        time.sleep(max(0.0, started + outage * (index + 1) / len(PHASES) - time.monotonic()))
    recovered = time.time()
    caller.join()
    say("drill 1: Twilio is back; waiting for every page to be delivered")
    database = Database(stack.database_url)
    grace = BACKOFF_CAP_SECONDS + 30 if not quick else 120
    delivered = wait_until(lambda: _all_sent(database, sids, calls), grace, every=2)
    time.sleep(3)  # a duplicate still in flight would land now
    refused = _refused(stack) - refused_before
    _judge(result, stack, database, team, sids, traces, recovered, delivered, refused)
    end_escalations(database, sids)
    database.engine.dispose()
    return result


def _calls(stack: Stack, sids: list[str], outage: float, traces: list) -> None:
    """One emergency call every outage/len(sids) seconds, from the demo clients' phones."""
    started = time.monotonic()
    for n, sid in enumerate(sids):
        time.sleep(max(0.0, started + n * outage / len(sids) - time.monotonic()))
        traces.append(play_call(stack.base_url, sid, CALLERS[n % len(CALLERS)]))


def _all_sent(database: Database, sids: list[str], calls: int) -> bool:
    pages = pages_of(database, sids)
    return len(pages) == 2 * calls and all(p.status == OutboxStatus.SENT for p in pages)


def _refused(stack: Stack) -> int:
    with urllib.request.urlopen(f"{stack.twilio_url}/_bench/log", timeout=10) as answer:
        return int(json.load(answer)["refused"])


def _judge(
    result: DrillResult,
    stack: Stack,
    database: Database,
    team: Team,
    sids: list[str],
    traces: list,
    recovered: float,
    delivered: bool,
    refused: int,
) -> None:
    tickets = tickets_of(database, sids)
    pages = pages_of(database, sids)
    ledger = stack.twilio_log()
    accepted, late = copies(ledger), copies(ledger, late_only=True)
    owed = [(phone, number) for number in tickets.values() for phone in team.phones[:2]]
    missing = [key for key in owed if accepted[key] == 0]
    over = [key for key in owed if accepted[key] > 1 + late[key]]
    extra = sum(max(0, accepted[key] - 1) for key in owed)
    phones = set(team.phones)
    late_requests = sum(1 for e in ledger if e.get("late") and e.get("To") in phones)
    last = max((p.sent_at.timestamp() for p in pages if p.sent_at), default=recovered)
    calls_ok = sum(t.ok for t in traces)
    statuses = sorted({p.status for p in pages})
    result.observed = (
        f"{calls_ok}/{len(sids)} calls answered, {len(tickets)} tickets, {len(pages)} pages "
        f"({', '.join(statuses)}); {refused} requests refused by the fault; "
        f"last page delivered {last - recovered:.0f} s after Twilio recovered; "
        f"{len(missing)} pages never delivered; {late_requests} text(s) accepted by Twilio "
        f"whose answer timed out; {extra} page(s) texted twice ({len(over)} beyond one "
        "extra copy per such text)"
    )
    result.passed = (
        delivered
        and calls_ok == len(sids)
        and len(tickets) == len(sids)
        and not missing
        and extra == 0
        and statuses == [OutboxStatus.SENT]
    )
    result.details += [
        "before sending again after a lost answer the relay lists the messages Twilio has "
        "for that number and compares the text; a look-up that fails sends (at least once), "
        "bounded by one extra copy per accepted-then-timed-out attempt",
        f"most copies of one page: {max((accepted[k] for k in owed), default=0)}",
    ]
