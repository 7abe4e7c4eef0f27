"""Drill 7: the scheduler is stopped. /healthz must turn 503 within a minute, the next
emergency caller must be forwarded rather than promised a page, and once the scheduler runs
again /healthz must turn 200 and that caller's page must go out; /metrics must parse."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bench.drills.support import (
    CALLERS,
    FORWARD,
    DrillResult,
    call_sid,
    copies,
    drill_team,
    end_escalations,
    play_call,
    say,
    tickets_of,
    wait_until,
)
from bench.harness import Stack
from intake.db import Database
from scheduler.heartbeat import BEAT_EVERY_SECONDS
from ticketing.event_kinds import EventKind
from ticketing.models import Call, TicketEvent
from ticketing.monitoring.heartbeat import RELAY, STALE_AFTER
from ticketing.monitoring.models import Heartbeat

# The heartbeat goes stale after STALE_AFTER; the check polls once a second.
BUDGET_SECONDS = STALE_AFTER.total_seconds() + 2
WANTED_METRICS = (
    "intake_pages",
    "intake_scheduler_heartbeat_age_seconds",
    "intake_oldest_due_page_age_seconds",
    "intake_webhook_seconds",
)


def drill_scheduler_stopped(stack: Stack, *, quick: bool) -> DrillResult:
    """Run drill 7 on the drills' stack (the scheduler is left running at the end)."""
    result = DrillResult(
        fault="scheduler process stopped (SIGTERM), an emergency call while it is down, "
        "then the scheduler started again",
        expected=(
            f"/healthz 503 within {STALE_AFTER.total_seconds():.0f} s of the stop; the caller "
            "forwarded to FALLBACK_FORWARD_NUMBER, not told a page is coming; /healthz 200 "
            "again after the restart and the call's page sent; /metrics parses"
        ),
    )
    team = drill_team(stack.database_url, 7, ["0s primary sms"])
    database = Database(stack.database_url)
    # The beat must be this scheduler's own: a process another drill just stopped may have
    # beaten a moment ago, which would shorten the minute measured here.
    scheduler = stack.processes["scheduler"].pid
    healthy_before = wait_until(
        lambda: _beats(database, scheduler) and _health(stack)[0] == 200, 30
    )
    stack.stop("scheduler")
    stopped = time.monotonic()
    say("drill 7: scheduler stopped; polling /healthz")
    degraded = wait_until(lambda: _scheduler_failing(stack), BUDGET_SECONDS + 10)
    to_503 = time.monotonic() - stopped
    status, checks = _health(stack)
    sid = call_sid(7, 0)
    trace = play_call(stack.base_url, sid, CALLERS[0])
    dialled = [d.text for doc in trace.documents for d in doc.iter("Dial")]
    promised = "being paged" in trace.said
    ticket_number = tickets_of(database, [sid]).get(sid)
    explained = _has_event(database, sid, EventKind.PAGER_DOWN)
    stack.start_scheduler()
    restarted = time.monotonic()
    say("drill 7: scheduler started again; polling /healthz")
    healthy_again = wait_until(lambda: _health(stack)[0] == 200, 60)
    to_200 = time.monotonic() - restarted
    paged = wait_until(lambda: copies(stack.twilio_log())[(team.phones[0], ticket_number)] == 1, 60)
    families = _metrics(stack)
    missing = [name for name in WANTED_METRICS if name not in families]
    result.observed = (
        f"/healthz {status} {to_503:.1f} s after the stop (failed checks: "
        f"{', '.join(k for k, v in checks.items() if not v.get('ok')) or 'none'}); "
        f"the call: forwarded to {', '.join(dialled) or 'nobody'}, promised a page: "
        f"{'yes' if promised else 'no'}, ticket says why: {'yes' if explained else 'no'}; "
        f"/healthz 200 {to_200:.1f} s after the restart; the page texted once after it: "
        f"{'yes' if paged else 'no'}; /metrics: {len(families)} metric families parsed"
        + (f", missing {', '.join(missing)}" if missing else "")
    )
    result.passed = (
        healthy_before
        and degraded
        and to_503 <= BUDGET_SECONDS
        and dialled == [FORWARD]
        and not promised
        and explained
        and healthy_again
        and paged
        and not missing
    )
    result.details.append(
        f"a beat is written at least every 5 s; /healthz fails once it is over "
        f"{STALE_AFTER.total_seconds():.0f} s old, polled every second"
    )
    end_escalations(database, [sid])
    database.engine.dispose()
    return result


def _health(stack: Stack) -> tuple[int, dict[str, dict]]:
    """/healthz's status code and its checks."""
    try:
        with urllib.request.urlopen(f"{stack.base_url}/healthz", timeout=5) as answer:
            return answer.status, json.load(answer)["checks"]
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)["checks"]
    except (urllib.error.URLError, TimeoutError, ValueError):
        return 0, {}


def _beats(database: Database, pid: int) -> bool:
    """Whether the scheduler process `pid` has beaten in the last few seconds."""
    with database.sessionmaker() as session:
        last = session.scalar(
            select(func.max(Heartbeat.beat_at)).where(
                Heartbeat.component == RELAY, Heartbeat.pid == pid
            )
        )
    return last is not None and (datetime.now(UTC) - last).total_seconds() < 2 * BEAT_EVERY_SECONDS


def _scheduler_failing(stack: Stack) -> bool:
    """/healthz answers 503 because of the scheduler's heartbeat (not some other check)."""
    status, checks = _health(stack)
    return status == 503 and checks.get("scheduler", {}).get("ok") is False


def _metrics(stack: Stack) -> set[str]:
    """The metric families /metrics serves to loopback, parsed as Prometheus does."""
    with urllib.request.urlopen(f"{stack.base_url}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    return {family.name for family in text_string_to_metric_families(text)}


def _has_event(database: Database, sid: str, kind: EventKind) -> bool:
    with database.sessionmaker() as session:
        stmt = (
            select(TicketEvent.id)
            .join(Call, Call.ticket_id == TicketEvent.ticket_id)
            .where(Call.call_sid == sid, TicketEvent.kind == kind)
        )
        return session.scalar(stmt) is not None
