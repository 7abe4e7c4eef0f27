"""Another firm, other lines, other hours: every page, text, email and TwiML answer says the
configured ones and none of the defaults."""

from __future__ import annotations

import pytest

from intake.config import SANDBOX_ACCOUNT_SID, Settings, load_settings
from tests.support.emergencies import emergency
from tests.support.logins import as_client_user, as_staff
from tests.support.moments import local
from tests.support.outbox import outbox
from tests.support.people import DANA, JANE, MARIA
from tests.support.replies import reply_of, text, voice_page
from tests.support.twilio import said
from ticketing.oncall.roster import set_on_call

NAME = "Northwind Systems"
MAIN, LOCAL, SENDER = "+19195550100", "+19195550111", "+19195550122"
MAIN_WRITTEN, LOCAL_WRITTEN = "(919) 555-0100", "(919) 555-0111"
HOURS = "Monday to Friday, 7:30 AM to 6 PM"
# The defaults as they were once written into templates and texts.
OLD = ("Accelerando", "899-1911", "8991911", "8 AM to 5 PM")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Another firm: its name, main and local lines, sender and hours."""
    return settings.with_overrides(
        firm_name=NAME,
        twilio_voice_number=MAIN,
        support_lines=(LOCAL,),
        twilio_sms_from=SENDER,
        business_hours="Mon-Fri 07:30-18:00",
    )


def _none_of_the_old(words: str) -> None:
    assert not [old for old in OLD if old in words], words


def test_settings_read_the_firm_lines_and_hours(tmp_path) -> None:
    env = {
        "INTAKE_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "k" * 32,
        "TWILIO_AUTH_TOKEN": "a-real-auth-token",
        "FIRM_NAME": NAME,
        "TWILIO_VOICE_NUMBER": MAIN,
        "SUPPORT_LINES": f"(919) 555-0111, {MAIN}",
        "BUSINESS_HOURS": "Mon-Fri 07:30-18:00",
    }
    firm = load_settings(env).firm

    assert (firm.name, firm.support_lines, firm.hours) == (NAME, (MAIN, LOCAL), HOURS)
    assert firm.main_line_written == MAIN_WRITTEN


def test_public_portal_and_console_pages(client, app, session, directory) -> None:
    front = client.get("/").get_data(as_text=True)
    assert NAME in front and f'href="tel:{MAIN}"' in front and MAIN_WRITTEN in front
    assert LOCAL_WRITTEN in front and HOURS in front
    _none_of_the_old(front)

    as_client_user(client, session, directory["bakery"], email="ada@bakery.example")
    for path in ("/portal/", "/portal/agreements", "/portal/requests/new"):
        page = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert MAIN_WRITTEN in page, path
        _none_of_the_old(page)

    staff = app.test_client()
    as_staff(staff, session, email="sam@northwind.example")
    console = staff.get("/console/", follow_redirects=True).get_data(as_text=True)
    assert NAME in console and MAIN_WRITTEN in console
    _none_of_the_old(console)


def test_twiml_names_the_firm(phone, session, directory) -> None:
    call = phone(JANE)
    call.base["To"] = LOCAL
    greeting = said(call.ring())

    assert f"You have reached {NAME} emergency service" in greeting
    _none_of_the_old(greeting)


def test_a_caller_hears_the_business_hours_in_words(phone, clock, directory) -> None:
    clock.set(local("2026-12-08 10:15"))
    call = phone(JANE)
    call.ring()
    call.post("/twilio/voice/menu/1", Digits="3")
    call.record()
    goodbye = said(call.post("/twilio/voice/callback/confirm", Digits="1"))

    assert f"Our business hours are {HOURS}." in goodbye
    _none_of_the_old(goodbye)


def test_client_texts_and_emails(phone, twilio, session, directory) -> None:
    directory["maria"].email = "maria@diner.example"
    session.commit()
    acked, moved = emergency(phone, session), emergency(phone, session, MARIA)
    text(twilio, DANA, f"ACK {acked.number}")
    text(twilio, DANA, f"NE {moved.number} a printer")

    notices = outbox(session, kind="notice", channel="sms")
    assert len(notices) == 2 and all(row.body.startswith(f"{NAME}:") for row in notices)
    [mail] = outbox(session, channel="email")
    assert f"({HOURS})" in mail.body and f"call {MAIN_WRITTEN}" in mail.body
    assert mail.body.rstrip().endswith(NAME)
    for row in [*notices, mail]:
        _none_of_the_old(row.body)


def test_technician_texts_and_voice_pages(phone, twilio, session, directory, clock) -> None:
    stranger = reply_of(text(twilio, "+13365550177", "hello"))
    assert NAME in stranger and MAIN_WRITTEN in stranger
    _none_of_the_old(stranger)

    set_on_call(session, "Luis Romero", now=clock(), role="secondary")
    session.commit()
    page = voice_page(session, clock, emergency(phone, session), "CA" + "9" * 32)
    params = {
        "CallSid": "CA" + "9" * 32,
        "AccountSid": SANDBOX_ACCOUNT_SID,
        "From": SENDER,
        "To": DANA,
        "CallStatus": "in-progress",
        "Direction": "outbound-api",
        "AnsweredBy": "machine_start",
    }
    heard = said(twilio(f"/twilio/voice/page/{page.id}", params))
    assert heard.startswith(f"Emergency page from {NAME}")
    _none_of_the_old(heard)
