"""The outbox writers: owing a text, a voice page, an email or a live-call redirect, once
per dedupe key, in the transaction that owes it (the scheduler's relay sends it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.models import OutboxChannel, OutboxKind, OutboxMessage, Technician, Ticket

VOICE_PAGE_PATH = "/twilio/voice/page/{page_id}"


def enqueue_sms(
    session: Session,
    ticket: Ticket | None,
    tech: Technician | None,
    body: str,
    *,
    key: str,
    now: datetime,
    to_number: str | None = None,
    step: int | None = None,
    kind: OutboxKind = OutboxKind.PAGE,
    new_key: bool = False,
) -> OutboxMessage | None:
    """Owe a text (to a technician, or to `to_number`); None if that key was already owed
    (`new_key`: the caller knows it cannot have been, see `_enqueue`)."""
    return _enqueue(
        session,
        OutboxMessage(
            dedupe_key=key,
            ticket_id=ticket.id if ticket else None,
            technician_id=tech.id if tech else None,
            kind=kind,
            escalation_step=step,
            channel=OutboxChannel.SMS,
            to_number=to_number or (tech.phone if tech else ""),
            body=body,
            next_attempt_at=now,
            created_at=now,
        ),
        new_key=new_key,
    )


def enqueue_call(
    session: Session,
    ticket: Ticket,
    tech: Technician,
    *,
    key: str,
    now: datetime,
    step: int | None,
    new_key: bool = False,
) -> OutboxMessage | None:
    """Owe a voice page: the call's TwiML is served at /twilio/voice/page/<outbox id>."""
    page = _enqueue(
        session,
        OutboxMessage(
            dedupe_key=key,
            ticket_id=ticket.id,
            technician_id=tech.id,
            kind=OutboxKind.PAGE,
            escalation_step=step,
            channel=OutboxChannel.CALL,
            to_number=tech.phone,
            body="",
            next_attempt_at=now,
            created_at=now,
        ),
        new_key=new_key,
    )
    if page is not None:
        if page.id is None:
            session.flush()  # the page's address is its id
        page.body = VOICE_PAGE_PATH.format(page_id=page.id)
    return page


def enqueue_email(
    session: Session,
    ticket: Ticket | None,
    to_address: str,
    subject: str,
    body: str,
    *,
    key: str,
    now: datetime,
    kind: OutboxKind = OutboxKind.NOTICE,
) -> OutboxMessage | None:
    """Owe an email (sent through SMTP_URL by the scheduler, or logged without it)."""
    return _enqueue(
        session,
        OutboxMessage(
            dedupe_key=key,
            ticket_id=ticket.id if ticket else None,
            kind=kind,
            channel=OutboxChannel.EMAIL,
            to_number="",
            to_address=to_address,
            subject=subject[:200],
            body=body,
            next_attempt_at=now,
            created_at=now,
        ),
    )


def enqueue_redirect(
    session: Session, ticket: Ticket, call_sid: str, path: str, *, key: str, now: datetime
) -> OutboxMessage | None:
    """Owe a redirect of a live call to the TwiML at `path` (Twilio's Calls API, by the
    scheduler: a webhook never waits on Twilio's REST API)."""
    return _enqueue(
        session,
        OutboxMessage(
            dedupe_key=key,
            ticket_id=ticket.id,
            kind=OutboxKind.REDIRECT,
            channel=OutboxChannel.REDIRECT,
            to_number=call_sid,
            body=path,
            next_attempt_at=now,
            created_at=now,
        ),
    )


def _enqueue(
    session: Session, message: OutboxMessage, *, new_key: bool = False
) -> OutboxMessage | None:
    # A key that names something this transaction created (a new escalation's step) cannot
    # have been owed: no look-up, and the row goes in with the transaction's next flush
    # (the unique key still refuses a second one).
    if new_key:
        session.add(message)
        return message
    exists = session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == message.dedupe_key)
    )
    if exists is not None:
        return None
    session.add(message)
    session.flush()
    return message
