"""Testing a technician's phone: a test text answered OK, and a test voice page answered 1,
each count as a pass; the console shows when the phone last passed, and by which ways."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.logins import as_staff
from tests.support.people import DANA, LUIS
from tests.support.replies import text
from tests.support.twilio import said, twiml
from ticketing.models import OutboxMessage
from ticketing.paging.phone_tests import is_confirmation, start_test


def _test_dana(session, directory, clock) -> list[OutboxMessage]:
    owed = start_test(session, directory["dana"], now=clock())
    session.commit()
    return owed


def test_the_test_owes_a_text_and_a_voice_call(session, directory, clock) -> None:
    sms, call = _test_dana(session, directory, clock)
    assert sms.channel == "sms" and sms.to_number == DANA
    assert sms.body.startswith("TEST from Accelerando: reply OK")
    assert call.channel == "call" and call.to_number == DANA
    assert call.body == f"/twilio/voice/phone-test/{directory['dana'].id}"


@pytest.mark.parametrize("body", ["OK", "ok!", " Okay 👍", "YES", "1", "k."])
def test_a_tolerant_ok_passes_the_text_way(twilio, session, directory, clock, body) -> None:
    _test_dana(session, directory, clock)
    answer = twiml(text(twilio, DANA, body))
    assert "passed the test" in "".join(m.text or "" for m in answer.iter("Message"))
    session.refresh(directory["dana"])
    assert directory["dana"].phone_verified_by == "sms"
    assert directory["dana"].phone_verified_at == clock()


def test_ok_without_a_test_is_no_pass(twilio, session, directory, clock) -> None:
    text(twilio, LUIS, "OK")
    session.refresh(directory["luis"])
    assert directory["luis"].phone_verified_at is None


def test_an_answer_after_a_day_is_no_pass(twilio, session, directory, clock) -> None:
    _test_dana(session, directory, clock)
    clock.advance(timedelta(hours=25))
    text(twilio, DANA, "OK")
    session.refresh(directory["dana"])
    assert directory["dana"].phone_verified_at is None


def test_pressing_1_on_the_test_call_passes_the_voice_way(
    twilio, session, directory, clock
) -> None:
    _test_dana(session, directory, clock)
    path = f"/twilio/voice/phone-test/{directory['dana'].id}"
    call = {"CallSid": "CA" + "4" * 32, "AnsweredBy": "human", "CallStatus": "in-progress"}
    greeting = twilio(path, call)
    assert "This is a test page from Accelerando" in said(greeting)
    assert twiml(greeting).find("Gather").get("action") == path + "/key"
    wrong = twilio(path + "/key", {**call, "Digits": "4"})
    assert "did not confirm" in said(wrong)
    assert "passed the test" in said(twilio(path + "/key", {**call, "Digits": "1"}))
    text(twilio, DANA, "ok")
    session.refresh(directory["dana"])
    assert directory["dana"].phone_verified_by == "sms,voice"


def test_a_voicemail_does_not_pass(twilio, session, directory, clock) -> None:
    _test_dana(session, directory, clock)
    path = f"/twilio/voice/phone-test/{directory['dana'].id}"
    answer = twilio(path, {"CallSid": "CA" + "4" * 32, "AnsweredBy": "machine_end_beep"})
    assert "did not pass" in said(answer)
    assert twiml(answer).find("Gather") is None


def test_the_console_shows_when_each_phone_last_passed(
    client, twilio, session, directory, clock
) -> None:
    _test_dana(session, directory, clock)
    text(twilio, DANA, "OK")
    as_staff(client, session)
    page = client.get("/console/technicians").get_data(as_text=True)
    dana_row = page.split('id="technician-{}"'.format(directory["dana"].id))[1].split("</tr>")[0]
    luis_row = page.split('id="technician-{}"'.format(directory["luis"].id))[1].split("</tr>")[0]
    assert "phone last passed: " in dana_row and "never" not in dana_row
    assert "(SMS)" in dana_row
    assert "phone last passed: never" in luis_row


def test_confirmations_are_whole_words_only() -> None:
    assert is_confirmation("OK") and is_confirmation("yes!")
    assert not is_confirmation("ok 1042") and not is_confirmation("ACK")
