"""A help desk that routes itself: a waiting caller is offered at once to an available
technician, whose phone rings with a whisper; 1 bridges them, 2 or no answer offers the
caller to the next; a caller may hang up keeping their place and is called back when their
turn comes, the technician rung first. Every webhook's retry changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.twilio import said, twiml
from ticketing.calls.models import Offer, OfferState, QueueEntry, QueueOutcome
from ticketing.calls.offers import offer_waiting_callers
from ticketing.models import Availability, OutboxMessage, TicketEvent
from ticketing.people.availability import make_available

JANE, MARIA = "+13365550123", "+13365550167"
WAIT, KEY, DONE = "/twilio/voice/queue/wait", "/twilio/voice/queue/key", "/twilio/voice/queue/done"
TECH_LEG = "CA" + "7" * 32

pytestmark = pytest.mark.usefixtures("tuesday_morning")


def queued(phone, number: str = JANE):
    """A caller who chose the help desk and whose wait music has started."""
    call = phone(number)
    call.ring()
    call.post("/twilio/voice/menu/1", Digits="2")
    call.post(WAIT, QueuePosition="1", QueueTime="0", QueueSid="QU" + "1" * 32)
    return call


def available(session, clock, *techs) -> None:
    for n, tech in enumerate(techs):
        make_available(tech, now=clock() - timedelta(minutes=10 - n))
    session.commit()


def offers(session) -> list[Offer]:
    session.expire_all()
    return list(session.scalars(select(Offer).order_by(Offer.id)))


def tech_leg(twilio, offer: Offer, suffix: str = "", **extra: str):
    """Twilio posting on the technician's leg of the offer call."""
    params = {"CallSid": TECH_LEG + str(offer.id), "Direction": "outbound-api"} | extra
    return twilio(f"/twilio/voice/helpdesk/offer/{offer.id}{suffix}", params)


def answer_offer(twilio, offer: Offer, digits: str):
    tech_leg(twilio, offer, AnsweredBy="human")
    return tech_leg(twilio, offer, "/key", Digits=digits)


def connect(call, tech_id: int):
    """Twilio runs the Queue url on the dequeued caller's leg."""
    return call.post(f"/twilio/voice/helpdesk/connect/{tech_id}/0", QueueTime="30")


def timeline(session, ticket_id: int) -> list[str]:
    stmt = select(TicketEvent.message).where(TicketEvent.ticket_id == ticket_id)
    return list(session.scalars(stmt.order_by(TicketEvent.id)))


def test_a_waiting_caller_is_offered_at_once_to_the_available_technician(
    phone, twilio, session, directory, clock
) -> None:
    dana = directory["dana"]
    available(session, clock, dana)
    call = queued(phone)
    [offer] = offers(session)
    row = session.get(OutboxMessage, offer.outbox_id)
    assert (offer.technician_id, offer.state) == (dana.id, OfferState.RINGING)
    assert (row.channel, row.kind, row.to_number) == ("call", "helpdesk", dana.phone)
    assert row.body == f"/twilio/voice/helpdesk/offer/{offer.id}"
    whisper = tech_leg(twilio, offer, AnsweredBy="human")
    ticket = offer.entry.ticket
    assert f"Help desk caller: Blue Ridge Bakery, ticket {' '.join(str(ticket.number))}" in said(
        whisper
    )
    assert "Press 1 to take the call, 2 to pass." in said(whisper)
    taken = tech_leg(twilio, offer, "/key", Digits="1")
    dial = twiml(taken).find("Dial")
    assert dial.find("Queue").text == "helpdesk"
    assert dial.get("action") == f"/twilio/voice/helpdesk/offer/{offer.id}/ended"
    session.expire_all()
    assert dana.availability == Availability.BUSY
    connect(call, dana.id)
    clock.advance(timedelta(minutes=12))
    call.post(DONE, QueueResult="bridged", QueueTime="30")
    session.expire_all()
    assert dana.availability == Availability.AVAILABLE
    lines = timeline(session, ticket.id)
    assert "Help-desk caller offered to Dana Whitfield ((336) 555-0101)." in lines
    assert "Dana Whitfield took the offer." in lines
    assert "Help-desk session with Dana Whitfield ended after 12 min." in lines


def test_pass_offers_the_caller_to_the_next_technician(
    phone, twilio, session, directory, clock
) -> None:
    dana, luis = directory["dana"], directory["luis"]
    available(session, clock, dana, luis)
    queued(phone)
    [first] = offers(session)
    assert first.technician_id == dana.id  # available longest
    passed = answer_offer(twilio, first, "2")
    assert "next technician" in said(passed)
    first, second = offers(session)
    assert first.state == OfferState.PASSED
    assert (second.technician_id, second.state) == (luis.id, OfferState.RINGING)
    # Dana is not offered the same caller again right away, even once Luis misses it.
    tech_leg(twilio, second, "/key")
    assert [o.state for o in offers(session)] == [OfferState.PASSED, OfferState.UNANSWERED]


def test_no_answer_moves_on_through_the_call_status(
    phone, twilio, session, directory, clock
) -> None:
    dana, luis = directory["dana"], directory["luis"]
    available(session, clock, dana, luis)
    queued(phone)
    [first] = offers(session)
    row = session.get(OutboxMessage, first.outbox_id)
    row.provider_sid = "CA" + "5" * 32
    session.commit()
    status = {"CallSid": row.provider_sid, "CallStatus": "no-answer"}
    twilio("/twilio/voice/page/status", status)
    twilio("/twilio/voice/page/status", status)  # Twilio's retry
    states = [(o.technician_id, o.state) for o in offers(session)]
    assert states == [(dana.id, OfferState.UNANSWERED), (luis.id, OfferState.RINGING)]


def test_voicemail_is_no_answer(phone, twilio, session, directory, clock) -> None:
    available(session, clock, directory["dana"])
    queued(phone)
    [offer] = offers(session)
    answer = tech_leg(twilio, offer, AnsweredBy="machine_start")
    assert twiml(answer).find("Hangup") is not None
    assert offers(session)[0].state == OfferState.UNANSWERED


def test_first_come_first_served_with_two_callers(phone, twilio, session, directory, clock) -> None:
    dana, luis = directory["dana"], directory["luis"]
    available(session, clock, dana, luis)
    first = queued(phone)
    clock.advance(timedelta(seconds=20))
    second = queued(phone, MARIA)
    # Twilio hands over the caller at the queue's front: only they are offered for now.
    [offer] = offers(session)
    assert offer.entry.call_sid == first.base["CallSid"] and offer.technician_id == dana.id
    answer_offer(twilio, offer, "1")
    connect(first, dana.id)
    offer_waiting_callers(session, clock())
    session.commit()
    latest = offers(session)[-1]
    assert latest.entry.call_sid == second.base["CallSid"] and latest.technician_id == luis.id


def test_a_caller_who_left_is_not_bridged(phone, twilio, session, directory, clock) -> None:
    available(session, clock, directory["dana"])
    call = queued(phone)
    [offer] = offers(session)
    call.post(DONE, QueueResult="hangup", QueueTime="40")
    answer = tech_leg(twilio, offer, AnsweredBy="human")
    assert "The caller has left." in said(answer)
    assert twiml(answer).find("Dial") is None
    assert offers(session)[0].state == OfferState.CALLER_LEFT


def test_one_offer_per_technician_at_a_time(phone, session, directory, clock) -> None:
    available(session, clock, directory["dana"])
    queued(phone)
    queued(phone, MARIA)
    offer_waiting_callers(session, clock())
    assert len(offers(session)) == 1


def test_a_callback_keeps_its_place_and_rings_the_technician_first(
    phone, twilio, session, directory, clock
) -> None:
    dana = directory["dana"]
    first = queued(phone)
    kept = first.post(KEY, Digits="1")
    assert "keep your place in line" in said(kept) and twiml(kept).find("Hangup") is not None
    assert twiml(first.post(DONE, QueueResult="hangup", QueueTime="60")).find("Record") is None
    first.post("/twilio/voice/status", CallStatus="completed", SequenceNumber="5")
    clock.advance(timedelta(minutes=1))
    queued(phone, MARIA)  # a later caller, still on the line
    available(session, clock, dana)
    [offer] = offer_waiting_callers(session, clock())
    session.commit()
    assert offer.entry.call_sid == first.base["CallSid"] and offer.entry.callback_number == JANE
    whisper = tech_leg(twilio, offer, AnsweredBy="human")
    assert "Help desk callback: Blue Ridge Bakery" in said(whisper)
    calling = tech_leg(twilio, offer, "/key", Digits="1")
    dial = twiml(calling).find("Dial")
    assert dial.find("Number").text == JANE and dial.get("callerId") == "+18888991911"
    session.expire_all()
    entry = session.get(QueueEntry, offer.entry_id)
    assert entry.outcome == QueueOutcome.ANSWERED and entry.technician_id == dana.id
    clock.advance(timedelta(minutes=9))
    tech_leg(twilio, offer, "/ended", DialCallStatus="completed", DialCallDuration="540")
    session.expire_all()
    assert dana.availability == Availability.AVAILABLE
    assert "Help-desk session with Dana Whitfield ended after 9 min." in timeline(
        session, entry.ticket_id
    )


def test_a_callback_nobody_answers_frees_the_technician(
    phone, twilio, session, directory, clock
) -> None:
    dana = directory["dana"]
    first = queued(phone)
    first.post(KEY, Digits="1")
    first.post(DONE, QueueResult="hangup", QueueTime="60")
    available(session, clock, dana)
    [offer] = offer_waiting_callers(session, clock())
    session.commit()
    answer_offer(twilio, offer, "1")
    missed = tech_leg(twilio, offer, "/ended", DialCallStatus="no-answer")
    assert "did not answer" in said(missed)
    session.expire_all()
    assert session.get(QueueEntry, offer.entry_id).outcome == QueueOutcome.CALLBACK_MISSED
    assert dana.availability == Availability.AVAILABLE


def test_retries_of_each_offer_webhook_change_nothing(
    phone, twilio, session, directory, clock
) -> None:
    dana = directory["dana"]
    available(session, clock, dana)
    call = queued(phone)
    [offer] = offers(session)
    for _ in range(2):
        whisper = tech_leg(twilio, offer, AnsweredBy="human")
        taken = tech_leg(twilio, offer, "/key", Digits="1")
    assert twiml(taken).find("Dial") is not None and "ticket" in said(whisper)
    connect(call, dana.id)
    clock.advance(timedelta(minutes=5))
    for _ in range(2):
        tech_leg(twilio, offer, "/ended", DialCallStatus="completed")
        call.post(DONE, QueueResult="bridged", QueueTime="30")
    lines = timeline(session, offer.entry.ticket_id)
    assert lines.count("Dana Whitfield took the offer.") == 1
    assert sum("session with Dana Whitfield ended" in line for line in lines) == 1
    assert len(offers(session)) == 1
