"""One escalation per company in trouble: an emergency that comes in while another of its
company's is still being paged joins that escalation instead of starting its own.

A company whose systems are down calls again, and asks from the portal too; a second
escalation would page the same people for the same trouble. The joined ticket points at
the ticket whose escalation pages (`Ticket.joined_to_id`); whoever was already paged is
told of it at once, every later step's page names the whole group, and acknowledging any
ticket of the group acknowledges them all (ticketing/paging/responses.py). Unknown callers
have no company and never join.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ticketing.event_kinds import EventKind
from ticketing.firm import firm_of
from ticketing.models import (
    Client,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    ServiceClass,
    Technician,
    Ticket,
    TicketStatus,
)
from ticketing.outbox import enqueue_call, enqueue_sms
from ticketing.paging.models import Escalation, EscalationStatus
from ticketing.paging.pages import page_text
from ticketing.timeline import add_event

# A page names this many ticket numbers of its group, then counts the rest.
NAMED_IN_PAGE = 5


def running_escalation(session: Session, ticket: Ticket) -> Escalation | None:
    """The escalation still paging for another open emergency of the ticket's company."""
    # A drill rehearses alone: it never joins, nor is joined by, a real emergency.
    if ticket.client_id is None or ticket.drill:
        return None
    # Two emergencies of one company completing at once: the company's row makes the
    # second wait for the first, so it sees that escalation and joins it.
    session.scalar(select(Client.id).where(Client.id == ticket.client_id).with_for_update())
    stmt = (
        select(Escalation)
        .join(Ticket, Escalation.ticket_id == Ticket.id)
        .where(
            Ticket.client_id == ticket.client_id,
            Ticket.id != ticket.id,
            Ticket.service_class == ServiceClass.EMERGENCY,
            Ticket.status == TicketStatus.OPEN,
            Ticket.drill.is_(False),
            Escalation.status == EscalationStatus.ACTIVE,
        )
        .order_by(Escalation.started_at, Escalation.id)
        .limit(1)
    )
    return session.scalar(stmt)


def group_of(session: Session, ticket: Ticket, *, lock: bool = False) -> list[Ticket]:
    """The emergencies paged by one escalation with `ticket` (itself included), by number."""
    lead_id = ticket.joined_to_id or ticket.id
    stmt = (
        select(Ticket)
        .where(
            or_(Ticket.id == lead_id, Ticket.joined_to_id == lead_id),
            Ticket.service_class == ServiceClass.EMERGENCY,
        )
        .order_by(Ticket.id)
    )
    if lock:
        # In number order, so two technicians answering two tickets of one group at once
        # wait for each other instead of deadlocking.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return list(session.scalars(stmt))


def joined_to(session: Session, lead: Ticket) -> list[Ticket]:
    """The open emergencies that joined the escalation of `lead`, by number."""
    stmt = select(Ticket).where(
        Ticket.joined_to_id == lead.id,
        Ticket.service_class == ServiceClass.EMERGENCY,
        Ticket.status == TicketStatus.OPEN,
    )
    return list(session.scalars(stmt.order_by(Ticket.id)))


def group_note(session: Session, lead: Ticket) -> str:
    """What a page of the escalation of `lead` says of the tickets that joined it ("" if none)."""
    others = [t.number for t in joined_to(session, lead)]
    if not others:
        return ""
    named = ", ".join(f"#{n}" for n in others[:NAMED_IN_PAGE])
    more = f" and {len(others) - NAMED_IN_PAGE} more" if len(others) > NAMED_IN_PAGE else ""
    return f"Also {named}{more}: {len(others) + 1} emergencies for this company."


def join(session: Session, ticket: Ticket, escalation: Escalation, *, now: datetime) -> None:
    """Page for `ticket` through the company's running `escalation`, and tell whoever it has
    paged so far (the next steps' pages name it anyway)."""
    lead = escalation.ticket
    ticket.joined_to_id, ticket.paged_at = lead.id, now
    session.flush()
    count = len(joined_to(session, lead)) + 1
    client = ticket.client.name if ticket.client else "the company"
    add_event(
        session,
        ticket.id,
        EventKind.JOINED,
        f"{client} already has emergency #{lead.number} being paged: this ticket joined its "
        f"escalation ({count} emergencies for the company).",
        at=now,
    )
    add_event(
        session,
        lead.id,
        EventKind.JOINED,
        f"Emergency #{ticket.number} of the same company joined this escalation "
        f"({count} emergencies for the company).",
        at=now,
    )
    note = f"Joins #{lead.number}: {count} emergencies for this company."
    for tech in _paged_so_far(session, lead):
        _tell(session, ticket, tech, note, now)


def _paged_so_far(session: Session, lead: Ticket) -> list[Technician]:
    paged = select(OutboxMessage.technician_id).where(
        OutboxMessage.ticket_id == lead.id,
        OutboxMessage.kind == OutboxKind.PAGE,
        OutboxMessage.status != OutboxStatus.CANCELLED,
    )
    stmt = select(Technician).where(Technician.id.in_(paged), Technician.active.is_(True))
    return list(session.scalars(stmt.order_by(Technician.id)))


def _tell(session: Session, ticket: Ticket, tech: Technician, note: str, now: datetime) -> None:
    # A page like any other: bundled with the escalation's texts to that phone, cancelled
    # once the group is acknowledged, rung instead when the text cannot get through.
    key = f"join:{ticket.id}:{tech.id}"
    if tech.sms_opted_out:
        enqueue_call(session, ticket, tech, key=f"{key}:call", now=now, step=None)
        how = "voice call"
    else:
        body = page_text(ticket, firm_of(session), note=note)
        enqueue_sms(session, ticket, tech, body, key=f"{key}:sms", now=now, step=None)
        how = "SMS"
    add_event(
        session,
        ticket.id,
        EventKind.PAGED,
        f"{tech.name}, already paged for the company, told by {how}.",
        at=now,
    )
