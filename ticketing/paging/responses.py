"""What technicians do with a page: acknowledge, resolve, escalate, or "not an emergency"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.flow import CALL_ENDED
from ivr.phones import national
from ticketing.directory import representative_of
from ticketing.event_kinds import EventKind
from ticketing.firm import Firm, firm_in
from ticketing.models import Call, OutboxKind, ServiceClass, Technician, Ticket, TicketStatus
from ticketing.outbox import enqueue_email, enqueue_redirect, enqueue_sms
from ticketing.paging.escalation import escalate_now, start_escalation, stop_escalation
from ticketing.paging.joining import group_of, joined_to
from ticketing.paging.models import EscalationStatus
from ticketing.sms_text import to_gsm7
from ticketing.timeline import add_event

# Where a live call goes once its emergency is found not to be one.
REDIRECTED_PATH = "/twilio/voice/redirected/{ticket_id}"


def acknowledge(
    session: Session, ticket: Ticket, tech: Technician, *, now: datetime, via: str
) -> bool:
    """`tech` takes the emergency: paging stops and the client's representative is told.
    The company's other emergencies paged by the same escalation are taken with it.

    False when the ticket was already acknowledged or resolved (nothing changes).
    """
    if not _acknowledge_one(session, ticket, tech, now=now, via=via):
        return False
    for other in group_of(session, ticket):
        if other.id != ticket.id:
            with_it = f"{via}, with #{ticket.number} of the same company"
            _acknowledge_one(session, other, tech, now=now, via=with_it)
    return True


def _acknowledge_one(
    session: Session, ticket: Ticket, tech: Technician, *, now: datetime, via: str
) -> bool:
    if ticket.status != TicketStatus.OPEN:
        return False
    ticket.status = TicketStatus.ACKNOWLEDGED
    ticket.acknowledged_at, ticket.acknowledged_by = now, tech
    cancelled = stop_escalation(session, ticket, EscalationStatus.ACKNOWLEDGED, now=now)
    note = f" {cancelled} unsent page(s) cancelled." if cancelled else ""
    add_event(
        session,
        ticket.id,
        EventKind.ACKNOWLEDGED,
        f"Acknowledged by {tech.name} ({via}).{note}",
        at=now,
        actor=tech.name,
    )
    _tell_client(session, ticket, tech, now)
    return True


def _tell_client(session: Session, ticket: Ticket, tech: Technician, now: datetime) -> None:
    if ticket.drill:
        return  # a rehearsal: no client hears of it
    rep = representative_of(session, ticket.client_id) if ticket.client_id else None
    number = rep.phone if rep else ticket.callback_number
    if not number:
        return
    callback = ticket.callback_number
    when = f" and will call you at {national(callback)}" if callback else ""
    firm = firm_in(session)
    body = to_gsm7(
        f"{firm.name}: {tech.name} is working on your emergency, ticket #{ticket.number}{when}."
    )
    enqueue_sms(
        session,
        ticket,
        None,
        body,
        key=f"ack-notice:{ticket.id}",
        now=now,
        to_number=number,
        kind=OutboxKind.NOTICE,
    )
    who = rep.name if rep else "the caller"
    add_event(
        session, ticket.id, EventKind.CLIENT_NOTIFIED, f"{who} told by SMS who is on it.", at=now
    )


def resolve(session: Session, ticket: Ticket, tech: Technician, *, now: datetime, via: str) -> bool:
    """Close the ticket; an open escalation stops. False when it was already resolved."""
    if ticket.status == TicketStatus.RESOLVED:
        return False
    if ticket.status == TicketStatus.OPEN:
        acknowledge(session, ticket, tech, now=now, via=via)
    ticket.status, ticket.resolved_at = TicketStatus.RESOLVED, now
    stop_escalation(session, ticket, EscalationStatus.RESOLVED, now=now)
    add_event(
        session,
        ticket.id,
        EventKind.RESOLVED,
        f"Resolved by {tech.name} ({via}).",
        at=now,
        actor=tech.name,
    )
    return True


def escalate(
    session: Session, ticket: Ticket, tech: Technician, *, now: datetime, via: str
) -> bool:
    """Fire the next escalation step now; False when nothing is being escalated."""
    add_event(
        session,
        ticket.id,
        EventKind.ESCALATION,
        f"{tech.name} asked to escalate now ({via}).",
        at=now,
        actor=tech.name,
    )
    return escalate_now(session, ticket, now=now, asked_by=tech)


def not_an_emergency(
    session: Session, ticket: Ticket, tech: Technician, *, now: datetime, via: str, reason: str = ""
) -> bool:
    """Reclassify as help desk (docs/design.md §1): paging stops, the representative is told
    by SMS and email in the firm's words, and a caller still on the line is redirected."""
    if ticket.service_class != ServiceClass.EMERGENCY or ticket.status == TicketStatus.RESOLVED:
        return False
    ticket.service_class = ServiceClass.HELP_DESK
    why = reason.strip() or "does not meet the definition of Emergency Services"
    # The ticket's reason is read by the client; the technician's own words stay on the
    # staff timeline below.
    ticket.classification_reason = f"reclassified by {tech.name}: not an emergency"[:120]
    stop_escalation(session, ticket, EscalationStatus.CANCELLED, now=now)
    _page_joined_again(session, ticket, now)
    add_event(
        session,
        ticket.id,
        EventKind.RECLASSIFIED,
        f"{tech.name} found this is not an emergency ({via}): {why}. Moved to the help desk.",
        at=now,
        actor=tech.name,
    )
    _tell_reclassified(session, ticket, why, now)
    _redirect_live_call(session, ticket, now)
    return True


def _page_joined_again(session: Session, ticket: Ticket, now: datetime) -> None:
    """The emergencies that joined this one's escalation lost it: page them again (the
    first one starts a new escalation, the others join that)."""
    for other in joined_to(session, ticket):
        other.joined_to_id = None
        add_event(
            session,
            other.id,
            EventKind.JOINED,
            f"#{ticket.number}, whose escalation paged for this ticket, is not an emergency: "
            "paging again.",
            at=now,
        )
        session.flush()
        start_escalation(session, other, now=now)


def _tell_reclassified(session: Session, ticket: Ticket, why: str, now: datetime) -> None:
    if ticket.drill:
        return
    rep = representative_of(session, ticket.client_id) if ticket.client_id else None
    sms_to = rep.phone if rep else ticket.callback_number
    firm = firm_in(session)
    text = to_gsm7(
        f"{firm.name}: ticket #{ticket.number} does not meet the definition of Emergency "
        "Services. It has been moved to our help desk and will be handled during business "
        "hours at help desk rates."
    )
    told = []
    if sms_to:
        enqueue_sms(
            session,
            ticket,
            None,
            text,
            key=f"ne-notice:{ticket.id}:sms",
            now=now,
            to_number=sms_to,
            kind=OutboxKind.NOTICE,
        )
        told.append("SMS")
    if rep is not None and rep.email:
        enqueue_email(
            session,
            ticket,
            rep.email,
            f"Ticket #{ticket.number} moved to the help desk",
            reclassified_email(ticket, rep.name, why, firm),
            key=f"ne-notice:{ticket.id}:email",
            now=now,
        )
        told.append("email")
    if told:
        who = rep.name if rep else "the caller"
        add_event(
            session,
            ticket.id,
            EventKind.CLIENT_NOTIFIED,
            f"{who} told by {' and '.join(told)} that this is not an emergency.",
            at=now,
        )


def reclassified_email(ticket: Ticket, name: str, why: str, firm: Firm) -> str:
    """The email telling a client's representative their call was not an emergency."""
    client = ticket.client.name if ticket.client else "your company"
    return (
        f"Dear {name},\n\n"
        f"Ticket #{ticket.number} for {client} has been reviewed by our technician and does "
        "not meet the definition of Emergency Services: a matter of the most urgent nature, "
        "where your ability to capture revenue or properly serve customers is severely "
        f"impaired.\n\nTechnician's note: {why}\n\n"
        "As our terms provide, the ticket has been redirected to the help desk. It will be "
        f"handled during business hours{f' ({firm.hours})' if firm.hours else ''} at help "
        "desk rates; "
        "please refer to your Master Services Agreement for the rates.\n\n"
        f"If this is wrong and your business cannot serve customers, call {firm.call_line} "
        f"and tell the responder it is an emergency.\n\n{firm.name}"
    )


def _redirect_live_call(session: Session, ticket: Ticket, now: datetime) -> None:
    call = session.scalar(select(Call).where(Call.ticket_id == ticket.id))
    if call is None or call.ended_at is not None or call.status in CALL_ENDED:
        return
    enqueue_redirect(
        session,
        ticket,
        call.call_sid,
        REDIRECTED_PATH.format(ticket_id=ticket.id),
        key=f"ne-redirect:{ticket.id}",
        now=now,
    )
    add_event(
        session,
        ticket.id,
        EventKind.REDIRECTED,
        "The caller is still on the line: moving the call to the help desk.",
        at=now,
    )
