"""Tickets flagged for payment contact (no Master Services Agreement on file, or an
unidentified caller): billing's worklist, and marking one done once the client was
contacted (audited, and noted on the ticket's staff timeline)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ticketing.errors import DomainError, NotFound
from ticketing.event_kinds import EventKind
from ticketing.models import Ticket
from ticketing.timeline import add_event


def payment_worklist(session: Session) -> list[Ticket]:
    """Flagged tickets nobody has marked as contacted yet, oldest first."""
    stmt = (
        select(Ticket)
        .options(joinedload(Ticket.client), joinedload(Ticket.contact))
        .where(Ticket.payment_contact.is_(True), Ticket.payment_contacted_at.is_(None))
        .order_by(Ticket.id)
    )
    return list(session.scalars(stmt))


def mark_payment_contacted(session: Session, number: int, *, by: str, now: datetime) -> Ticket:
    """Billing contacted the client of ticket `number` about paying: off the worklist."""
    ticket = session.get(Ticket, number, with_for_update=True, populate_existing=True)
    if ticket is None:
        raise NotFound(f"no ticket #{number}")
    if not ticket.payment_contact:
        raise DomainError(f"ticket #{number} is not flagged for payment contact")
    if ticket.payment_contacted_at is not None:
        raise DomainError(
            f"ticket #{number} was marked contacted already, by {ticket.payment_contacted_by}"
        )
    ticket.payment_contacted_at, ticket.payment_contacted_by = now, by[:200]
    add_event(
        session,
        ticket.id,
        EventKind.PAYMENT_CONTACT,
        f"Billing contacted the client for payment ({by}).",
        at=now,
        actor=by,
    )
    return ticket
