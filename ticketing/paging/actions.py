"""What a paged technician can do, by SMS or by key on a voice page, and whether it took."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.models import (
    OutboxKind,
    OutboxMessage,
    ServiceClass,
    Technician,
    Ticket,
    TicketStatus,
)
from ticketing.paging import responses
from ticketing.paging.joining import group_of


class Action(enum.StrEnum):
    """The four things a technician can do with a page."""

    ACK = "ack"
    RESOLVE = "resolve"
    ESCALATE = "escalate"
    NOT_EMERGENCY = "not_emergency"


def perform(
    session: Session,
    action: Action,
    ticket: Ticket,
    tech: Technician,
    *,
    now: datetime,
    via: str,
    reason: str = "",
) -> bool:
    """Do `action` unless the ticket's state rules it out; True when it took effect.

    When it did not, the ticket's state (status, holder, class) says why.
    """
    # Two technicians answering the same page at once: the row lock makes the second
    # one see the first one's acknowledgement instead of acknowledging over it.
    session.flush()  # populate_existing would otherwise drop unflushed changes
    # Acknowledging one ticket of a company's escalation takes the others with it: the
    # whole group is locked first, in number order, then the ticket (already, if in it).
    group_of(session, ticket, lock=True)
    session.get(Ticket, ticket.id, with_for_update=True, populate_existing=True)
    if action is Action.ACK:
        if ticket.service_class != ServiceClass.EMERGENCY:
            return False  # a help-desk ticket pages nobody; "working on your emergency" is wrong
        return responses.acknowledge(session, ticket, tech, now=now, via=via)
    if action is Action.RESOLVE:
        return responses.resolve(session, ticket, tech, now=now, via=via)
    if action is Action.ESCALATE:
        if ticket.status != TicketStatus.OPEN or ticket.service_class != ServiceClass.EMERGENCY:
            return False  # nothing is paging: an "asked to escalate" line would mislead
        return responses.escalate(session, ticket, tech, now=now, via=via)
    return responses.not_an_emergency(session, ticket, tech, now=now, via=via, reason=reason)


def holder_name(ticket: Ticket) -> str | None:
    """Who acknowledged the ticket, if anyone."""
    return ticket.acknowledged_by.name if ticket.acknowledged_by is not None else None


def was_paged(session: Session, ticket: Ticket, tech: Technician) -> bool:
    """True when the ticket paged this technician (SMS or call)."""
    stmt = select(OutboxMessage.id).where(
        OutboxMessage.ticket_id == ticket.id,
        OutboxMessage.technician_id == tech.id,
        OutboxMessage.kind == OutboxKind.PAGE,
    )
    return session.scalar(stmt.limit(1)) is not None
