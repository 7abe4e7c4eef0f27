"""Keyed callback numbers: only domestic, non-premium NANP numbers are stored and paged."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ivr.phones import callback_e164
from tests.support.twilio import said, twiml
from ticketing.models import OutboxMessage, Ticket, TicketEvent

REFUSED = {
    "9005550142": "900",  # premium-rate area code
    "19005550142": "900",
    "2129760142": "976",  # premium exchange inside an ordinary area code
    "9765550142": "976",
    "3364110142": "411",  # N11 service code as the exchange
    "4115550142": "411",  # N11 service code as the area code
    "911": "911",
    "5005550142": "500",  # personal number: the caller's carrier sets the rate
    "8765550142": "876",  # Jamaica: +1 but billed as international
    "8095550142": "809",
    "011447911123456": "7911",  # dialled abroad with the international prefix
}


def _ticket(session) -> Ticket:
    return session.scalars(select(Ticket)).one()


def _keyed_twice(phone, number: str):
    call = phone("anonymous")
    call.ring()
    call.post("/twilio/voice/account/1", Digits="")
    call.post("/twilio/voice/account/2", Digits="")
    call.record()
    first = call.post("/twilio/voice/callback/number/1", Digits=number + "#")
    second = call.post("/twilio/voice/callback/number/2", Digits=number)
    return first, second


@pytest.mark.parametrize("number", sorted(REFUSED))
def test_refused_callback_number_is_reprompted_and_never_stored(
    phone, session, directory, number
) -> None:
    first, done = _keyed_twice(phone, number)
    assert "did not look like a phone number" in said(first)
    assert twiml(first).find("Gather").get("action") == "/twilio/voice/callback/number/2"
    assert "Your ticket number is" in said(done)
    ticket = _ticket(session)
    assert ticket.callback_number is None
    events = " ".join(e.message for e in session.scalars(select(TicketEvent)))
    [page] = session.scalars(select(OutboxMessage)).all()
    for text in (events, page.body):
        assert number[-7:] not in "".join(ch for ch in text if ch.isdigit())


def test_refused_number_then_good_number_keeps_the_good_one(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    call.record()
    call.post("/twilio/voice/callback/confirm", Digits="2")
    retry = call.post("/twilio/voice/callback/number/1", Digits="9005550142#")
    assert "did not look like a phone number" in said(retry)
    done = call.post("/twilio/voice/callback/number/2", Digits="9195550142#")
    assert "9 1 9, 5 5 5, 0 1 4 2" in said(done)
    assert _ticket(session).callback_number == "+19195550142"
    [page] = session.scalars(select(OutboxMessage)).all()
    assert "(919) 555-0142" in page.body
    assert "900" not in page.body


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("3365550188", "+13365550188"),
        ("13365550188", "+13365550188"),
        ("8005550142", "+18005550142"),  # toll-free costs the caller nothing
        ("6135550142", "+16135550142"),  # Canada
        ("7875550142", "+17875550142"),  # Puerto Rico
    ],
)
def test_domestic_numbers_are_accepted(raw, e164) -> None:
    assert callback_e164(raw) == e164


@pytest.mark.parametrize("raw", sorted(REFUSED))
def test_refused_by_default(raw) -> None:
    assert callback_e164(raw) is None


def test_firm_may_allow_international_but_never_premium() -> None:
    assert callback_e164("011447911123456", allow_international=True) == "+447911123456"
    assert callback_e164("8765550142", allow_international=True) == "+18765550142"
    for premium in ("9005550142", "2129760142", "3364110142", "5005550142"):
        assert callback_e164(premium, allow_international=True) is None
