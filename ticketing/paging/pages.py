"""What a page to a technician says, and the caller's words texted after it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.phones import national
from ticketing.event_kinds import EventKind
from ticketing.firm import Firm
from ticketing.models import OutboxChannel, OutboxKind, OutboxMessage, OutboxStatus, Ticket
from ticketing.outbox import enqueue_sms
from ticketing.paging.drills import drilled
from ticketing.recordings import listen_path
from ticketing.sms_text import fit, to_gsm7
from ticketing.timeline import add_event


def _caller_label(ticket: Ticket) -> str:
    if ticket.client is None:
        return "Unknown caller"
    label = f"{ticket.client.name} (acct {ticket.client.account_number})"
    if ticket.contact is not None:
        label += f", {ticket.contact.name}"
    return label


def page_text(ticket: Ticket, firm: Firm | None = None, *, note: str = "") -> str:
    """The SMS page: ticket number, client, `note` (the company's other emergencies),
    callback number, the caller's words (or where to listen to the message) and how to
    acknowledge, within two SMS segments."""
    callback = national(ticket.callback_number) if ticket.callback_number else "no number given"
    head = drilled(f"EMERGENCY #{ticket.number}: {_caller_label(ticket)}.", ticket)
    head += f" {note} Call back {callback}." if note else f" Call back {callback}."
    if ticket.payment_contact:
        head += " No MSA: billing to contact."
    head = to_gsm7(head).replace("{", "(").replace("}", ")")
    tail = f" Reply ACK {ticket.number}"
    if ticket.description:
        return fit(head + ' Problem: "{}"' + tail, to_gsm7(ticket.description))
    if ticket.recording_url:
        # Our console's address, never the provider's: the technician logs in to listen.
        where = firm.link(listen_path(ticket.number)) if firm and firm.base_url else None
        listen = f" Message: {where}" if where else " Message recorded: see the console."
        # A link cut short opens nothing: it is sent whole, even past two segments.
        return head + listen + tail
    return fit(head + " {}" + tail, "No message was left.")


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
            OutboxMessage.channel == OutboxChannel.SMS,
            OutboxMessage.kind == OutboxKind.PAGE,
            OutboxMessage.status != OutboxStatus.CANCELLED,
        )
    ).all()
    head = to_gsm7(drilled(f"#{ticket.number} {_caller_label(ticket)} - caller said: ", ticket))
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
            kind=OutboxKind.NOTICE,
        )
        if follow_up is not None:
            follow_up.technician_id = page.technician_id
            follow_ups.append(follow_up)
    if follow_ups:
        add_event(
            session, ticket.id, EventKind.PAGED, "The caller's words were texted as well.", at=now
        )
    session.flush()
    return follow_ups
