"""Live transfer: the caller holds while the on-call technician's phone rings; 1 takes the call."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.moments import local
from tests.support.outbox import outbox
from tests.support.twilio import said, twiml
from ticketing.models import Ticket


@pytest.fixture(autouse=True)
def transfer_on(app) -> None:
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(live_transfer=True)


def _ticket(session) -> Ticket:
    session.expire_all()  # the app committed in its own session since we last looked
    return session.scalars(select(Ticket)).one()


def _leg(call, directory) -> str:
    return f"/twilio/voice/transfer/{call.base['CallSid']}/{directory['dana'].id}"


def test_emergency_caller_holds_while_the_technician_is_rung(phone, session, directory) -> None:
    call = phone("+13365550123")
    answer = call.ring()
    heard = said(answer)
    assert "Emergency rates apply" in heard and "Please hold" in heard
    dial = twiml(answer).find("Dial")
    assert dial.get("timeout") == "20"
    assert dial.get("callerId") == "+18888991911"
    assert dial.get("action") == _leg(call, directory) + "/result"
    number = dial.find("Number")
    assert number.text == "+13365550101"
    assert number.get("url") == _leg(call, directory) + "/whisper"
    assert twiml(answer).find("Record") is None
    assert "Ringing Dana Whitfield" in _ticket(session).events[-1].message


def test_technician_presses_1_and_takes_the_call(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    leg = _leg(call, directory)
    technician_leg = {**call.base, "CallSid": "CA" + "9" * 32}
    whisper = call.twilio(leg + "/whisper", technician_leg)
    assert "Emergency call from Blue Ridge Bakery. Press 1 to accept." in said(whisper)
    assert twiml(whisper).find("Gather").get("action") == leg + "/accept"
    accepted = call.twilio(leg + "/accept", {**technician_leg, "Digits": "1"})
    assert twiml(accepted).find("Hangup") is None  # an answer without Hangup bridges the legs
    ticket = _ticket(session)
    assert ticket.status == "acknowledged"
    assert ticket.acknowledged_by.name == "Dana Whitfield"
    ended = call.post(leg + "/result", DialCallStatus="completed", DialCallDuration="240")
    assert "Thank you for calling" in said(ended)
    call.twilio("/twilio/voice/status", {**call.base, "CallStatus": "completed"})
    assert outbox(session, kind="page") == []  # nobody else is woken
    [notice] = outbox(session, kind="notice")
    assert "Dana Whitfield is working on your emergency" in notice.body
    assert _ticket(session).intake_completed_at is not None


def test_retried_accept_acknowledges_once(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    leg = _leg(call, directory)
    technician_leg = {**call.base, "CallSid": "CA" + "9" * 32, "Digits": "1"}
    call.twilio(leg + "/accept", technician_leg)
    call.twilio(leg + "/accept", technician_leg)
    acks = [e for e in _ticket(session).events if e.kind == "acknowledged"]
    assert len(acks) == 1
    assert len(outbox(session, kind="notice")) == 1


@pytest.mark.parametrize("key", ["", "2", "*"])
def test_technician_who_does_not_press_1_leaves_the_caller_to_a_message(
    phone, session, directory, key
) -> None:
    call = phone("+13365550123")
    call.ring()
    leg = _leg(call, directory)
    declined = call.twilio(
        leg + "/accept", {**call.base, "CallSid": "CA" + "8" * 32, "Digits": key}
    )
    assert twiml(declined).find("Hangup") is not None
    result = call.post(leg + "/result", DialCallStatus="completed")
    assert "could not take your call" in said(result)
    assert twiml(result).find("Record") is not None
    call.record()
    call.post("/twilio/voice/callback/confirm", Digits="1")
    assert _ticket(session).status == "open"
    assert [p.to_number for p in outbox(session, kind="page")] == ["+13365550101"]


def test_no_answer_takes_a_message_and_pages(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    result = call.post(_leg(call, directory) + "/result", DialCallStatus="no-answer")
    assert twiml(result).find("Record").get("action") == "/twilio/voice/recorded"
    call.record()
    call.post("/twilio/voice/callback/confirm", Digits="1")
    assert len(outbox(session, kind="page")) == 1
    assert "not taken (no-answer)" in " ".join(e.message for e in _ticket(session).events)


def test_business_hours_emergency_is_transferred_too(phone, session, directory, clock) -> None:
    clock.set(local("2026-12-08 10:15"))
    call = phone("+13365550123")
    call.ring()
    answer = call.post("/twilio/voice/menu/1", Digits="1")
    assert twiml(answer).find("Dial") is not None


def test_help_desk_choice_is_not_transferred(phone, session, directory, clock) -> None:
    clock.set(local("2026-12-08 10:15"))
    call = phone("+13365550123")
    call.ring()
    answer = call.post("/twilio/voice/menu/1", Digits="2")
    assert twiml(answer).find("Dial") is None


def test_switched_off_goes_straight_to_the_message(app, phone, directory) -> None:
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(live_transfer=False)
    answer = phone("+13365550123").ring()
    assert twiml(answer).find("Dial") is None
    assert twiml(answer).find("Record") is not None


def test_nobody_on_call_goes_straight_to_the_message(phone, session, directory, clock) -> None:
    from ticketing.oncall.models import OnCallOverride

    for override in session.scalars(select(OnCallOverride)):
        override.ends_at = clock()
    session.commit()
    answer = phone("+13365550123").ring()
    assert twiml(answer).find("Dial") is None


def test_whisper_for_another_technician_is_refused(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    wrong = f"/twilio/voice/transfer/{call.base['CallSid']}/{directory['luis'].id}"
    answer = call.twilio(wrong + "/accept", {**call.base, "Digits": "1"})
    assert twiml(answer).find("Hangup") is not None
    assert _ticket(session).status == "open"
