"""What a help-desk caller hears while waiting: their ticket number, place and an estimate
that counts the technicians on the help desk, hold music between rounds, and (without a
Master Services Agreement) that billing will contact them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from intake.config import DEFAULT_HOLD_MUSIC_URL, load_settings
from ivr.offers import take_caller
from ivr.phones import spoken_digits
from tests.support.queue_calls import queued, wait_at
from tests.support.twilio import said, twiml
from ticketing.calls.helpdesk import entry_for
from ticketing.people.availability import make_available, make_away, start_session

JANE, MARIA = "+13365550123", "+13365550167"
NO_MSA = "We do not have a Master Services Agreement on file for you"

pytestmark = pytest.mark.usefixtures("tuesday_morning")


def use_settings(app, **changes) -> None:
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(**changes)


def test_each_round_tells_the_ticket_number(phone, session, directory) -> None:
    call = queued(phone, JANE)
    number = entry_for(session, call.base["CallSid"]).ticket.number
    heard = said(wait_at(call, 2))
    assert f"Your ticket number is {spoken_digits(str(number))}." in heard
    assert heard.index("ticket number") < heard.index("You are number 2 in line")


def test_twilio_hold_music_plays_after_the_announcement(phone, session, directory, app) -> None:
    use_settings(app, hold_music_url=DEFAULT_HOLD_MUSIC_URL)
    root = twiml(wait_at(queued(phone, JANE), 1))
    assert [el.tag for el in root] == ["Gather", "Play"]
    assert root.find("Play").text == DEFAULT_HOLD_MUSIC_URL
    assert root.find("Pause") is None


def test_without_music_a_pause_makes_a_round_about_a_minute(phone, session, directory, app) -> None:
    use_settings(app, hold_music_url=None)
    root = twiml(wait_at(queued(phone, JANE), 1))
    assert [el.tag for el in root] == ["Gather", "Pause"]
    # The announcement and the 5 s keypad wait take the rest of the minute.
    assert root.find("Pause").get("length") == "40"


def test_hold_music_is_twilios_unless_set_or_none(tmp_path) -> None:
    env = {"INTAKE_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 32}
    env["TWILIO_AUTH_TOKEN"] = "a-real-auth-token"
    assert load_settings(env).hold_music_url == DEFAULT_HOLD_MUSIC_URL
    mine = "https://cdn.example.com/hold.mp3"
    assert load_settings(env | {"HOLD_MUSIC_URL": mine}).hold_music_url == mine
    assert load_settings(env | {"HOLD_MUSIC_URL": "none"}).hold_music_url is None


def test_a_caller_without_an_msa_hears_that_billing_will_contact_them(
    phone, session, directory
) -> None:
    call = phone(MARIA)  # Yadkin Valley Diner: no agreement on file
    call.ring()
    joined = said(call.post("/twilio/voice/menu/1", Digits="2"))
    notice = f"{NO_MSA}, so our billing team will contact you for payment."
    assert notice in joined
    assert joined.index("must take part") < joined.index(NO_MSA)


def test_a_caller_with_an_msa_hears_no_billing_notice(phone, session, directory) -> None:
    call = phone(JANE)  # Blue Ridge Bakery: agreement on file
    call.ring()
    assert NO_MSA not in said(call.post("/twilio/voice/menu/1", Digits="2"))


@pytest.mark.parametrize(
    ("working", "heard"),
    [
        ((), "about 30 minutes"),
        (("dana",), "about 20 minutes"),
        (("dana", "luis"), "about 10 minutes"),
        (("dana", "luis", "priya"), "about 10 minutes"),
    ],
)
def test_the_estimate_counts_the_technicians_on_the_help_desk(
    phone, session, directory, clock, working, heard
) -> None:
    for name in working:
        make_available(directory[name], now=clock())
    if len(working) > 1:
        start_session(directory[working[-1]], now=clock())  # busy in a session: still working
    session.flush()
    # Third in line, ten minutes a session (no history): one technician takes three sessions;
    # a free one is being rung for the first in line, so only the rest wait their turn.
    assert f"The expected wait is {heard}." in said(wait_at(queued(phone, JANE), 3))


def test_technicians_away_do_not_shorten_the_wait(phone, session, directory, clock) -> None:
    make_available(directory["dana"], now=clock())
    make_available(directory["luis"], now=clock())
    make_away(directory["luis"], now=clock())
    session.flush()
    # Dana alone is free: she takes the first in line, the second waits one session.
    assert "about 10 minutes" in said(wait_at(queued(phone, JANE), 2))


def test_a_capped_offer_tells_the_technician_why() -> None:
    def heard(capped: bool) -> str:
        root = ET.fromstring(str(take_caller(1, 2, capped=capped)))
        return " ".join(el.text or "" for el in root.iter("Say"))

    assert "This session is limited to 30 minutes because others are waiting." in heard(True)
    assert "limited" not in heard(False)
