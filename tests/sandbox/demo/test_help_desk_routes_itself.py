"""In the demo, a help-desk caller is offered to the technician available for the help
desk without anyone running a command: the phone simulator rings them with the whisper,
1 bridges the caller, and hanging up makes them available again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from tests.support.phone_simulator import (
    caller_words,
    press,
    ringing,
    start,
    technician,
    technician_words,
)
from tests.support.sandbox import Night
from ticketing.calls.models import QueueEntry, QueueOutcome
from ticketing.models import Availability, Technician, Ticket

MONDAY_MORNING = "2026-12-07T10:00"


def _fresh(session: Session, model: type, ident: int) -> Any:
    return session.get(model, ident, populate_existing=True)


def test_a_help_desk_caller_is_offered_taken_and_finished(
    staff: FlaskClient, night: Night, clock: FrozenClock, session: Session, directory: Any
) -> None:
    tech: Technician = directory["help_desk"]
    assert tech.availability == Availability.AVAILABLE  # seeded so, nobody said AVAIL
    page = start(staff, at=MONDAY_MORNING)
    page = press(staff, page, action="keys", key="2")  # the help desk
    assert 'id="phone-queue"' in page.text
    entry = session.scalars(select(QueueEntry)).one()
    ticket = _fresh(session, Ticket, entry.ticket_id)

    night.tick()  # the offer sweep owes the call, the relay places it
    page = staff.get(page.request.path)
    [offer_call] = ringing(page)
    assert [call.sid for call in night.calls_to(tech.phone)] == [offer_call]
    page = technician(staff, page, offer_call, "answer")
    number = " ".join(str(ticket.number))
    whisper = f"Help desk caller: Blue Ridge Bakery, ticket {number}. Press 1 to take the call"
    assert whisper in technician_words(page)

    clock.advance(timedelta(minutes=1))
    page = technician(staff, page, offer_call, "keys", key="1")
    assert "Connecting you to the caller." in technician_words(page)
    assert "You are now connected to a technician." in caller_words(page)
    assert 'id="phone-bridged"' in page.text
    entry = _fresh(session, QueueEntry, entry.id)
    assert entry.outcome == QueueOutcome.ANSWERED and entry.technician_id == tech.id
    assert _fresh(session, Technician, tech.id).availability == Availability.BUSY

    clock.advance(timedelta(minutes=7))
    page = technician(staff, page, offer_call, "hangup")
    assert 'id="phone-ended"' in page.text
    assert _fresh(session, Technician, tech.id).availability == Availability.AVAILABLE
    entry = _fresh(session, QueueEntry, entry.id)
    assert entry.session_ended_at is not None
    texts = [event.message for event in _fresh(session, Ticket, ticket.id).events]
    assert f"Help-desk session with {tech.name} ended after 7 min." in texts
