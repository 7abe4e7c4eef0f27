"""The scheduler process: its jobs, their settings, and jobs that survive failures."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from intake.clock import FrozenClock
from scheduler import runner
from scheduler.relay import RelayReport
from scheduler.runner import build_scheduler, run_relay, run_sweep
from tests.support.fake_transport import RecordingMessenger
from tests.support.outbox import SMS_CALLBACK, new_outbox
from ticketing.event_kinds import EventKind
from ticketing.models import OutboxMessage, Ticket, TicketEvent
from ticketing.timeline import add_event, events_of


def note_sweep(ticket_id: int):
    """A sweep that writes one timeline line per run."""

    def sweep(session: Session, now: datetime) -> None:
        add_event(session, ticket_id, EventKind.NOTE, f"swept at {now.isoformat()}", at=now)

    return sweep


def broken_sweep(ticket_id: int):
    """A sweep that writes, then crashes."""

    def sweep(session: Session, now: datetime) -> None:
        add_event(session, ticket_id, EventKind.NOTE, "half done", at=now)
        session.flush()
        raise RuntimeError("sweep bug")

    return sweep


def test_build_scheduler_has_the_relay_and_every_sweep(database, messenger, clock):
    sweeps = [("escalations", note_sweep(1), 15), ("handoffs", note_sweep(1), 60)]

    scheduler = build_scheduler(
        database.sessionmaker,
        messenger,
        clock,
        status_callback_url=SMS_CALLBACK,
        background=True,
        sweeps=sweeps,
    )

    assert isinstance(scheduler, BackgroundScheduler)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"outbox-relay", "sweep:escalations", "sweep:handoffs"}
    assert jobs["outbox-relay"].trigger.interval == timedelta(seconds=0.25)
    assert jobs["sweep:escalations"].trigger.interval == timedelta(seconds=15)
    assert jobs["sweep:handoffs"].trigger.interval == timedelta(seconds=60)
    for job in jobs.values():
        assert (job.max_instances, job.coalesce) == (1, True)
        assert job.misfire_grace_time <= 10


def test_build_scheduler_blocks_in_its_own_process(database, messenger, clock):
    scheduler = build_scheduler(
        database.sessionmaker, messenger, clock, status_callback_url=None, background=False
    )

    assert isinstance(scheduler, BlockingScheduler)
    assert [job.id for job in scheduler.get_jobs()] == ["outbox-relay"]


def test_the_relay_job_sends_what_is_due(database, session, messenger, clock, ticket):
    row = new_outbox(session, ticket_id=ticket.id, due=clock())

    run_relay(database.sessionmaker, messenger, clock, SMS_CALLBACK)

    [sms] = messenger.sms
    assert sms["status_callback"] == SMS_CALLBACK
    session.expire_all()
    assert session.get(OutboxMessage, row.id).status == "sent"


def test_the_relay_job_logs_and_survives_an_exception(database, messenger, monkeypatch, caplog):
    def explode(*args, **kwargs) -> RelayReport:
        raise RuntimeError("database went away")

    monkeypatch.setattr(runner, "relay_due", explode)

    with caplog.at_level(logging.ERROR, logger="scheduler.runner"):
        run_relay(database.sessionmaker, messenger, FrozenClock(datetime.now().astimezone()), None)

    assert "outbox relay tick failed" in caplog.text
    assert "database went away" in caplog.text


def test_a_sweep_runs_with_now_and_commits(database, session, ticket, clock):
    run_sweep("notes", note_sweep(ticket.id), database.sessionmaker, clock)

    session.expire_all()
    [event] = events_of(session, ticket.id)
    assert (event.kind, event.at) == (EventKind.NOTE, clock())


def test_a_failing_sweep_is_rolled_back_and_logged(database, session, ticket, clock, caplog):
    with caplog.at_level(logging.ERROR, logger="scheduler.runner"):
        run_sweep("broken", broken_sweep(ticket.id), database.sessionmaker, clock)

    assert "sweep broken failed" in caplog.text
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(TicketEvent)) == 0


def _wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def swept_count(factory: sessionmaker[Session]) -> int:
    """How many times the notes sweep has committed."""
    with factory() as s:
        return s.scalar(select(func.count()).where(TicketEvent.kind == EventKind.NOTE)) or 0


def test_a_running_scheduler_relays_and_sweeps(engine: Engine, wipe_database, clock):
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as s:
        ticket = Ticket(service_class="emergency")
        s.add(ticket)
        s.flush()
        s.add(
            OutboxMessage(
                dedupe_key="live-1",
                ticket_id=ticket.id,
                to_number="+13365550101",
                body="live page",
                next_attempt_at=clock(),
            )
        )
    messenger = RecordingMessenger()
    sweeps = [("notes", note_sweep(ticket.id), 1), ("broken", broken_sweep(ticket.id), 1)]
    scheduler = build_scheduler(
        factory, messenger, clock, status_callback_url=None, background=True, sweeps=sweeps
    )

    scheduler.start()
    try:
        assert _wait_for(lambda: len(messenger.sms) == 1)
        # A fresh session per look: on SQLite an open transaction would block the jobs.
        assert _wait_for(lambda: swept_count(factory) >= 2)
    finally:
        scheduler.shutdown(wait=True)

    assert [m["body"] for m in messenger.sms] == ["live page"]
    with factory() as s:
        lines = [(e.kind, e.message) for e in events_of(s, ticket.id)]
    assert EventKind.PAGE_SENT in [kind for kind, _ in lines]
    assert "half done" not in [message for _, message in lines]


@pytest.fixture(autouse=True)
def _quiet_apscheduler(caplog):
    # APScheduler logs every job run at INFO; keep failures readable.
    caplog.set_level(logging.WARNING, logger="apscheduler")
