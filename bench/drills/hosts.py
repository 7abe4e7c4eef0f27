"""Drill 6: two hosts on one PostgreSQL database, each with a disk (instance folder) of its
own, behind a load balancer. Mid-burst host A loses the database (its calls go to its local
spool), then its web and scheduler are SIGKILLed while calls keep coming (the balancer
retries at host B what A failed). A's web is restarted without its scheduler: its own web
process must replay its spool, and host B's scheduler pages.

Every call must be answered, become one ticket and be texted once; both spools must end
empty, and both schedulers must have beaten."""

from __future__ import annotations

import re
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from bench.drills.network import CuttableProxy, LoadBalancer
from bench.drills.support import (
    CALLERS,
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
    tickets_of,
    wait_until,
)
from bench.harness import Stack
from intake.db import Database
from ticketing.calls.spool import SpoolEntry, read_entries, spool_file
from ticketing.calls.spool_replay import replay_marker
from ticketing.models import OutboxStatus, Ticket, WebhookReceipt
from ticketing.monitoring.heartbeat import RELAY
from ticketing.monitoring.models import Heartbeat

DRILL = 6
_REPLAYED = re.compile(r"spool: (\d+) entries replayed into tickets")


@dataclass(frozen=True)
class Timeline:
    """The burst and the moments of its faults, in seconds from its start."""

    calls: int
    every: float
    cut: float
    kill: float
    restart: float

    @classmethod
    def for_run(cls, quick: bool) -> Timeline:
        """About 30 calls over 60 s, or 8 over 15 s."""
        if quick:
            return cls(calls=8, every=1.8, cut=2.5, kill=8.0, restart=9.5)
        return cls(calls=30, every=2.0, cut=12.0, kill=26.0, restart=38.0)


@dataclass
class Observed:
    """What the fault side of the drill saw."""

    started: datetime | None = None
    top_ticket: int = 0
    spooled: list[SpoolEntry] = field(default_factory=list)
    replayed_before_restart: int = 0
    restart_to_empty: float | None = None
    scheduler_pids: dict[str, int] = field(default_factory=dict)


def drill_two_hosts(stack: Stack, *, quick: bool) -> DrillResult:
    """Run drill 6 on the drills' database, in place of the stack's own web and scheduler."""
    plan = Timeline.for_run(quick)
    result = DrillResult(
        fault=(
            f"two hosts behind a load balancer, {plan.calls} calls over "
            f"{plan.calls * plan.every:.0f} s; host A loses the database at {plan.cut:.0f} s, "
            f"its web and scheduler are SIGKILLed at {plan.kill:.0f} s, its web alone "
            f"restarted at {plan.restart:.0f} s"
        ),
        expected=(
            "every call answered (failing over to B), one ticket and one text per call; A's "
            "web replays its own spool, B's scheduler pages; both spools empty"
        ),
    )
    if not stack.database_url.startswith("postgresql"):
        result.observed = "not run: needs PostgreSQL (two hosts share one database server)"
        result.passed = result.skipped = True
        return result
    stack.stop("scheduler")  # exactly two schedulers: A's and B's
    stack.stop("web")
    proxy = CuttableProxy(_database_port(stack.database_url))
    balancer = LoadBalancer({})
    host_a = _host(stack, "host-a", _through(stack.database_url, proxy.port), balancer.url)
    host_b = _host(stack, "host-b", stack.database_url, balancer.url)
    database = Database(stack.database_url)
    try:
        observed = Observed(started=_now(database))
        balancer.ports.update(A=host_a.web_port, B=host_b.web_port)
        for name, host in (("A", host_a), ("B", host_b)):
            host.start_web()
            host.start_scheduler()
            observed.scheduler_pids[name] = host.processes["scheduler"].pid
        drill_team(stack.database_url, DRILL, ["0s primary sms"])
        observed.top_ticket = _top_ticket(database)
        traces = _burst(stack, plan, balancer, host_a, proxy, database, observed)
        sids = [t.call_sid for t in traces]
        say("drill 6: burst over; waiting for every page to be sent")
        paged = wait_until(lambda: _all_sent(database, sids), 240, every=2)
        time.sleep(3)
        _judge(result, stack, database, plan, balancer, traces, observed, paged, host_a, host_b)
        end_escalations(database, sids)
    finally:
        for host in (host_a, host_b):
            host.stop("scheduler")
            host.stop("web")
        balancer.close()
        proxy.close()
        database.engine.dispose()
        stack.start_web()
        stack.start_scheduler()
    return result


def _host(stack: Stack, name: str, database_url: str, public_url: str) -> Stack:
    """A host: its own instance folder and logs, the shared fake Twilio, the public URL."""
    workdir = stack.workdir / name
    workdir.mkdir(exist_ok=True)
    # Both hosts are one service to Twilio: requests are signed for the balancer's URL.
    env = {**stack.extra_env, "PUBLIC_BASE_URL": public_url}
    return Stack(
        database_url=database_url, workdir=workdir, twilio_port=stack.twilio_port, extra_env=env
    )


def _database_port(url: str) -> int:
    return int(re.search(r"@[^:/]+:(\d+)/", url).group(1))  # type: ignore[union-attr]


def _through(url: str, port: int) -> str:
    return re.sub(r"@([^:/]+):\d+/", f"@127.0.0.1:{port}/", url)


def _burst(
    stack: Stack,
    plan: Timeline,
    balancer: LoadBalancer,
    host_a: Stack,
    proxy: CuttableProxy,
    database: Database,
    observed: Observed,
) -> list[CallTrace]:
    """Play the calls, alternating hosts, while the faults happen on their own thread."""
    start = time.monotonic()
    faults = threading.Thread(
        target=_faults, args=(plan, start, host_a, proxy, database, observed), daemon=True
    )
    faults.start()
    traces: list[CallTrace] = []
    callers = []
    for n in range(plan.calls):
        time.sleep(max(0.0, start + n * plan.every - time.monotonic()))
        sid = call_sid(DRILL, n)
        balancer.route[sid] = "AB"[n % 2]
        rotate_primary(stack.database_url, DRILL, n)  # a quiet phone: paged at once
        caller = threading.Thread(
            target=lambda s=sid, n=n: traces.append(
                play_call(balancer.url, s, CALLERS[n % len(CALLERS)])
            )
        )
        caller.start()
        callers.append(caller)
    for caller in callers:
        caller.join()
    faults.join()
    return sorted(traces, key=lambda t: t.call_sid)


def _faults(
    plan: Timeline,
    start: float,
    host_a: Stack,
    proxy: CuttableProxy,
    database: Database,
    observed: Observed,
) -> None:
    """Cut A from the database, kill A's processes, restore, restart A's web alone."""
    spool = spool_file(host_a.workdir / "instance")
    time.sleep(max(0.0, start + plan.cut - time.monotonic()))
    proxy.cut()
    say("drill 6: host A lost the database")
    time.sleep(max(0.0, start + plan.kill - time.monotonic()))
    host_a.stop("scheduler", signal.SIGKILL)
    host_a.stop("web", signal.SIGKILL)
    proxy.restore()
    observed.spooled = read_entries(spool).entries
    observed.replayed_before_restart = _replayed(database, observed.spooled)
    calls = len({e.call_sid for e in observed.spooled})
    say(f"drill 6: host A SIGKILLed (web and scheduler) with {calls} call(s) in its spool")
    time.sleep(max(0.0, start + plan.restart - time.monotonic()))
    host_a.start_web()
    answering = time.monotonic()
    say("drill 6: host A's web restarted, its scheduler left dead")
    if wait_until(lambda: read_entries(spool).size == 0, 60, every=0.2):
        observed.restart_to_empty = time.monotonic() - answering


def _replayed(database: Database, entries: list[SpoolEntry]) -> int:
    """How many of these spool entries the database has (their replay markers)."""
    markers = {replay_marker(e) for e in entries}
    if not markers:
        return 0
    with database.sessionmaker() as session:
        found = session.scalar(
            select(func.count()).select_from(WebhookReceipt).where(WebhookReceipt.key.in_(markers))
        )
    return int(found or 0)


def _all_sent(database: Database, sids: list[str]) -> bool:
    tickets = tickets_of(database, sids)
    pages = pages_of(database, sids)
    return (
        len(tickets) == len(sids)
        and len({p.ticket_id for p in pages}) == len(tickets)
        and all(p.status == OutboxStatus.SENT for p in pages)
    )


def _now(database: Database) -> datetime:
    with database.sessionmaker() as session:
        return session.scalar(select(func.now()))  # type: ignore[return-value]


def _top_ticket(database: Database) -> int:
    with database.sessionmaker() as session:
        return int(session.scalar(select(func.coalesce(func.max(Ticket.id), 0))) or 0)


def _tickets_since(database: Database, top: int) -> int:
    """Tickets opened after ticket `top`: one per call, or a call opened two."""
    with database.sessionmaker() as session:
        found = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.id > top))
    return int(found or 0)


def _beats(database: Database, observed: Observed) -> dict[str, bool]:
    """Whether each host's scheduler (by its pid) wrote relay heartbeats during the drill."""
    since = observed.started
    with database.sessionmaker() as session:
        pids = set(
            session.scalars(
                select(Heartbeat.pid).where(
                    Heartbeat.component == RELAY, Heartbeat.beat_at >= since
                )
            )
        )
    return {name: pid in pids for name, pid in observed.scheduler_pids.items()}


def _web_replays(host: Stack) -> int:
    """Entries host A's web processes say they replayed (their log)."""
    log = Path(host.workdir / "web.log")
    text = log.read_text(errors="replace") if log.exists() else ""
    return sum(int(n) for n in _REPLAYED.findall(text))


def _judge(
    result: DrillResult,
    stack: Stack,
    database: Database,
    plan: Timeline,
    balancer: LoadBalancer,
    traces: list[CallTrace],
    observed: Observed,
    paged: bool,
    host_a: Stack,
    host_b: Stack,
) -> None:
    sids = [t.call_sid for t in traces]
    tickets = tickets_of(database, sids)
    pages = pages_of(database, sids)
    texted = copies(stack.twilio_log())
    texts = [texted[(p.to_number, p.ticket_id)] for p in pages]
    doubled = sum(max(0, n - 1) for n in texts)
    lost = (len(sids) - len(tickets)) + sum(n == 0 for n in texts)
    spooled_calls = {e.call_sid for e in observed.spooled}
    kept = len({replay_marker(e) for e in observed.spooled})  # a retried request is kept twice
    replayed = _replayed(database, observed.spooled) - observed.replayed_before_restart
    by_web = _web_replays(host_a)
    left = {
        n: read_entries(spool_file(h.workdir / "instance")).size
        for n, h in (("A", host_a), ("B", host_b))
    }
    beats = _beats(database, observed)
    routed = {h: sum(balancer.route[s] == h for s in sids) for h in "AB"}
    failed_over = {sid for sid, _, _ in balancer.failovers}
    per_ticket = sorted({p.ticket_id for p in pages})
    opened = _tickets_since(database, observed.top_ticket)
    empty_after = (
        f"{observed.restart_to_empty:.1f} s" if observed.restart_to_empty is not None else "never"
    )
    result.observed = (
        f"{sum(t.ok for t in traces)}/{len(sids)} calls answered (routed A {routed['A']}, "
        f"B {routed['B']}; {len(balancer.failovers)} requests of {len(failed_over)} calls "
        f"failed over to B); spooled on A {kept} entries of "
        f"{len(spooled_calls)} calls, replayed by A's web {replayed} (its log: {by_web}); "
        f"{opened} tickets opened, {len(pages)} pages for {len(per_ticket)} tickets, "
        f"{doubled} texts doubled, {lost} lost; A's spool empty {empty_after} after its web "
        f"restarted; spools left A {left['A']} B {left['B']} bytes; relay heartbeats A "
        f"{'yes' if beats.get('A') else 'NO'}, B {'yes' if beats.get('B') else 'NO'}"
    )
    result.passed = (
        paged
        and all(t.ok for t in traces)
        and len(tickets) == len(set(tickets.values())) == opened == len(sids)
        and len(pages) == len(per_ticket) == len(sids)
        and all(p.status == OutboxStatus.SENT for p in pages)
        and doubled == 0
        and lost == 0
        and bool(spooled_calls)
        and replayed == kept
        and by_web >= kept
        and observed.restart_to_empty is not None
        and not any(left.values())
        and all(beats.values())
    )
    result.details.append(
        "PostgreSQL; host A reaches it through a TCP proxy the drill cuts; the balancer "
        f"signs nothing itself (requests are signed for its URL, every host's PUBLIC_BASE_URL);"
        f" faults at {plan.cut:.0f} s (cut), {plan.kill:.0f} s (SIGKILL), "
        f"{plan.restart:.0f} s (A's web restarted)"
    )
