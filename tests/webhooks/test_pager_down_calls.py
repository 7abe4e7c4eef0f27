"""When the scheduler has been silent for a minute, an emergency caller is never told the
technician is being paged: the call is forwarded, or the caller hears the truth; the
message is kept and the ticket says why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.heartbeats import scheduler_beat
from tests.support.twilio import said, twiml
from ticketing.models import OutboxMessage, Ticket

pytestmark = pytest.mark.scheduler_silent

FORWARD_TO = "+19195550199"


def _ticket(session) -> Ticket:
    return session.scalars(select(Ticket)).one()


def _finish_emergency_call(phone):
    call = phone("+13365550123")
    call.ring()
    call.record(seconds=21)
    return call.post("/twilio/voice/callback/confirm", Digits="1")


@pytest.fixture
def forwarding(app):
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(
        fallback_forward_number=FORWARD_TO
    )


def test_a_stale_heartbeat_forwards_the_caller(phone, session, directory, clock, forwarding):
    scheduler_beat(session, clock() - timedelta(seconds=61))

    goodbye = _finish_emergency_call(phone)

    heard = said(goodbye)
    assert "being paged" not in heard
    assert "could not page the technician automatically" in heard
    dial = twiml(goodbye).find("Dial")
    assert dial is not None and dial.text == FORWARD_TO
    ticket = _ticket(session)
    [line] = [e for e in ticket.events if e.kind == "pager_down"]
    assert line.audience == "staff"
    assert "last beat 61 s ago" in line.message and FORWARD_TO in line.message
    # The message is kept, and its page waits in the outbox for the scheduler.
    assert ticket.recording_duration == 21
    assert session.scalars(select(OutboxMessage)).first() is not None


def test_without_a_forward_number_the_caller_hears_the_truth(phone, session, directory):
    goodbye = _finish_emergency_call(phone)

    heard = said(goodbye)
    assert "being paged" not in heard
    assert "We could not page the technician automatically." in heard
    assert "Your message is kept and will be handled as soon as possible." in heard
    assert "call again in a few minutes" in heard
    assert twiml(goodbye).find("Dial") is None
    assert twiml(goodbye).find("Hangup") is not None
    [line] = [e for e in _ticket(session).events if e.kind == "pager_down"]
    assert "has never beaten" in line.message and "call again" in line.message


def test_a_fresh_heartbeat_promises_the_page(phone, session, directory, clock, forwarding):
    scheduler_beat(session, clock() - timedelta(seconds=10))

    goodbye = _finish_emergency_call(phone)

    assert "The on-call technician is being paged now" in said(goodbye)
    assert twiml(goodbye).find("Dial") is None
    assert not [e for e in _ticket(session).events if e.kind == "pager_down"]
