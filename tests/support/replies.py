"""Technicians answering pages: texts posted as Twilio delivers them, the TwiML reply, and a
voice page placed as the relay would place it."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from datetime import timedelta

from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from intake.clock import FrozenClock
from intake.config import SANDBOX_ACCOUNT_SID
from tests.support.outbox import outbox
from tests.support.twilio import TwilioPoster
from ticketing.models import OutboxMessage, Ticket
from ticketing.paging.escalation import sweep_escalations

SMS_NUMBER = "+13368991911"

_sids = itertools.count(1)


def text(
    twilio: TwilioPoster, sender: str, body: str, *, sid: str | None = None, **extra: str
) -> TestResponse:
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


def voice_page(
    session: Session, clock: FrozenClock, ticket: Ticket, sid: str = "CA" + "7" * 32
) -> OutboxMessage:
    """Let five minutes pass so the escalation calls the primary, and 'place' that call:
    the outbox row gets a CallSid as the relay would give it."""
    clock.advance(timedelta(minutes=5))
    sweep_escalations(session, clock())
    [row] = outbox(session, ticket_id=ticket.id, channel="call", status="pending")
    row.status, row.provider_sid = "sent", sid
    session.commit()
    return row
