"""What technicians do with a page: acknowledge, resolve, escalate, or "not an emergency"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ivr.calendar import HELP_DESK
from ivr.phones import national
from ticketing.directory import representative_of
from ticketing.escalation import escalate_now, stop_escalation
from ticketing.models import Technician, Ticket, TicketStatus
from ticketing.paging import enqueue_sms
from ticketing.sms_text import to_gsm7
from ticketing.timeline import add_event


def acknowledge(
    session: Session, ticket: Ticket, tech: Technician, *, now: datetime, via: str
) -> bool:
    """`tech` takes the emergency: paging stops and the client's representative is told.

    False when the ticket was already acknowledged or resolved (nothing changes).
    """
    if ticket.status != TicketStatus.OPEN:
        return False
    ticket.status = TicketStatus.ACKNOWLEDGED.value
    ticket.acknowledged_at, ticket.acknowledged_by = now, tech
    cancelled = stop_escalation(session, ticket, "acknowledged", now=now)
    note = f" {cancelled} unsent page(s) cancelled." if cancelled else ""
    add_event(
        session,
        ticket.id,
        "acknowledged",
        f"Acknowledged by {tech.name} ({via}).{note}",
        at=now,
        actor=tech.name,
    )
    _tell_client(session, ticket, tech, now)
    return True


def _tell_client(session: Session, ticket: Ticket, tech: Technician, now: datetime) -> None:
    rep = representative_of(session, ticket.client_id) if ticket.client_id else None
    number = rep.phone if rep else ticket.callback_number
    if not number:
        return
    callback = ticket.callback_number
    when = f" and will call you at {national(callback)}" if callback else ""
    body = to_gsm7(
        f"Accelerando: {tech.name} is working on your emergency, ticket #{ticket.number}{when}."
    )
    enqueue_sms(
        session,
        ticket,
        None,
        body,
        key=f"ack-notice:{ticket.id}",
        now=now,
        to_number=number,
        kind="notice",
    )
    who = rep.name if rep else "the caller"
    add_event(session, ticket.id, "client_notified", f"{who} told by SMS who is on it.", at=now)


def resolve(session: Session, ticket: Ticket, tech: Technician, *, now: datetime, via: str) -> bool:
    """Close the ticket; an open escalation stops. False when it was already resolved."""
    if ticket.status == TicketStatus.RESOLVED:
        return False
    if ticket.status == TicketStatus.OPEN:
        acknowledge(session, ticket, tech, now=now, via=via)
    ticket.status, ticket.resolved_at = TicketStatus.RESOLVED.value, now
    stop_escalation(session, ticket, "resolved", now=now)
    add_event(
        session, ticket.id, "resolved", f"Resolved by {tech.name} ({via}).", at=now, actor=tech.name
    )
    return True


def escalate(
    session: Session, ticket: Ticket, tech: Technician, *, now: datetime, via: str
) -> bool:
    """Fire the next escalation step now; False when nothing is being escalated."""
    add_event(
        session,
        ticket.id,
        "escalation",
        f"{tech.name} asked to escalate now ({via}).",
        at=now,
        actor=tech.name,
    )
    return escalate_now(session, ticket, now=now)


def not_an_emergency(
    session: Session, ticket: Ticket, tech: Technician, *, now: datetime, via: str, reason: str = ""
) -> bool:
    """Reclassify as help desk: paging stops and the decision is on the timeline."""
    if ticket.service_class != "emergency" or ticket.status == TicketStatus.RESOLVED:
        return False
    ticket.service_class = HELP_DESK
    why = reason.strip() or "does not meet the definition of Emergency Services"
    ticket.classification_reason = f"reclassified by {tech.name}: {why}"[:120]
    stop_escalation(session, ticket, "cancelled", now=now)
    add_event(
        session,
        ticket.id,
        "reclassified",
        f"{tech.name} found this is not an emergency ({via}): {why}. Moved to the help desk.",
        at=now,
        actor=tech.name,
    )
    return True
