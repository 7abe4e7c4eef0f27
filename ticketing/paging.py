"""Pages owed to technicians: who gets one, what it says, and writing it to the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.phones import national
from ticketing.models import OutboxMessage, Technician, Ticket
from ticketing.sms_text import fit, to_gsm7
from ticketing.timeline import add_event

VOICE_PAGE_PATH = "/twilio/voice/page/{page_id}"


def _caller_label(ticket: Ticket) -> str:
    if ticket.client is None:
        return "Unknown caller"
    label = f"{ticket.client.name} (acct {ticket.client.account_number})"
    if ticket.contact is not None:
        label += f", {ticket.contact.name}"
    return label


def page_text(ticket: Ticket) -> str:
    """The SMS page: ticket number, client, callback number, the caller's words and how to
    acknowledge, within two SMS segments."""
    callback = national(ticket.callback_number) if ticket.callback_number else "no number given"
    head = f"EMERGENCY #{ticket.number}: {_caller_label(ticket)}. Call back {callback}."
    if ticket.payment_contact:
        head += " No MSA: billing to contact."
    head = to_gsm7(head).replace("{", "(").replace("}", ")")
    tail = f" Reply ACK {ticket.number}"
    if ticket.description:
        return fit(head + ' Problem: "{}"' + tail, to_gsm7(ticket.description))
    if ticket.recording_url:
        return fit(head + " {}" + tail, f"Message: {ticket.recording_url}.mp3")
    return fit(head + " {}" + tail, "No message was left.")


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
    kind: str = "page",
) -> OutboxMessage | None:
    """Owe a text (to a technician, or to `to_number`); None if that key was already owed."""
    return _enqueue(
        session,
        OutboxMessage(
            dedupe_key=key,
            ticket_id=ticket.id if ticket else None,
            technician_id=tech.id if tech else None,
            kind=kind,
            escalation_step=step,
            channel="sms",
            to_number=to_number or (tech.phone if tech else ""),
            body=body,
            next_attempt_at=now,
            created_at=now,
        ),
    )


def enqueue_call(
    session: Session, ticket: Ticket, tech: Technician, *, key: str, now: datetime, step: int | None
) -> OutboxMessage | None:
    """Owe a voice page: the call's TwiML is served at /twilio/voice/page/<outbox id>."""
    page = _enqueue(
        session,
        OutboxMessage(
            dedupe_key=key,
            ticket_id=ticket.id,
            technician_id=tech.id,
            kind="page",
            escalation_step=step,
            channel="call",
            to_number=tech.phone,
            body="",
            next_attempt_at=now,
            created_at=now,
        ),
    )
    if page is not None:
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
    kind: str = "notice",
) -> OutboxMessage | None:
    """Owe an email (sent through SMTP_URL by the scheduler, or logged without it)."""
    return _enqueue(
        session,
        OutboxMessage(
            dedupe_key=key,
            ticket_id=ticket.id if ticket else None,
            kind=kind,
            channel="email",
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
            kind="redirect",
            channel="redirect",
            to_number=call_sid,
            body=path,
            next_attempt_at=now,
            created_at=now,
        ),
    )


def _enqueue(session: Session, message: OutboxMessage) -> OutboxMessage | None:
    exists = session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == message.dedupe_key)
    )
    if exists is not None:
        return None
    session.add(message)
    session.flush()
    return message


def send_callers_words(session: Session, ticket: Ticket, *, now: datetime) -> list[OutboxMessage]:
    """After paging, the transcription arrived: text the caller's words to whoever was paged.

    Twilio transcribes after the call, usually after the page left with only a
    recording link; a technician woken at night should read the problem, not dial in.
    """
    if not ticket.description:
        return []
    first_pages = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.ticket_id == ticket.id,
            OutboxMessage.channel == "sms",
            OutboxMessage.kind == "page",
            OutboxMessage.status != "cancelled",
        )
    ).all()
    head = to_gsm7(f"#{ticket.number} {_caller_label(ticket)} - caller said: ")
    body = fit(head.replace("{", "(").replace("}", ")") + '"{}"', to_gsm7(ticket.description))
    follow_ups = []
    for page in first_pages:
        if ticket.description in page.body:
            continue
        follow_up = enqueue_sms(
            session,
            ticket,
            None,
            body,
            key=f"words:{ticket.id}:{page.to_number}",
            now=now,
            to_number=page.to_number,
            kind="notice",
        )
        if follow_up is not None:
            follow_up.technician_id = page.technician_id
            follow_ups.append(follow_up)
    if follow_ups:
        add_event(session, ticket.id, "paged", "The caller's words were texted as well.", at=now)
    session.flush()
    return follow_ups
