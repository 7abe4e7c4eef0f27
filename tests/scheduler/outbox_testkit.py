"""Builders shared by the scheduler tests (a plain module: a second conftest.py here
would shadow tests/conftest.py for the modules that `from conftest import ...`)."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ticketing.models import OutboxMessage, Ticket
from ticketing.paging.pages import page_text

TECH_PHONE = "+13365550101"
SMS_CALLBACK = "https://intake.example.com/twilio/sms/status"
CALL_CALLBACK = "https://intake.example.com/twilio/voice/status"

_keys = itertools.count(1)


def new_ticket(session: Session) -> Ticket:
    """An open emergency ticket, committed."""
    ticket = Ticket(service_class="emergency", classification_reason="weekend")
    session.add(ticket)
    session.commit()
    return ticket


def new_outbox(
    session: Session, *, ticket_id: int | None, due: datetime, **fields: Any
) -> OutboxMessage:
    """An SMS page to TECH_PHONE due at `due`, committed; `fields` override any column."""
    values: dict[str, Any] = {
        "dedupe_key": f"test-page-{next(_keys)}",
        "ticket_id": ticket_id,
        "channel": "sms",
        "to_number": TECH_PHONE,
        "body": f"EMERGENCY ticket {ticket_id}: server down. Reply ACK {ticket_id}",
        "next_attempt_at": due,
    }
    values.update(fields)
    row = OutboxMessage(**values)
    session.add(row)
    session.commit()
    return row


def new_page(
    session: Session,
    *,
    due: datetime,
    to_number: str = TECH_PHONE,
    problem: str = "The file server is down and nobody at the office can log in to anything.",
    **fields: Any,
) -> OutboxMessage:
    """A new emergency ticket and its first SMS page (the real page text), committed."""
    ticket = Ticket(
        service_class="emergency",
        classification_reason="weekend",
        callback_number="+13365550123",
        description=problem,
    )
    session.add(ticket)
    session.flush()
    values: dict[str, Any] = {"escalation_step": 0, "to_number": to_number}
    values.update(fields)
    return new_outbox(session, ticket_id=ticket.id, due=due, body=page_text(ticket), **values)
