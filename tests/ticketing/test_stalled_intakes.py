"""The sweep that finishes intakes whose last webhook never arrived: no emergency waits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ticketing.calls.intake import complete_stalled_intakes
from ticketing.models import OutboxMessage, Ticket


def test_stalled_emergency_intake_is_paged_by_the_sweep(phone, session, directory, clock) -> None:
    phone("+13365550123").ring()  # ... and then nothing: no status callback arrives
    assert complete_stalled_intakes(session, clock()) == 0  # too early to call it lost
    clock.advance(timedelta(minutes=11))
    assert complete_stalled_intakes(session, clock()) == 1
    session.commit()
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.intake_completed_at == clock()
    assert len(session.scalars(select(OutboxMessage)).all()) == 1
    assert complete_stalled_intakes(session, clock()) == 0  # idempotent


def test_finished_intakes_are_left_alone(phone, session, directory, clock) -> None:
    call = phone("+13365550123")
    call.ring()
    call.post("/twilio/voice/callback/confirm", Digits="1")
    clock.advance(timedelta(hours=1))
    assert complete_stalled_intakes(session, clock()) == 0
    assert len(session.scalars(select(OutboxMessage)).all()) == 1
