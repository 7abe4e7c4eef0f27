"""Helpers shared by the reply and voice-page tests (a plain module: a second conftest.py
would shadow tests/conftest.py for the modules that `from conftest import ...`)."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from intake.config import SANDBOX_ACCOUNT_SID
from ticketing.models import OutboxMessage, Ticket
from ticketing.paging.escalation import sweep_escalations

DANA = "+13365550101"
LUIS = "+13365550102"
JANE = "+13365550123"  # Blue Ridge Bakery's representative
MARIA = "+13365550167"  # Yadkin Valley Diner's representative
SMS_NUMBER = "+13368991911"

_sids = itertools.count(1)


def emergency(phone: Any, session: Session, caller: str = JANE) -> Ticket:
    """An after-hours call that ends in a paged emergency ticket; returns the ticket."""
    call = phone(caller)
    call.ring()
    call.record()
    call.post("/twilio/voice/callback/confirm", Digits="1")
    session.expire_all()
    return session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1)).one()


def text(twilio: Any, sender: str, body: str, *, sid: str | None = None, **extra: str) -> Any:
    """Post an inbound SMS the way Twilio does; returns the webhook's response."""
    params = {
        "MessageSid": sid or f"SM{next(_sids):032d}",
        "AccountSid": SANDBOX_ACCOUNT_SID,
        "From": sender,
        "To": SMS_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
        **extra,
    }
    return twilio("/twilio/sms", params)


def reply_of(response: TestResponse) -> str | None:
    """The text of the TwiML <Message> answer, or None when the answer sends nothing."""
    assert response.status_code == 200, response.data
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    messages = root.findall("Message")
    assert len(messages) <= 1
    return messages[0].text if messages else None


def outbox(session: Session, **where: Any) -> list[OutboxMessage]:
    """Outbox rows matching column=value filters, oldest first (fresh from the database)."""
    session.expire_all()
    stmt = select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)
    return list(session.scalars(stmt))


def voice_page(session: Session, clock: Any, ticket: Ticket, sid: str = "CA" + "7" * 32):
    """Let five minutes pass so the escalation calls the primary, and 'place' that call:
    the outbox row gets a CallSid as the relay would give it."""
    clock.advance(timedelta(minutes=5))
    sweep_escalations(session, clock())
    [row] = outbox(session, ticket_id=ticket.id, channel="call", status="pending")
    row.status, row.provider_sid = "sent", sid
    session.commit()
    return row
