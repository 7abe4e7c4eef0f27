"""A technician asks for the next help-desk caller (`intake helpdesk next`, the board): the
first in line, even one waiting to be called back, who is not in Twilio's queue; the
technician's phone rings with the whisper first, and 1 calls the caller back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.queue_calls import queued
from tests.support.twilio import said, twiml
from ticketing.calls.models import Offer, OfferState, QueueEntry, QueueOutcome
from ticketing.calls.next_caller import take_next
from ticketing.calls.offers import offer_waiting_callers
from ticketing.errors import DomainError
from ticketing.models import OutboxMessage
from ticketing.people.availability import make_available

JANE, MARIA = "+13365550123", "+13365550167"
KEY, DONE = "/twilio/voice/queue/key", "/twilio/voice/queue/done"

pytestmark = pytest.mark.usefixtures("tuesday_morning")


def called_back_later(phone, number: str = JANE):
    """A caller who pressed 1 while waiting: hung up, keeping their place in line."""
    call = queued(phone, number)
    call.post(KEY, Digits="1")
    call.post(DONE, QueueResult="hangup", QueueTime="60")
    call.post("/twilio/voice/status", CallStatus="completed", SequenceNumber="5")
    return call


def tech_leg(twilio, offer: Offer, suffix: str = "", **extra: str):
    """Twilio posting on the technician's leg of the offer call."""
    params = {"CallSid": "CA" + "8" * 30 + f"{offer.id:02d}", "Direction": "outbound-api"}
    return twilio(f"/twilio/voice/helpdesk/offer/{offer.id}{suffix}", params | extra)


def test_only_a_callback_waiting_rings_the_technician_then_the_caller(
    phone, twilio, session, directory, clock
) -> None:
    dana = directory["dana"]  # away: asked for by name, not offered automatically
    called_back_later(phone)
    taken = take_next(session, "Dana Whitfield", now=clock())
    session.commit()
    assert taken.callback is not None and taken.row is not None
    offer = session.scalars(select(Offer)).one()
    assert (offer.technician_id, offer.state) == (dana.id, OfferState.RINGING)
    assert taken.row.body == f"/twilio/voice/helpdesk/offer/{offer.id}"
    whisper = tech_leg(twilio, offer, AnsweredBy="human")
    assert "Help desk callback: Blue Ridge Bakery" in said(whisper)
    dial = twiml(tech_leg(twilio, offer, "/key", Digits="1")).find("Dial")
    assert dial.find("Number").text == JANE and dial.find("Queue") is None
    session.expire_all()
    assert session.get(QueueEntry, offer.entry_id).outcome == QueueOutcome.ANSWERED


def test_a_callback_already_offered_leaves_the_caller_on_hold_next(
    phone, session, directory, clock
) -> None:
    called_back_later(phone)
    make_available(directory["luis"], now=clock())
    [offer] = offer_waiting_callers(session, clock())  # Luis's phone rings for the callback
    clock.advance(timedelta(minutes=1))
    queued(phone, MARIA)
    taken = take_next(session, "Dana Whitfield", now=clock())
    assert taken.callback is None and taken.row is not None
    assert taken.row.body == f"/twilio/voice/helpdesk/bridge/{directory['dana'].id}"
    assert session.scalars(select(Offer)).all() == [offer]


def test_every_callback_already_offered_is_refused(phone, session, directory, clock) -> None:
    called_back_later(phone)
    make_available(directory["luis"], now=clock())
    offer_waiting_callers(session, clock())
    owed = len(session.scalars(select(OutboxMessage)).all())
    with pytest.raises(DomainError, match="already being offered"):
        take_next(session, "Dana Whitfield", now=clock())
    assert len(session.scalars(select(OutboxMessage)).all()) == owed


def test_a_bridge_answered_with_only_callbacks_waiting_dials_no_empty_queue(
    phone, twilio, directory
) -> None:
    called_back_later(phone)
    answered = twilio(
        f"/twilio/voice/helpdesk/bridge/{directory['dana'].id}",
        {"CallSid": "CA" + "9" * 32, "AnsweredBy": "human"},
    )
    assert "Nobody is waiting" in said(answered)
    assert twiml(answered).find("Dial") is None
