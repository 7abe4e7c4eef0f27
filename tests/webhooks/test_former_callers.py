"""Callers who left, or whose company did: still answered, as unknown callers, and staff
see on the timeline whose account was keyed in."""

from __future__ import annotations

from sqlalchemy import select

from tests.support.people import JANE
from tests.support.twilio import said
from ticketing.models import Ticket
from ticketing.people.lifecycle import deactivate


def _ticket(session) -> Ticket:
    session.expire_all()
    return session.scalars(select(Ticket)).one()


def test_a_former_contact_is_asked_for_the_account(phone, session, directory, clock) -> None:
    deactivate(session, directory["jane"], now=clock())
    session.commit()
    answer = phone(JANE).ring()
    assert "account number" in said(answer)
    ticket = _ticket(session)
    assert ticket.contact_id is None
    assert "caller_unknown" in [e.kind for e in ticket.events]


def test_a_former_clients_account_is_not_accepted(phone, session, directory, clock) -> None:
    deactivate(session, directory["bakery"], now=clock())
    session.commit()
    call = phone("anonymous")
    call.ring()
    retry = call.post("/twilio/voice/account/1", Digits="1001")
    assert "could not find account" in said(retry)
    ticket = _ticket(session)
    assert ticket.client_id is None
    [note] = [e for e in ticket.events if e.kind == "account_not_found"]
    assert "Blue Ridge Bakery, no longer a client" in note.message
    assert note.audience == "staff"
