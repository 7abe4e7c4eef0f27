"""Pacing between pages and notices to one technician: an emergency page never waits
behind a notice (a hand-off text), while a notice still waits behind a page."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.db import Database
from scheduler.bundling import HOLD
from scheduler.relay import RelayReport, relay_due
from tests.support.fake_transport import RecordingMessenger
from tests.support.outbox import SMS_CALLBACK, TECH_PHONE, new_outbox, new_page
from tests.support.rows import fresh
from ticketing.models import OutboxMessage, Technician


def tick(database: Database, messenger: RecordingMessenger, now: datetime) -> RelayReport:
    """One relay tick."""
    return relay_due(database.sessionmaker, messenger, now, status_callback_url=SMS_CALLBACK)


def _handoff_notice(session: Session, due: datetime) -> OutboxMessage:
    """A hand-off text ("you are on call") to the technician at TECH_PHONE."""
    tech = session.scalar(select(Technician).where(Technician.phone == TECH_PHONE))
    if tech is None:
        tech = Technician(name="Dana Whitfield", phone=TECH_PHONE)
        session.add(tech)
        session.commit()
    return new_outbox(
        session,
        ticket_id=None,
        due=due,
        kind="notice",
        technician_id=tech.id,
        body="Firm: you are on call (primary). Pages come from this number.",
    )


def test_an_emergency_page_never_waits_behind_a_notice(database, session, messenger, now):
    _handoff_notice(session, now)
    tick(database, messenger, now)
    page = new_page(session, due=now + timedelta(seconds=5))

    tick(database, messenger, now + timedelta(seconds=5))

    assert [sms["body"] for sms in messenger.sms][1:] == [page.body]
    assert fresh(session, page).sent_at == now + timedelta(seconds=5)


def test_a_notice_still_waits_behind_a_page(database, session, messenger, now):
    new_page(session, due=now)
    tick(database, messenger, now)
    notice = _handoff_notice(session, now + timedelta(seconds=5))

    tick(database, messenger, now + timedelta(seconds=5))

    assert len(messenger.sms) == 1
    assert fresh(session, notice).next_attempt_at == now + HOLD
