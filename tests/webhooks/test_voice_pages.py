"""Voice pages: the escalation rings the technician; a person hears the ticket and presses
keys, a voicemail gets a short message and the escalation moves on at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from intake.config import SANDBOX_ACCOUNT_SID
from tests.support.emergencies import emergency
from tests.support.outbox import outbox
from tests.support.people import DANA, LUIS
from tests.support.replies import text, voice_page
from tests.support.twilio import said, twiml
from ticketing.models import Ticket
from ticketing.oncall.roster import set_on_call
from ticketing.paging.models import Escalation

CALL_SID = "CA" + "7" * 32


@pytest.fixture
def page(phone, session, directory, clock):
    """An emergency from the bakery, five minutes unacknowledged: Dana's phone is ringing."""
    set_on_call(session, "Luis Romero", now=clock(), role="secondary")
    session.commit()
    ticket = emergency(phone, session)
    return voice_page(session, clock, ticket, CALL_SID)


def _answer(twilio, page_id: int, answered_by: str = "human", **extra: str):
    params = {
        "CallSid": CALL_SID,
        "AccountSid": SANDBOX_ACCOUNT_SID,
        "From": "+18888991911",
        "To": DANA,
        "CallStatus": "in-progress",
        "Direction": "outbound-api",
        "AnsweredBy": answered_by,
        **extra,
    }
    return twilio(f"/twilio/voice/page/{page_id}", params)


def _press(twilio, page_id: int, digits: str):
    params = {"CallSid": CALL_SID, "To": DANA, "CallStatus": "in-progress", "Digits": digits}
    return twilio(f"/twilio/voice/page/{page_id}/key", params)


def _status(twilio, status: str, **extra: str):
    params = {"CallSid": CALL_SID, "CallStatus": status, "To": DANA, **extra}
    return twilio("/twilio/voice/page/status", params)


def _ticket(session) -> Ticket:
    session.expire_all()
    return session.scalars(select(Ticket)).one()


def _spoken(ticket: Ticket) -> str:
    return " ".join(str(ticket.number))


def _luis_pages(session) -> list[tuple[str, int]]:
    return [(p.channel, p.escalation_step) for p in outbox(session, to_number=LUIS)]


def test_a_person_hears_the_ticket_and_the_keys(twilio, session, page) -> None:
    answer = _answer(twilio, page.id)
    heard = said(answer)
    ticket = _ticket(session)
    assert f"Emergency ticket {_spoken(ticket)} from Blue Ridge Bakery." in heard
    assert "recorded message, sent to you by text" in heard  # no transcription yet
    assert "Call back number 3 3 6, 5 5 5, 0 1 2 3." in heard
    assert "Press 4 to acknowledge, 6 to resolve, 5 to escalate" in heard
    root = twiml(answer)
    gathers = root.findall("Gather")
    assert len(gathers) == 2  # no key: one repeat, then goodbye
    assert {g.get("action") for g in gathers} == {f"/twilio/voice/page/{page.id}/key"}
    assert {g.get("numDigits") for g in gathers} == {"1"}
    assert root[-1].tag == "Hangup"
    assert ticket.events[-1].message == "Dana Whitfield answered the voice page."


def test_the_callers_words_are_read_when_transcribed(twilio, session, page) -> None:
    ticket = _ticket(session)
    ticket.description = "Both registers are frozen."
    session.commit()
    assert "The caller said: Both registers are frozen." in said(_answer(twilio, page.id))


def test_key_4_acknowledges(twilio, session, page) -> None:
    _answer(twilio, page.id)
    heard = said(_press(twilio, page.id, "4"))
    ticket = _ticket(session)
    assert f"Ticket {_spoken(ticket)} is yours, and paging has stopped." in heard
    assert ticket.status == "acknowledged" and ticket.acknowledged_by.name == "Dana Whitfield"
    assert session.scalars(select(Escalation)).one().status == "acknowledged"
    ack = next(e for e in ticket.events if e.kind == "acknowledged")
    assert "(voice page)" in ack.message
    assert [p.kind for p in outbox(session, to_number="+13365550123")] == ["notice"]


def test_key_6_resolves(twilio, session, page) -> None:
    heard = said(_press(twilio, page.id, "6"))
    ticket = _ticket(session)
    assert "is resolved. Thank you." in heard
    assert ticket.status == "resolved"


def test_key_5_escalates_to_the_next_step_now(twilio, session, page) -> None:
    assert _luis_pages(session) == []
    heard = said(_press(twilio, page.id, "5"))
    assert "the next technician is being paged" in heard
    assert _luis_pages(session) == [("sms", 2), ("call", 2)]
    assert _ticket(session).status == "open"


def test_key_1_acknowledges_and_connects_to_the_caller(twilio, session, page) -> None:
    answer = _press(twilio, page.id, "1")
    assert "Connecting you to the caller at 3 3 6, 5 5 5, 0 1 2 3." in said(answer)
    dial = twiml(answer).find("Dial")
    assert dial.get("callerId") == "+18888991911"
    assert dial.text == "+13365550123"
    assert _ticket(session).acknowledged_by.name == "Dana Whitfield"


def test_key_1_without_a_callback_number_says_so(twilio, session, page) -> None:
    ticket = _ticket(session)
    ticket.callback_number = None
    session.commit()
    answer = _press(twilio, page.id, "1")
    assert "there is no call back number" in said(answer)
    assert twiml(answer).find("Dial") is None
    assert _ticket(session).status == "acknowledged"


def test_star_repeats_and_a_wrong_key_is_not_a_choice(twilio, session, page) -> None:
    assert "Emergency ticket" in said(_press(twilio, page.id, "*"))
    wrong = _press(twilio, page.id, "9")
    assert said(wrong).startswith("Sorry, that is not a choice. Press 4 to acknowledge")
    assert twiml(wrong).find("Gather").get("action") == f"/twilio/voice/page/{page.id}/key"
    assert _ticket(session).status == "open"


def test_taken_by_a_colleague_meanwhile(twilio, session, page) -> None:
    _answer(twilio, page.id)
    text(twilio, LUIS, f"ACK {_ticket(session).number}")
    heard = said(_press(twilio, page.id, "4"))
    assert "was already acknowledged by Luis Romero" in heard
    assert "already acknowledged by Luis Romero" in said(_answer(twilio, page.id, CallSid="CA2"))
    assert _ticket(session).acknowledged_by.name == "Luis Romero"


@pytest.mark.parametrize("machine", ["machine_start", "machine_end_beep", "fax"])
def test_voicemail_gets_a_message_and_the_escalation_moves_on(
    twilio, session, page, machine
) -> None:
    answer = _answer(twilio, page.id, machine)
    ticket = _ticket(session)
    assert said(answer) == (
        f"Emergency page from Accelerando, ticket {_spoken(ticket)}, Blue Ridge Bakery. "
        "Check your texts."
    )
    assert twiml(answer).find("Gather") is None and twiml(answer)[-1].tag == "Hangup"
    assert outbox(session, id=page.id)[0].delivery_status == "voicemail"
    assert ticket.status == "open"  # a voicemail is not an acknowledgement
    assert "reached voicemail" in " ".join(e.message for e in ticket.events)
    assert _luis_pages(session) == [("sms", 2), ("call", 2)]
    _status(twilio, "completed", AnsweredBy=machine)  # the call's end changes nothing more
    assert outbox(session, id=page.id)[0].delivery_status == "voicemail"
    assert len(_luis_pages(session)) == 2


@pytest.mark.parametrize("status", ["busy", "no-answer", "failed"])
def test_unanswered_page_moves_the_escalation_on(twilio, session, page, status) -> None:
    answer = _status(twilio, status)
    assert answer.status_code == 204
    assert outbox(session, id=page.id)[0].delivery_status == status
    assert _luis_pages(session) == [("sms", 2), ("call", 2)]


def test_completed_page_call_changes_nothing(twilio, session, page) -> None:
    before = len(outbox(session))
    assert _status(twilio, "completed", AnsweredBy="human").status_code == 204
    assert outbox(session, id=page.id)[0].delivery_status == "completed"
    assert len(outbox(session)) == before
    assert _ticket(session).status == "open"


def test_a_page_that_no_longer_exists(twilio, session, directory) -> None:
    heard = said(_answer(twilio, 987654))
    assert heard == "This page is no longer active. Goodbye."
    assert said(_press(twilio, 987654, "4")) == "This page is no longer active. Goodbye."


def test_an_sms_page_id_is_not_a_voice_page(twilio, session, phone, directory) -> None:
    emergency(phone, session)
    [sms] = outbox(session, channel="sms")
    assert said(_answer(twilio, sms.id)) == "This page is no longer active. Goodbye."


def test_unsigned_page_requests_are_refused(client, session, page) -> None:
    assert client.post(f"/twilio/voice/page/{page.id}", data={"Digits": "4"}).status_code == 403
    assert client.post(f"/twilio/voice/page/{page.id}/key", data={"Digits": "4"}).status_code == 403
    assert _ticket(session).status == "open"
