"""The outbox: rows built for the relay to send, and reading what the service owes or sent."""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support.people import DANA, JANE
from tests.support.twilio import PUBLIC_BASE_URL
from ticketing.accounts.models import PasswordResetRequest
from ticketing.accounts.password_resets import send_reset_links
from ticketing.firm import DEFAULT_FIRM_NAME, Firm
from ticketing.models import OutboxMessage, Ticket
from ticketing.paging.pages import page_text

TECH_PHONE = DANA
SMS_CALLBACK = "https://intake.example.com/twilio/sms/status"
CALL_CALLBACK = "https://intake.example.com/twilio/voice/status"
_LINK = re.compile(r"https?://\S+/set-password/\S+")

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
        callback_number=JANE,
        description=problem,
    )
    session.add(ticket)
    session.flush()
    values: dict[str, Any] = {"escalation_step": 0, "to_number": to_number}
    values.update(fields)
    return new_outbox(session, ticket_id=ticket.id, due=due, body=page_text(ticket), **values)


def outbox(session: Session, **where: Any) -> list[OutboxMessage]:
    """Outbox rows matching column=value filters, oldest first (fresh from the database)."""
    session.expire_all()
    stmt = select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)
    return list(session.scalars(stmt))


def account_emails(session: Session, to: str | None = None) -> list[OutboxMessage]:
    """Account emails (links, replies to requests) in the outbox, oldest first; queued
    forgot-password requests are handled first, as the scheduler's sweep would have."""
    _send_queued_resets(session)
    stmt = select(OutboxMessage).where(OutboxMessage.channel == "email")
    if to is not None:
        stmt = stmt.where(OutboxMessage.to_address == to)
    stmt = stmt.where(OutboxMessage.kind == "account").order_by(OutboxMessage.id)
    return list(session.scalars(stmt.execution_options(populate_existing=True)))


def _send_queued_resets(session: Session) -> None:
    asked = session.scalar(select(func.max(PasswordResetRequest.requested_at)))
    if asked is not None:
        # At the moment of the last request: a link's hour counts from when it was asked.
        send_reset_links(session, asked, firm=Firm(DEFAULT_FIRM_NAME, PUBLIC_BASE_URL))
        session.commit()


def link_path(body: str) -> str:
    """The path of the set-password link in an email body."""
    match = _LINK.search(body)
    assert match, f"no set-password link in: {body!r}"
    return urlsplit(match.group(0)).path
