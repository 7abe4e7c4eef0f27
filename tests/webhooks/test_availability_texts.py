"""Technicians say by text whether help-desk callers may ring them: AVAIL and AWAY, in any
case, each answered with a confirmation."""

from __future__ import annotations

from tests.support.people import DANA
from tests.support.replies import reply_of, text
from tests.support.rows import fresh
from ticketing.models import Availability


def test_avail_and_away_set_the_availability_and_confirm(twilio, session, directory) -> None:
    dana = directory["dana"]
    assert reply_of(text(twilio, DANA, "avail")).startswith("You are available")
    assert fresh(session, dana).availability == Availability.AVAILABLE
    assert "already available" in reply_of(text(twilio, DANA, "Available"))
    assert reply_of(text(twilio, DANA, "AWAY")).startswith("You are away")
    assert fresh(session, dana).availability == Availability.AWAY


def test_a_repeated_text_is_answered_once(twilio, session, directory, clock) -> None:
    first = text(twilio, DANA, "AVAIL", sid="SM" + "4" * 32)
    since = fresh(session, directory["dana"]).availability_since
    again = text(twilio, DANA, "AVAIL", sid="SM" + "4" * 32)
    assert reply_of(first).startswith("You are available")
    assert reply_of(again) == reply_of(first)  # Twilio's retry gets the stored answer
    assert fresh(session, directory["dana"]).availability_since == since
