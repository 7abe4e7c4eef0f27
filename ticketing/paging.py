"""Pages owed to technicians: who gets one, what it says, and writing it to the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.phones import national
from ticketing.models import OutboxMessage, Technician, Ticket
from ticketing.oncall import on_call
from ticketing.sms_text import fit, to_gsm7
from ticketing.timeline import add_event


def _caller_label(ticket: Ticket) -> str:
    if ticket.client is None:
        return "Unknown caller"
    label = f"{ticket.client.name} (acct {ticket.client.account_number})"
    if ticket.contact is not None:
        label += f", {ticket.contact.name}"
    return label


def page_text(ticket: Ticket) -> str:
    """The SMS page: ticket number, client, callback number and the caller's words (≤ 2 SMS)."""
    callback = national(ticket.callback_number) if ticket.callback_number else "no number given"
    head = f"EMERGENCY #{ticket.number}: {_caller_label(ticket)}. Call back {callback}."
    if ticket.payment_contact:
        head += " No MSA: billing to contact."
    head = to_gsm7(head).replace("{", "(").replace("}", ")")
    if ticket.description:
        return fit(head + ' Problem: "{}"', to_gsm7(ticket.description))
    if ticket.recording_url:
        return fit(head + " {}", f"Message: {ticket.recording_url}.mp3")
    return fit(head + " {}", "No message was left.")


def _recipients(session: Session, now: datetime) -> tuple[list[Technician], str]:
    primary = on_call(session, now, "primary")
    if primary is not None:
        return [primary], "on call"
    # Nobody on call is a staffing gap, not a reason to lose an emergency: page everyone.
    everyone = list(session.scalars(select(Technician).where(Technician.active.is_(True))))
    return everyone, "nobody is on call, so every technician"


def page_on_call(session: Session, ticket: Ticket, *, now: datetime) -> list[OutboxMessage]:
    """Write the SMS page(s) for an emergency ticket into the outbox (same transaction)."""
    technicians, why = _recipients(session, now)
    if not technicians:
        add_event(
            session,
            ticket.id,
            "page_failed",
            "No technician exists to page: add one with `intake technicians add`.",
            at=now,
        )
        return []
    body = page_text(ticket)
    pages = []
    for tech in technicians:
        page = OutboxMessage(
            dedupe_key=f"page:{ticket.id}:{tech.id}:sms:1",
            ticket_id=ticket.id,
            technician_id=tech.id,
            channel="sms",
            to_number=tech.phone,
            body=body,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(page)
        pages.append(page)
        add_event(
            session,
            ticket.id,
            "paged",
            f"Paging {tech.name} ({national(tech.phone)}) by SMS: {why}.",
            at=now,
        )
    ticket.paged_at = now
    session.flush()
    return pages


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
            OutboxMessage.dedupe_key.like(f"page:{ticket.id}:%:sms:1"),
        )
    ).all()
    head = to_gsm7(f"#{ticket.number} {_caller_label(ticket)} - caller said: ")
    body = fit(head.replace("{", "(").replace("}", ")") + '"{}"', to_gsm7(ticket.description))
    follow_ups = []
    for page in first_pages:
        if ticket.description in page.body:
            continue
        follow_up = OutboxMessage(
            dedupe_key=f"page:{ticket.id}:{page.technician_id}:words",
            ticket_id=ticket.id,
            technician_id=page.technician_id,
            channel="sms",
            to_number=page.to_number,
            body=body,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(follow_up)
        follow_ups.append(follow_up)
    if follow_ups:
        add_event(session, ticket.id, "paged", "The caller's words were texted as well.", at=now)
    session.flush()
    return follow_ups
