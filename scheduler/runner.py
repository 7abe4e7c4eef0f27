"""The scheduler process: the outbox relay (woken by PostgreSQL as a page is committed, and
polling), plus the sweeps it is given.

This is the only module that imports APScheduler. Every job catches and logs its own
exceptions, so one bad tick (a database hiccup, a bug in a sweep) never stops paging.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN, EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import orm
from sqlalchemy.orm import Session

from scheduler.heartbeat import PING_EVERY_SECONDS, Pulse, ping
from scheduler.mail import Mailer
from scheduler.relay import relay_due
from scheduler.transport import Messenger
from scheduler.wakeup import OutboxListener, Turns
from ticketing.monitoring.heartbeat import RELAY

log = logging.getLogger(__name__)

# A relay tick waits on the database (and Twilio) a dozen times; each time it wants the GIL
# back, a sweep thread at work may hold it for the interpreter's switch interval (5 ms).
# Measured in the benchmark's call-to-page scenario: p99 127-134 ms at 5 ms, 38-58 ms at
# this. The process is the scheduler's alone: its threads wait far more than they compute.
SWITCH_INTERVAL_SECONDS = 0.0005


def favour_waiting_threads() -> None:
    """Hand the GIL to a thread back from the database within half a millisecond (the
    scheduler's own process: a page committed must not wait on a sweep's computing)."""
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)


Scheduler = BaseScheduler  # what other packages may name without importing APScheduler
Clock = Callable[[], datetime]
SweepFn = Callable[[Session, datetime], object]
Sweep = tuple[str, SweepFn, int]

# A page waits on average half of this for the tick that sends it (call-to-page time):
# 1 s measured p50 0.6 s / p99 1.9 s, 0.25 s p50 0.05 s / p99 0.9 s (bench, loaded machine).
# An idle tick is one indexed query (under 1 ms of CPU), so polling this often costs ~nothing.
RELAY_INTERVAL_SECONDS = 0.25
# While the LISTEN connection is up a committed page wakes the relay at once, so the poll is
# only for rows that come due later (retries after 5 s or more, texts paced for a minute,
# expired leases): a second more on those, a quarter of the idle ticks.
RELAY_LISTENING_INTERVAL_SECONDS = 1.0
RELAY_JOB = "outbox-relay"
PING_JOB = "heartbeat-url"
# A tick that could not start on time is skipped, not replayed: the next one catches up.
MISFIRE_GRACE_SECONDS = 5


def run_relay(
    sessionmaker: orm.sessionmaker[Session],
    messenger: Messenger,
    clock: Clock,
    status_callback_url: str | None,
    call_status_callback_url: str | None = None,
    public_base_url: str = "",
    mailer: Mailer | None = None,
    pulse: Pulse | None = None,
    turns: Turns | None = None,
) -> None:
    """One relay tick (emails through `mailer`, the log without one); logs, never raises.
    With `turns`, never beside another tick: asked for during one, that one runs again."""
    args = (sessionmaker, messenger, clock, status_callback_url, call_status_callback_url)
    tick = partial(_relay_tick, *args, public_base_url, mailer, pulse)
    if turns is None:
        tick()
    else:
        turns.take(tick)


def _relay_tick(
    sessionmaker: orm.sessionmaker[Session],
    messenger: Messenger,
    clock: Clock,
    status_callback_url: str | None,
    call_status_callback_url: str | None,
    public_base_url: str,
    mailer: Mailer | None,
    pulse: Pulse | None,
) -> None:
    now = clock()
    try:
        report = relay_due(
            sessionmaker,
            messenger,
            now,
            status_callback_url=status_callback_url,
            call_status_callback_url=call_status_callback_url,
            public_base_url=public_base_url,
            mailer=mailer,
        )
    except Exception:
        log.exception("outbox relay tick failed")
        return
    if report.total:
        log.info("outbox relay: %s", report)
    if pulse is not None and pulse.due(RELAY):
        # Only a tick that completed beats: the health check means "pages are leaving".
        try:
            with sessionmaker.begin() as session:
                pulse.beat(session, RELAY, now)
        except Exception:
            log.exception("outbox relay heartbeat failed")


def run_sweep(
    name: str,
    fn: SweepFn,
    sessionmaker: orm.sessionmaker[Session],
    clock: Clock,
    pulse: Pulse | None = None,
) -> None:
    """One sweep in its own transaction (with its heartbeat); rolled back and logged if it
    raises."""
    try:
        with sessionmaker.begin() as session:
            now = clock()
            fn(session, now)
            if pulse is not None:
                pulse.beat(session, f"sweep:{name}", now)
    except Exception:
        log.exception("sweep %s failed", name)


def build_scheduler(
    sessionmaker: orm.sessionmaker[Session],
    messenger: Messenger,
    clock: Clock,
    *,
    status_callback_url: str | None,
    background: bool,
    sweeps: Sequence[Sweep] = (),
    call_status_callback_url: str | None = None,
    public_base_url: str = "",
    mailer: Mailer | None = None,
    pulse: Pulse | None = None,
    heartbeat_url: str | None = None,
    listen_url: str | None = None,
) -> BaseScheduler:
    """A scheduler (not started) polling the relay every 0.25 s and each sweep every N s,
    each writing its heartbeat; with `heartbeat_url`, a dead-man's-switch ping a minute; with
    a PostgreSQL `listen_url`, the relay also runs as soon as a page is committed."""
    pulse = pulse or Pulse()
    options = {"timezone": UTC, "logger": _scheduler_log()}
    scheduler: BaseScheduler = (
        BackgroundScheduler(**options) if background else BlockingScheduler(**options)
    )
    relay_args = (
        sessionmaker,
        messenger,
        clock,
        status_callback_url,
        call_status_callback_url,
        public_base_url,
        mailer,
    )
    # One Turns for the poll and the wake-ups: two ticks never run at once, and a wake-up
    # during a tick makes it run again instead of being skipped.
    relay_kwargs = {"pulse": pulse, "turns": Turns()}
    scheduler.add_job(
        run_relay,
        "interval",
        seconds=RELAY_INTERVAL_SECONDS,
        args=relay_args,
        kwargs=relay_kwargs,
        id=RELAY_JOB,
        **_job_defaults(),
    )
    if listen_url and listen_url.startswith("postgresql"):
        wake = partial(run_relay, *relay_args, **relay_kwargs)
        _listen_for_pages(scheduler, OutboxListener(listen_url, wake, _relay_pace(scheduler)))
    _add_sweeps(scheduler, sweeps, sessionmaker, clock, pulse)
    if heartbeat_url:
        scheduler.add_job(
            ping,
            "interval",
            seconds=PING_EVERY_SECONDS,
            args=(heartbeat_url, pulse),
            id=PING_JOB,
            **_job_defaults(),
        )
    return scheduler


def _relay_pace(scheduler: BaseScheduler) -> Callable[[bool], None]:
    def pace(listening: bool) -> None:
        if not scheduler.running:
            return  # shutting down: the listener's last word does not matter
        seconds = RELAY_LISTENING_INTERVAL_SECONDS if listening else RELAY_INTERVAL_SECONDS
        scheduler.reschedule_job(RELAY_JOB, trigger="interval", seconds=seconds)
        log.info("outbox relay polls every %g s", seconds)

    return pace


def _listen_for_pages(scheduler: BaseScheduler, listener: OutboxListener) -> None:
    """Run `listener` while `scheduler` runs (its start and shutdown start and stop it)."""

    def follow(event: SchedulerEvent) -> None:
        if event.code == EVENT_SCHEDULER_STARTED:
            listener.start()
        else:
            listener.stop()

    scheduler.add_listener(follow, EVENT_SCHEDULER_STARTED | EVENT_SCHEDULER_SHUTDOWN)


class _OverrunRelayTick(logging.Filter):
    """Drops APScheduler's warning that a relay tick was skipped because the previous one
    still runs: routine in a burst (a tick sends until its rows are done), and not a loss."""

    def filter(self, record: logging.LogRecord) -> bool:
        job = record.args[0] if isinstance(record.args, tuple) and record.args else None
        skipped = "maximum number of running instances" in str(record.msg)
        return not (skipped and getattr(job, "id", None) == RELAY_JOB)


def _scheduler_log() -> logging.Logger:
    logger = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(f, _OverrunRelayTick) for f in logger.filters):
        logger.addFilter(_OverrunRelayTick())
    return logger


def _add_sweeps(
    scheduler: BaseScheduler,
    sweeps: Sequence[Sweep],
    sessionmaker: orm.sessionmaker[Session],
    clock: Clock,
    pulse: Pulse,
) -> None:
    for name, fn, seconds in sweeps:
        scheduler.add_job(
            run_sweep,
            "interval",
            seconds=seconds,
            args=(name, fn, sessionmaker, clock, pulse),
            id=f"sweep:{name}",
            **_job_defaults(),
        )


def _job_defaults() -> dict[str, object]:
    # One instance at a time: a slow tick must not overlap itself (two relays in one
    # process would only contend for the same rows).
    return {"max_instances": 1, "coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS}
