"""Business-hours calls: a menu; emergency only when the caller says so."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.moments import local
from tests.support.twilio import said, twiml
from ticketing.models import OutboxMessage, Ticket

pytestmark = pytest.mark.usefixtures("tuesday_morning")


def _ticket(session) -> Ticket:
    return session.scalars(select(Ticket)).one()


def test_menu_is_offered(phone, session, directory) -> None:
    answer = phone("+13365550123").ring()
    gather = twiml(answer).find("Gather")
    assert gather.get("action") == "/twilio/voice/menu/1"
    assert gather.get("numDigits") == "1"
    heard = said(answer)
    assert "emergency" in heard and "press 1" in heard
    assert "help desk, press 2" in heard and "press 3" in heard
    ticket = _ticket(session)
    assert ticket.service_class == "help_desk"
    assert ticket.classification_reason == "business hours"


def test_caller_says_emergency_and_is_paged(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    intake = call.post("/twilio/voice/menu/1", Digits="1")
    assert "Emergency rates apply" in said(intake)
    call.record()
    call.post("/twilio/voice/callback/confirm", Digits="1")
    ticket = _ticket(session)
    assert ticket.service_class == "emergency"
    assert "caller said it is an emergency" in ticket.classification_reason
    assert len(session.scalars(select(OutboxMessage)).all()) == 1


def test_help_desk_joins_the_queue(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    answer = call.post("/twilio/voice/menu/1", Digits="2")
    assert "representative of your organisation" in said(answer)
    assert twiml(answer).find("Enqueue").text == "helpdesk"
    assert _ticket(session).service_class == "help_desk"


def test_professional_services_take_a_message(phone, session, directory) -> None:
    service_class = "professional_service"
    call = phone("+13365550123")
    call.ring()
    intake = call.post("/twilio/voice/menu/1", Digits="3")
    assert "preferred technician" in said(intake)
    assert twiml(intake).find("Record") is not None
    call.record()
    goodbye = call.post("/twilio/voice/callback/confirm", Digits="1")
    assert "Your ticket number is" in said(goodbye)
    assert "paged" not in said(goodbye)
    ticket = _ticket(session)
    assert ticket.service_class == service_class
    assert ticket.intake_completed_at is not None
    assert session.scalars(select(OutboxMessage)).all() == []  # nobody woken for this


def test_invalid_key_repeats_the_menu_once_then_defaults_to_help_desk(
    phone, session, directory
) -> None:
    call = phone("+13365550123")
    call.ring()
    again = call.post("/twilio/voice/menu/1", Digits="9")
    assert "did not get that" in said(again)
    assert twiml(again).find("Gather").get("action") == "/twilio/voice/menu/2"
    fallback = call.post("/twilio/voice/menu/2")  # silence again
    assert "Help desk" in said(fallback)
    assert _ticket(session).service_class == "help_desk"


def test_boundary_17_00_is_emergency(phone, session, directory, clock) -> None:
    clock.set(local("2026-12-08 17:00"))
    answer = phone("+13365550123").ring()
    assert "emergency service" in said(answer)
    assert _ticket(session).classification_reason == "evening"


def test_boundary_08_00_is_business_hours(phone, session, directory, clock) -> None:
    clock.set(local("2026-12-08 08:00"))
    answer = phone("+13365550123").ring()
    assert twiml(answer).find("Gather").get("action") == "/twilio/voice/menu/1"


def test_closure_day_is_an_emergency(phone, session, directory, app) -> None:
    from datetime import date

    from ticketing.calendar.days import add_closure

    add_closure(session, date(2026, 12, 8), "Office move")
    session.commit()
    phone("+13365550123").ring()
    assert _ticket(session).classification_reason == "closure: Office move"


def test_help_desk_caller_without_msa_is_flagged(phone, session, directory) -> None:
    call = phone("+13365550167")
    call.ring()
    call.post("/twilio/voice/menu/1", Digits="2")
    call.post("/twilio/voice/queue/done", QueueResult="leave", QueueTime="30")
    call.post("/twilio/voice/no-recording")
    call.post("/twilio/voice/callback/confirm", Digits="1")
    assert _ticket(session).payment_contact
