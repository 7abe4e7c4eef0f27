"""Service requests from the portal, the phone menu or staff (docs/design.md §1 "Professional
services"): preferred technician, preferred time windows, a limit on hours.

A request is all or nothing: every field is checked (ticketing/service_requests/checks.py) before
the first row is written, so a refusal leaves no ticket, request or window behind. There
is no work-order approval step: the firm's page promises that portal requests need none.
A professional-service request may name no time window at all: the firm then proposes one
when it schedules the work. The portal's "Request Emergency Help Desk" is not a request to
be scheduled: it opens an emergency ticket and pages the on-call technician exactly as a
call does, and tells the client that calling the line is faster still.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from ticketing.directory import representative_of
from ticketing.errors import DomainError, NotFound
from ticketing.event_kinds import EventKind
from ticketing.firm import Firm, firm_in
from ticketing.models import (
    UNRESOLVED,
    ServiceClass,
    Technician,
    Ticket,
    TicketEvent,
    TicketSource,
    TicketStatus,
)
from ticketing.paging.escalation import start_escalation
from ticketing.service_requests.checks import (
    CheckedRequest,
    active_technician,
    check_request,
    check_start,
)
from ticketing.service_requests.models import RequestWindow, ServiceRequest
from ticketing.service_requests.notices import (
    SOURCE_WORDS,
    notify_schedule,
    received_text,
    schedule_text,
)
from ticketing.timeline import add_event
from ticketing.wallclock import business_zone

# Emergency requests one company may send from the portal in a window; more are refused
# with the advice to call (a call is never refused).
PORTAL_EMERGENCY_LIMIT = 3
PORTAL_EMERGENCY_WINDOW = timedelta(minutes=10)


def emergency_notice(firm: Firm) -> str:
    """What a portal emergency request's sender is told: a call is the fastest way."""
    return f"Calling {firm.call_line} is the fastest way to reach the on-call technician."


@dataclass(frozen=True)
class SubmittedRequest:
    """What submit_request made, and what to show the person who asked (if anything)."""

    ticket: Ticket
    service_request: ServiceRequest | None  # None for an emergency: it is paged, not booked
    notice: str | None = None


def submit_request(
    session: Session,
    *,
    client_id: int,
    service_class: str,
    description: str,
    preferred_technician: str | None,
    windows: Sequence[tuple[datetime, datetime]],
    hour_limit: Decimal | None,
    requested_by: str,
    contact_id: int | None = None,
    now: datetime,
    source: str = TicketSource.PORTAL,
    timezone: str | ZoneInfo | None = None,
) -> SubmittedRequest:
    """Open the ticket of a help-desk, professional-service or emergency request, or raise
    a DomainError having written nothing. `timezone` only words the timeline."""
    checked = check_request(
        session,
        client_id=client_id,
        service_class=service_class,
        description=description,
        preferred_technician=preferred_technician,
        windows=windows,
        hour_limit=hour_limit,
        requested_by=requested_by,
        contact_id=contact_id,
        now=now,
        source=source,
    )
    if checked.service_class == ServiceClass.EMERGENCY:
        if checked.source == TicketSource.PORTAL:
            _check_portal_emergency_rate(session, checked.client.id, now)
        return _open_emergency(session, checked, now)
    return _open_service_request(session, checked, now, business_zone(timezone))


def _check_portal_emergency_rate(session: Session, client_id: int, now: datetime) -> None:
    """Refuse another portal emergency when the company has sent PORTAL_EMERGENCY_LIMIT in
    the last PORTAL_EMERGENCY_WINDOW: a form must not be a way to page the on-call staff
    over and over; someone truly in trouble is told to call, which reaches them anyway."""
    recent = session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.client_id == client_id,
            Ticket.service_class == ServiceClass.EMERGENCY,
            Ticket.source == TicketSource.PORTAL,
            Ticket.opened_at > now - PORTAL_EMERGENCY_WINDOW,
        )
    )
    if (recent or 0) >= PORTAL_EMERGENCY_LIMIT:
        raise DomainError(
            f"Your company has sent {recent} emergency requests in the last "
            f"{PORTAL_EMERGENCY_WINDOW.seconds // 60} minutes and the on-call technician "
            f"has been paged. For anything more, please call {firm_in(session).call_line}."
        )


def _open_emergency(session: Session, checked: CheckedRequest, now: datetime) -> SubmittedRequest:
    """As a call's intake ends: complete at once, then page in the same transaction."""
    ticket = _open_ticket(session, checked, now)
    _complete(session, ticket, checked, now, "emergency requested")
    start_escalation(session, ticket, now=now)
    session.flush()
    return SubmittedRequest(ticket, None, emergency_notice(firm_in(session)))


def _open_service_request(
    session: Session, checked: CheckedRequest, now: datetime, tz: ZoneInfo
) -> SubmittedRequest:
    ticket = _open_ticket(session, checked, now)
    request = ServiceRequest(
        ticket_id=ticket.id,
        preferred_technician_id=checked.technician.id if checked.technician else None,
        hour_limit=checked.hour_limit,
        requested_by=checked.requested_by,
        created_at=now,
        windows=[RequestWindow(starts_at=start, ends_at=end) for start, end in checked.windows],
    )
    session.add(request)
    add_event(session, ticket.id, EventKind.REQUEST_RECEIVED, received_text(checked, tz), at=now)
    _complete(session, ticket, checked, now, "request received")
    session.flush()
    return SubmittedRequest(ticket, request)


def _open_ticket(session: Session, checked: CheckedRequest, now: datetime) -> Ticket:
    contact = checked.contact or representative_of(session, checked.client.id)
    ticket = Ticket(
        service_class=checked.service_class,
        classification_reason=f"requested ({checked.source})",
        source=checked.source,
        client_id=checked.client.id,
        contact_id=checked.contact.id if checked.contact else None,
        # Who to call back: the person who asked, else the client's representative.
        callback_number=contact.phone if contact else None,
        description=checked.description,
        opened_at=now,
    )
    session.add(ticket)
    session.flush()
    if checked.service_class == ServiceClass.EMERGENCY:
        add_event(
            session,
            ticket.id,
            EventKind.CLASSIFIED,
            f"Emergency requested ({SOURCE_WORDS.get(checked.source, checked.source)}) by "
            f"{checked.requested_by}: "
            "emergency rates apply.",
            at=now,
        )
    return ticket


def _complete(
    session: Session, ticket: Ticket, checked: CheckedRequest, now: datetime, how: str
) -> None:
    """As a call's intake ends: no MSA → flagged for billing to contact for payment."""
    ticket.intake_completed_at = now
    if not checked.client.has_msa:
        ticket.payment_contact = True
        add_event(
            session,
            ticket.id,
            EventKind.PAYMENT_CONTACT,
            "No Master Services Agreement on file: flagged for billing to contact for payment.",
            at=now,
        )
    add_event(session, ticket.id, EventKind.INTAKE_COMPLETE, f"Intake complete: {how}.", at=now)


def request_of(session: Session, ticket_number: int, *, lock: bool = False) -> ServiceRequest:
    """The service request behind ticket #`ticket_number` (row-locked to change it)."""
    stmt = select(ServiceRequest).where(ServiceRequest.ticket_id == ticket_number)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    request = session.scalar(stmt)
    if request is None:
        if session.get(Ticket, ticket_number) is None:
            raise NotFound(f"no ticket #{ticket_number}")
        raise DomainError(f"ticket #{ticket_number} is not a help-desk or professional request")
    return request


def schedule_request(
    session: Session,
    ticket_number: int,
    *,
    technician: str,
    start: datetime,
    now: datetime,
    timezone: str | ZoneInfo | None = None,
    firm_name: str | None = None,
    actor: str = "staff",
) -> ServiceRequest:
    """Confirm (or change) who does the work and when; the client's representative is told
    by SMS and email. The same schedule again changes and sends nothing."""
    request = request_of(session, ticket_number, lock=True)
    if request.ticket.status == TicketStatus.RESOLVED:
        raise DomainError(f"ticket #{ticket_number} is resolved: nothing to schedule")
    tech = active_technician(session, technician)
    start = check_start(start, now)
    if request.scheduled_technician_id == tech.id and request.scheduled_start == start:
        return request  # a retry (double submit, re-run command): already so, told once
    tz = business_zone(timezone)
    revision = _schedule_count(session, request.ticket_id)
    previous = _set_schedule(session, request, tech, start, now=now, tz=tz, actor=actor)
    notify_schedule(
        session,
        request,
        revision=revision,
        previous=previous,
        now=now,
        tz=tz,
        firm_name=firm_name or firm_in(session).name,
    )
    session.flush()
    return request


def _set_schedule(
    session: Session,
    request: ServiceRequest,
    tech: Technician,
    start: datetime,
    *,
    now: datetime,
    tz: ZoneInfo,
    actor: str,
) -> str | None:
    """Store the schedule and put it on the timeline; the one it replaces, in words."""
    previous = None
    if request.scheduled_start is not None and request.scheduled_technician is not None:
        previous = schedule_text(request.scheduled_technician, request.scheduled_start, tz)
    request.scheduled_technician, request.scheduled_start = tech, start
    request.confirmed_at = now
    what = schedule_text(tech, start, tz)
    text = f"Rescheduled: {what} (was {previous})." if previous else f"Scheduled with {what}."
    add_event(session, request.ticket_id, EventKind.SCHEDULED, text, at=now, actor=actor)
    return previous


def _schedule_count(session: Session, ticket_id: int) -> int:
    # How many schedules came before: the revision that keys this one's notices.
    stmt = select(func.count()).where(
        TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "scheduled"
    )
    return session.scalar(stmt) or 0


def service_requests(session: Session, *, unscheduled: bool = False) -> list[ServiceRequest]:
    """Requests oldest first; `unscheduled`: only open ones with no confirmed schedule."""
    stmt = (
        select(ServiceRequest)
        .join(ServiceRequest.ticket)
        .options(
            contains_eager(ServiceRequest.ticket).joinedload(Ticket.client),
            joinedload(ServiceRequest.preferred_technician),
            joinedload(ServiceRequest.scheduled_technician),
            selectinload(ServiceRequest.windows),
        )
        .order_by(ServiceRequest.ticket_id)
    )
    if unscheduled:
        stmt = stmt.where(ServiceRequest.scheduled_start.is_(None), Ticket.status.in_(UNRESOLVED))
    return list(session.scalars(stmt))
