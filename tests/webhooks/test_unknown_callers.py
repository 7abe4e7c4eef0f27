"""Callers we cannot recognise: asked for the account number, twice, then helped anyway."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.twilio import said, twiml
from ticketing.models import OutboxMessage, Ticket

WITHHELD = ["anonymous", "", "+266696687", "client:reception", "Restricted", "not-a-number"]


def _ticket(session) -> Ticket:
    return session.scalars(select(Ticket)).one()


@pytest.mark.parametrize("caller_id", WITHHELD)
def test_withheld_or_odd_caller_id_is_asked_for_account(
    phone, session, directory, caller_id
) -> None:
    answer = phone(caller_id).ring()
    gather = twiml(answer).find("Gather")
    assert gather.get("action") == "/twilio/voice/account/1"
    assert gather.get("finishOnKey") == "#"
    assert "account number" in said(answer)
    ticket = _ticket(session)
    assert ticket.client_id is None
    assert "caller_unknown" in [e.kind for e in ticket.events]


def test_unknown_number_is_asked_for_account(phone, directory) -> None:
    answer = phone("+19195550100").ring()
    assert "could not recognise the number" in said(answer)


def test_account_number_identifies_the_client(phone, session, directory) -> None:
    call = phone("anonymous")
    call.ring()
    answer = call.post("/twilio/voice/account/1", Digits="1001")
    assert "emergency service, Blue Ridge Bakery" in said(answer)
    ticket = _ticket(session)
    assert ticket.client.name == "Blue Ridge Bakery"
    assert ticket.contact_id is None  # the company is known, not the person


def test_wrong_account_gets_a_second_try(phone, session, directory) -> None:
    call = phone("anonymous")
    call.ring()
    retry = call.post("/twilio/voice/account/1", Digits="4242")
    assert "could not find account 4 2 4 2" in said(retry)
    assert twiml(retry).find("Gather").get("action") == "/twilio/voice/account/2"
    found = call.post("/twilio/voice/account/2", Digits="1003")
    assert "Yadkin Valley Diner" in said(found)
    assert "Master Services Agreement" in said(found)


def test_two_wrong_tries_go_on_as_unknown_caller(phone, session, directory) -> None:
    call = phone("anonymous")
    call.ring()
    call.post("/twilio/voice/account/1", Digits="4242")
    answer = call.post("/twilio/voice/account/2", Digits="")
    heard = said(answer)
    assert "we will still take your call" in heard
    assert "emergency service" in heard
    # Unknown callers have no MSA on file: they hear the payment notice.
    assert "billing team will contact you" in heard
    assert twiml(answer).find("Record") is not None


def test_unknown_caller_without_caller_id_is_asked_for_a_callback_number(
    phone, session, directory
) -> None:
    call = phone("anonymous")
    call.ring()
    call.post("/twilio/voice/account/1", Digits="")
    call.post("/twilio/voice/account/2", Digits="")
    ask = call.record()
    gather = twiml(ask).find("Gather")
    assert gather.get("action") == "/twilio/voice/callback/number/1"
    done = call.post("/twilio/voice/callback/number/1", Digits="3365550188#")
    assert "Your ticket number is" in said(done)
    ticket = _ticket(session)
    assert ticket.callback_number == "+13365550188"
    assert ticket.payment_contact
    [page] = session.scalars(select(OutboxMessage)).all()
    assert "Unknown caller" in page.body
    assert "(336) 555-0188" in page.body


def test_unknown_caller_who_gives_no_number_is_still_paged(phone, session, directory) -> None:
    call = phone("anonymous")
    call.ring()
    call.post("/twilio/voice/account/1")
    call.post("/twilio/voice/account/2")
    call.post("/twilio/voice/no-recording")
    call.post("/twilio/voice/callback/number/1", Digits="")
    done = call.post("/twilio/voice/callback/number/2", Digits="")
    assert "Your ticket number is" in said(done)
    [page] = session.scalars(select(OutboxMessage)).all()
    assert "no number given" in page.body


def test_account_attempt_out_of_range_is_treated_as_last_try(phone, session, directory) -> None:
    call = phone("anonymous")
    call.ring()
    answer = call.post("/twilio/voice/account/99", Digits="0")
    assert "we will still take your call" in said(answer)
