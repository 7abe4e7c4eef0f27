"""Writing and reading a ticket's timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.event_kinds import Audience, EventKind, default_audience
from ticketing.models import TicketEvent


def add_event(
    session: Session,
    ticket_id: int,
    kind: EventKind,
    message: str,
    *,
    at: datetime,
    actor: str = "system",
    audience: Audience | None = None,
) -> TicketEvent:
    """Append one line to a ticket's timeline (the caller commits).

    Its audience is the kind's unless the writer chooses (a console note shown to the
    client); an unknown kind is refused, so every line has a decided audience.
    """
    kind = EventKind(kind)
    event = TicketEvent(
        ticket_id=ticket_id,
        kind=kind.value,
        message=message,
        at=at,
        actor=actor,
        audience=audience or default_audience(kind),
    )
    session.add(event)
    return event


def events_of(session: Session, ticket_id: int) -> list[TicketEvent]:
    """A ticket's timeline, oldest first."""
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    return list(session.scalars(stmt))


def client_events_of(session: Session, ticket_id: int) -> list[tuple[TicketEvent, str]]:
    """The lines of a ticket's timeline a client may read, each with its client words,
    oldest first; a line repeating the one before it (a page per escalation step) once."""
    shown: list[tuple[TicketEvent, str]] = []
    for event in events_of(session, ticket_id):
        words = event.client_message
        if words is None or (shown and shown[-1][1] == words):
            continue
        shown.append((event, words))
    return shown
