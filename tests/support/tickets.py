"""Tickets in a few words: as rows, as the portal opens them, as the help-desk queue holds
them; and a ticket's timeline read back."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.moments import NY
from ticketing.accounts.models import User
from ticketing.calls.models import QueueEntry
from ticketing.models import Call, Client, Ticket, TicketEvent
from ticketing.service_requests.booking import submit_request

# Inside the month the billing tests bill (November 2026).
BILLED_MOMENT = datetime(2026, 11, 2, 15, tzinfo=NY)


def add_ticket(
    session: Session,
    client: Client | None,
    service_class: str = "emergency",
    opened_at: datetime = BILLED_MOMENT,
    *,
    apply: bool = False,
    ack_minutes: float | None = None,
) -> Ticket:
    """A ticket of `client` in that class opened at `opened_at`, acknowledged `ack_minutes`
    later if given (pre-paid hours applied if `apply`)."""
    ticket = Ticket(
        service_class=service_class,
        client_id=client.id if client else None,
        apply_retainer=apply,
        opened_at=opened_at,
    )
    if ack_minutes is not None:
        ticket.status = "acknowledged"
        ticket.acknowledged_at = opened_at + timedelta(minutes=ack_minutes)
    session.add(ticket)
    session.flush()
    return ticket


def request_ticket(
    session: Session,
    client: Client,
    user: User,
    service_class: str,
    text: str,
    now: datetime,
    *,
    technician: str | None = None,
    windows: list[tuple[datetime, datetime]] | None = None,
    hour_limit: Decimal | None = None,
) -> Ticket:
    """A help-desk or professional request made by `user`, as the portal makes it."""
    result = submit_request(
        session,
        client_id=client.id,
        service_class=service_class,
        description=text,
        preferred_technician=technician,
        windows=windows or [],
        hour_limit=hour_limit,
        requested_by=user.name,
        contact_id=user.contact_id,
        now=now,
    )
    result.ticket.requested_by_user_id = user.id
    session.commit()
    return result.ticket


def help_desk_caller(
    session: Session, client_id: int, number: str, sid: str, queued_at: datetime
) -> QueueEntry:
    """A business-hours caller waiting in the help-desk queue (ticket, call, queue row)."""
    ticket = Ticket(
        service_class="help_desk",
        client_id=client_id,
        caller_number=number,
        callback_number=number,
        description="Printer offline",
        opened_at=queued_at,
    )
    session.add(ticket)
    session.flush()
    session.add(
        Call(
            call_sid=sid,
            ticket_id=ticket.id,
            from_raw=number,
            caller_e164=number,
            started_at=queued_at - timedelta(minutes=1),
            classified_for=queued_at,
            service_class="help_desk",
            reason="business hours",
            in_business_hours=True,
            status="in-progress",
        )
    )
    entry = QueueEntry(call_sid=sid, ticket_id=ticket.id, queued_at=queued_at)
    session.add(entry)
    session.commit()
    return entry


def events(session: Session, ticket_id: int, kind: str | None = None) -> list[TicketEvent]:
    """The ticket's timeline as the database holds it now (optionally one kind)."""
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    if kind:
        stmt = stmt.where(TicketEvent.kind == kind)
    return list(session.scalars(stmt.order_by(TicketEvent.id)))
