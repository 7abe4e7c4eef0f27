"""Both numbers answer: a call or text to a further support line (SUPPORT_LINES) gets what
the main line gets."""

from __future__ import annotations

import pytest

from intake.config import Settings
from tests.support.people import DANA, JANE
from tests.support.replies import reply_of, text
from tests.support.twilio import said, twiml
from ticketing.models import Ticket

MAIN = "+19195550100"
LOCAL = "+13365550199"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A main line and a local line, both ours."""
    return settings.with_overrides(twilio_voice_number=MAIN, support_lines=(LOCAL,))


def _to(call, number: str):
    call.base["To"] = call.base["Called"] = number
    return call


@pytest.mark.usefixtures("tuesday_morning")
def test_the_local_line_offers_the_same_menu_as_the_main_line(phone, directory) -> None:
    main = _to(phone(JANE), MAIN).ring()
    local = _to(phone(JANE), LOCAL).ring()

    assert said(local) == said(main)
    assert "Blue Ridge Bakery" in said(local) and "help desk, press 2" in said(local)
    assert twiml(local).find("Gather").get("action") == "/twilio/voice/menu/1"


def test_an_after_hours_call_to_the_local_line_is_an_emergency(phone, session, directory) -> None:
    call = _to(phone(JANE), LOCAL)
    heard = said(call.ring())
    call.record()
    call.post("/twilio/voice/callback/confirm", Digits="1")

    assert "emergency service" in heard
    session.expire_all()
    ticket = session.query(Ticket).one()
    assert ticket.service_class == "emergency"


def test_a_technician_text_to_the_local_line_is_handled(phone, twilio, session, directory):
    call = _to(phone(JANE), LOCAL)
    call.ring()
    call.record()
    call.post("/twilio/voice/callback/confirm", Digits="1")
    session.expire_all()
    ticket = session.query(Ticket).one()

    answer = text(twilio, DANA, "ack", To=LOCAL)

    assert reply_of(answer).startswith(f"ACK #{ticket.number}")
