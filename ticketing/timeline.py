"""Writing and reading a ticket's timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.models import TicketEvent


def add_event(
    session: Session,
    ticket_id: int,
    kind: str,
    message: str,
    *,
    at: datetime,
    actor: str = "system",
) -> TicketEvent:
    """Append one line to a ticket's timeline (the caller commits)."""
    event = TicketEvent(ticket_id=ticket_id, kind=kind, message=message, at=at, actor=actor)
    session.add(event)
    return event


def events_of(session: Session, ticket_id: int) -> list[TicketEvent]:
    """A ticket's timeline, oldest first."""
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    return list(session.scalars(stmt))
