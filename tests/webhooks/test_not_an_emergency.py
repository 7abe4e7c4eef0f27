"""A technician finds the call is not an emergency: help desk, paging stops, the client is
told once in the firm's words, and a caller still on the line is moved."""

from __future__ import annotations

from sqlalchemy import select

from tests.support.emergencies import emergency
from tests.support.moments import local
from tests.support.outbox import outbox
from tests.support.people import DANA, JANE
from tests.support.replies import text
from tests.support.twilio import said, twiml
from ticketing.models import Ticket
from ticketing.paging.escalation import escalation_of


def test_ne_reply_moves_the_ticket_and_tells_the_representative_once(
    phone, twilio, session, directory
) -> None:
    directory["jane"].email = "jane@blueridge.example"
    session.commit()
    ticket = emergency(phone, session)
    for _ in range(2):  # the same text, retried by Twilio with the same MessageSid
        text(twilio, DANA, f"NE {ticket.number} printer out of paper", sid="SM" + "7" * 32)
    session.expire_all()
    ticket = session.get(Ticket, ticket.id)
    assert ticket.service_class == "help_desk"
    assert ticket.classification_reason == "reclassified by Dana Whitfield: not an emergency"
    assert any("printer out of paper" in e.message for e in ticket.events)
    assert escalation_of(session, ticket.id).status == "cancelled"
    [sms] = outbox(session, kind="notice", channel="sms")
    assert sms.to_number == JANE
    assert "does not meet the definition of Emergency Services" in sms.body
    assert "help desk rates" in sms.body
    [mail] = outbox(session, channel="email")
    assert mail.to_address == "jane@blueridge.example"
    assert mail.subject == f"Ticket #{ticket.number} moved to the help desk"
    assert "printer out of paper" in mail.body and "Master Services Agreement" in mail.body
    assert [e.kind for e in ticket.events].count("reclassified") == 1


def test_ne_again_changes_nothing(phone, twilio, session, directory) -> None:
    ticket = emergency(phone, session)
    text(twilio, DANA, f"NE {ticket.number}")
    text(twilio, DANA, f"NE {ticket.number} still not")
    assert len(outbox(session, kind="notice", channel="sms")) == 1


def test_caller_still_on_the_line_is_redirected(phone, twilio, session, directory) -> None:
    call = phone(JANE)
    call.ring()
    call.record()
    call.post("/twilio/voice/callback/confirm", Digits="1")  # intake done, still connected
    ticket = session.scalars(select(Ticket)).one()
    text(twilio, DANA, f"ne {ticket.number}")
    [redirect] = outbox(session, channel="redirect")
    assert redirect.to_number == call.base["CallSid"]
    assert redirect.body == f"/twilio/voice/redirected/{ticket.id}"


def test_caller_who_hung_up_is_not_redirected(phone, twilio, session, directory) -> None:
    call = phone(JANE)
    call.ring()
    twilio("/twilio/voice/status", {**call.base, "CallStatus": "completed"})
    ticket = session.scalars(select(Ticket)).one()
    text(twilio, DANA, f"NE {ticket.number}")
    assert outbox(session, channel="redirect") == []


def test_redirected_call_after_hours_leaves_a_message(phone, session, directory) -> None:
    call = phone(JANE)
    call.ring()
    ticket = session.scalars(select(Ticket)).one()
    answer = call.post(f"/twilio/voice/redirected/{ticket.id}")
    assert "does not meet the definition of Emergency Services" in said(answer)
    assert "closed now" in said(answer)
    assert twiml(answer).find("Record") is not None


def test_redirected_call_in_business_hours_joins_the_help_desk(
    phone, session, directory, clock
) -> None:
    call = phone(JANE)
    call.ring()
    ticket = session.scalars(select(Ticket)).one()
    clock.set(local("2026-12-08 10:15"))
    answer = call.post(f"/twilio/voice/redirected/{ticket.id}")
    assert twiml(answer).find("Enqueue") is not None


def test_voice_page_key_3_reclassifies(phone, twilio, session, directory, clock) -> None:
    from datetime import timedelta

    from ticketing.paging.escalation import sweep_escalations

    ticket = emergency(phone, session)
    clock.advance(timedelta(minutes=5))  # the voice page step
    sweep_escalations(session, clock())
    session.commit()
    [ring] = outbox(session, channel="call")
    answer = twilio(
        f"/twilio/voice/page/{ring.id}/key", {"CallSid": "CA" + "3" * 32, "Digits": "3"}
    )
    assert "moved to the help desk" in said(answer)
    session.expire_all()
    assert session.get(Ticket, ticket.id).service_class == "help_desk"
