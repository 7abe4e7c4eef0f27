"""After-hours calls: the emergency path, step by step, as the caller and Twilio live it."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.support.moments import local
from tests.support.twilio import said, twiml
from ticketing.models import Call, OutboxMessage, Ticket


def _ticket(session) -> Ticket:
    return session.scalars(select(Ticket)).one()


def _pages(session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _kinds(ticket: Ticket) -> list[str]:
    return [event.kind for event in ticket.events]


def test_saturday_night_call_from_known_client_pages_on_call(phone, session, directory) -> None:
    call = phone("+13365550123")
    greeting = call.ring()
    heard = said(greeting)
    assert "Accelerando emergency service, Blue Ridge Bakery" in heard
    assert "Emergency rates apply" in heard
    assert "Master Services Agreement" not in heard  # the bakery has one
    record = twiml(greeting).find("Record")
    assert record is not None and record.get("action") == "/twilio/voice/recorded"
    assert int(record.get("maxLength")) <= 120
    assert record.get("transcribe") == "true"

    confirm = call.record(seconds=21)
    assert "3 3 6, 5 5 5, 0 1 2 3" in said(confirm)
    assert _pages(session) == []  # not paged before the intake ends

    goodbye = call.post("/twilio/voice/callback/confirm", Digits="1")
    ticket = _ticket(session)
    number = " ".join(str(ticket.number))
    assert f"Your ticket number is {number}" in said(goodbye)
    assert "being paged" in said(goodbye)
    assert twiml(goodbye).find("Hangup") is not None

    assert ticket.service_class == "emergency"
    assert ticket.classification_reason == "weekend"
    assert ticket.client.name == "Blue Ridge Bakery"
    assert ticket.contact.name == "Jane Doe"
    assert ticket.callback_number == "+13365550123"
    assert ticket.recording_duration == 21
    assert not ticket.payment_contact
    [page] = _pages(session)
    assert page.to_number == "+13365550101"  # Dana, on call
    assert page.status == "pending" and page.channel == "sms"
    assert f"#{ticket.number}" in page.body and "Blue Ridge Bakery" in page.body
    assert "(336) 555-0123" in page.body
    assert _kinds(ticket) == [
        "call_received",
        "classified",
        "caller_identified",
        "recording",
        "callback",
        "intake_complete",
        "paged",
    ]


def test_holiday_reason_is_named(phone, session, directory, clock) -> None:
    clock.set(local("2026-12-24 14:00"))  # a Thursday afternoon, but Christmas Eve
    phone("+13365550123").ring()
    assert _ticket(session).classification_reason == "holiday: Christmas Eve"


def test_client_without_msa_is_told_billing_will_call(phone, session, directory) -> None:
    call = phone("+13365550167")  # Maria, Yadkin Valley Diner: no MSA
    heard = said(call.ring())
    assert "do not have a Master Services Agreement" in heard
    assert "billing team will contact you for payment" in heard
    call.record()
    call.post("/twilio/voice/callback/confirm", Digits="1")
    ticket = _ticket(session)
    assert ticket.payment_contact
    assert "payment_contact" in _kinds(ticket)
    assert "No MSA" in _pages(session)[0].body


def test_transcription_becomes_the_description(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    call.record(sid="RE77")
    call.post(
        "/twilio/voice/transcription",
        TranscriptionSid="TR1",
        TranscriptionText="The card reader at register two says offline.",
        TranscriptionStatus="completed",
        RecordingSid="RE77",
    )
    assert _ticket(session).description == "The card reader at register two says offline."


def test_failed_transcription_keeps_the_recording(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    call.record(sid="RE78")
    call.post("/twilio/voice/transcription", TranscriptionStatus="failed", TranscriptionText="")
    ticket = _ticket(session)
    assert ticket.description is None
    assert ticket.recording_sid == "RE78"
    assert "could not be transcribed" in ticket.events[-1].message


def test_description_is_in_the_page_when_known_before_paging(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    call.record()
    call.post(
        "/twilio/voice/transcription",
        TranscriptionText="Point of sale is down \u2014 can\u2019t take cards",
        TranscriptionStatus="completed",
    )
    call.post("/twilio/voice/callback/confirm", Digits="1")
    body = _pages(session)[0].body
    assert "Point of sale is down - can't take cards" in body  # GSM-7, no smart quotes


def test_empty_recording_still_ends_in_a_paged_ticket(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    # Twilio posts no Record action for an empty recording; it follows the <Redirect>.
    answer = call.post("/twilio/voice/no-recording")
    assert "did not hear a message" in said(answer)
    call.post("/twilio/voice/callback/confirm", Digits="")  # no key: keep the caller ID
    ticket = _ticket(session)
    assert ticket.recording_url is None
    assert "No message was left" in _pages(session)[0].body
    assert ticket.callback_number == "+13365550123"


def test_hang_up_during_recording_pages_at_once(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    call.base["CallStatus"] = "completed"  # Twilio posts the Record action after a hang-up
    call.record(seconds=9)
    ticket = _ticket(session)
    assert ticket.intake_completed_at is not None
    assert len(_pages(session)) == 1
    assert "hung up" in next(e.message for e in ticket.events if e.kind == "intake_complete")


def test_hang_up_at_the_greeting_still_pages(phone, twilio, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    status = twilio(
        "/twilio/voice/status",
        {**call.base, "CallStatus": "completed", "CallDuration": "4", "SequenceNumber": "3"},
    )
    assert status.status_code == 204
    ticket = _ticket(session)
    assert ticket.intake_completed_at is not None
    assert ticket.callback_number == "+13365550123"
    assert len(_pages(session)) == 1
    assert session.get(Call, call.base["CallSid"]).status == "completed"


def test_no_key_pressed_anywhere_still_ends_in_a_ticket(phone, session, directory) -> None:
    """Silence at every prompt: Twilio follows the Redirects; the caller still hears a number."""
    call = phone("+13365550123")
    call.ring()
    call.post("/twilio/voice/no-recording")
    goodbye = call.post("/twilio/voice/callback/confirm")  # the Redirect after the Gather
    assert "Your ticket number is" in said(goodbye)
    assert len(_pages(session)) == 1


def test_caller_gives_another_callback_number(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    call.record()
    ask = call.post("/twilio/voice/callback/confirm", Digits="2")
    gather = twiml(ask).find("Gather")
    assert gather.get("action") == "/twilio/voice/callback/number/1"
    done = call.post("/twilio/voice/callback/number/1", Digits="9195550142")
    assert "9 1 9, 5 5 5, 0 1 4 2" in said(done)
    assert _ticket(session).callback_number == "+19195550142"
    assert "(919) 555-0142" in _pages(session)[0].body


def test_a_number_keyed_at_the_confirmation_is_taken_whole(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    confirm = twiml(call.record()).find("Gather")
    # Twilio cuts a gather at numDigits: one digit would turn 919... into a "confirm".
    assert confirm.get("numDigits") is None and confirm.get("finishOnKey") == "#"
    done = call.post("/twilio/voice/callback/confirm", Digits="9195550142#")
    assert "9 1 9, 5 5 5, 0 1 4 2" in said(done)
    assert _ticket(session).callback_number == "+19195550142"


def test_a_number_keyed_at_the_confirmation_starting_with_2_is_a_number(
    phone, session, directory
) -> None:
    call = phone("+13365550123")
    call.ring()
    call.record()
    call.post("/twilio/voice/callback/confirm", Digits="2525550142")
    assert _ticket(session).callback_number == "+12525550142"


def test_a_bad_number_keyed_at_the_confirmation_is_asked_again(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    call.record()
    retry = call.post("/twilio/voice/callback/confirm", Digits="5550142")
    assert "did not look like a phone number" in said(retry)
    assert twiml(retry).find("Gather").get("action") == "/twilio/voice/callback/number/2"


def test_bad_callback_number_twice_falls_back_to_caller_id(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    call.record()
    call.post("/twilio/voice/callback/confirm", Digits="2")
    retry = call.post("/twilio/voice/callback/number/1", Digits="123")
    assert "did not look like a phone number" in said(retry)
    assert twiml(retry).find("Gather").get("action") == "/twilio/voice/callback/number/2"
    done = call.post("/twilio/voice/callback/number/2", Digits="")
    assert "Your ticket number is" in said(done)
    assert _ticket(session).callback_number == "+13365550123"


def test_only_one_ticket_for_the_whole_call(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    call.record()
    call.post("/twilio/voice/callback/confirm", Digits="1")
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_nobody_on_call_pages_every_technician(phone, session, directory, clock) -> None:
    from ticketing.oncall.models import OnCallOverride

    for override in session.scalars(select(OnCallOverride)):
        override.ends_at = clock()
    session.commit()
    call = phone("+13365550123")
    call.ring()
    call.post("/twilio/voice/callback/confirm", Digits="1")
    everyone = {"+13365550101", "+13365550102", "+13365550103"}
    assert {p.to_number for p in _pages(session)} == everyone
    messages = [event.message for event in _ticket(session).events]
    assert "Nobody is on call as primary: paging every technician." in messages


def test_transcription_after_the_page_is_texted_as_a_follow_up(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    call.record(sid="RE90")
    call.post("/twilio/voice/callback/confirm", Digits="1")
    transcription = {
        "TranscriptionText": "Both registers are frozen on the login screen.",
        "TranscriptionStatus": "completed",
        "RecordingSid": "RE90",
    }
    call.post("/twilio/voice/transcription", **transcription)
    call.post("/twilio/voice/transcription", **transcription)  # a retry sends nothing more
    first, follow_up = _pages(session)
    assert "Message: https://" in first.body
    assert follow_up.to_number == first.to_number
    assert "caller said" in follow_up.body
    assert "Both registers are frozen on the login screen." in follow_up.body
