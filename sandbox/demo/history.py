"""Demo data: a few months of past tickets of all three classes, each with its timeline,
as the calls, the portal and the technicians would have left them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy.orm import Session

from ivr.phones import national
from ticketing.accounts.models import User
from ticketing.billing.months import add_months, first_of_month
from ticketing.event_kinds import EventKind
from ticketing.models import (
    Contact,
    ServiceClass,
    Technician,
    Ticket,
    TicketSource,
    TicketStatus,
)
from ticketing.service_requests.models import RequestWindow, ServiceRequest
from ticketing.timeline import add_event

DAY_KINDS = {"weekday": range(5), "saturday": (5,), "sunday": (6,)}


@dataclass(frozen=True)
class PastTicket:
    """One ticket of the demo's history: when (months back, the nth day of a kind, local
    time), what, how fast an emergency was acknowledged, the hours worked."""

    months_back: int
    day: tuple[str, int]
    at: str
    service_class: ServiceClass
    description: str
    hours: str
    ack_minutes: int | None = None
    prepaid: bool = False
    reclassified: bool = False


@dataclass(frozen=True)
class Cast:
    """Who takes part: the client's contact and portal user, and the technicians."""

    contact: Contact
    user: User | None
    on_call: Technician
    help_desk: Technician
    professional: Technician


def _day(month: date, kind: str, n: int) -> date:
    """The nth day of `kind` in `month`, skipping public holidays for weekdays."""
    closed = holidays.country_holidays("US", subdiv="NC", years=month.year)
    day, seen = month, 0
    while True:
        if day.weekday() in DAY_KINDS[kind] and (kind != "weekday" or day not in closed):
            seen += 1
            if seen == n:
                return day
        day += timedelta(days=1)


def at_local(
    months_back: int, day: tuple[str, int], at: str, now: datetime, zone: ZoneInfo
) -> datetime:
    """ "The 2nd Saturday, 21:40, five months ago" as an aware datetime in `now`'s zone."""
    month = add_months(first_of_month(now.astimezone(zone).date()), -months_back)
    found = _day(month, *day)
    hour, minute = (int(part) for part in at.split(":"))
    local = datetime(found.year, found.month, found.day, hour, minute, tzinfo=zone)
    return local.astimezone(now.tzinfo)


def moment(past: PastTicket, now: datetime, zone: ZoneInfo) -> datetime:
    """When the past ticket was opened."""
    return at_local(past.months_back, past.day, past.at, now, zone)


def open_ticket(session: Session, past: PastTicket, cast: Cast, opened: datetime) -> Ticket:
    """The ticket row, resolved (its timeline is written by `write_timeline`)."""
    phone = past.service_class != ServiceClass.PROFESSIONAL_SERVICE
    ticket = Ticket(
        service_class=past.service_class,
        status=TicketStatus.RESOLVED,
        source=TicketSource.PHONE if phone else TicketSource.PORTAL,
        client_id=cast.contact.client_id,
        contact_id=cast.contact.id,
        caller_number=cast.contact.phone if phone else None,
        callback_number=cast.contact.phone,
        description=past.description,
        opened_at=opened,
        intake_completed_at=opened + timedelta(minutes=1),
        requested_by_user_id=None if phone or cast.user is None else cast.user.id,
        payment_contact=not cast.contact.client.has_msa,
    )
    session.add(ticket)
    session.flush()
    return ticket


def write_timeline(
    session: Session, ticket: Ticket, past: PastTicket, cast: Cast, zone: ZoneInfo
) -> datetime:
    """Every line of the ticket's timeline up to the work; returns when the work started."""
    opened = ticket.opened_at
    if past.service_class == ServiceClass.PROFESSIONAL_SERVICE:
        return _requested(session, ticket, past, cast, zone)
    _call_opening(session, ticket, past, cast, zone)
    if past.ack_minutes is None:
        start = opened + timedelta(minutes=3)
        tech = cast.help_desk
        _event(
            session,
            ticket,
            EventKind.HELPDESK_QUEUE,
            "Caller chose help desk: in the queue (1st).",
            opened,
        )
        _event(
            session,
            ticket,
            EventKind.HELPDESK_ANSWERED,
            f"Answered by {tech.name}.",
            start,
            tech.name,
        )
        return start
    return _emergency(session, ticket, past, cast)


def _event(
    session: Session, ticket: Ticket, kind: str, text: str, at: datetime, actor: str = "system"
) -> None:
    add_event(session, ticket.id, kind, text, at=at, actor=actor)


def _call_opening(
    session: Session, ticket: Ticket, past: PastTicket, cast: Cast, zone: ZoneInfo
) -> None:
    at, contact = ticket.opened_at, cast.contact
    local = f"{at.astimezone(zone):%a %Y-%m-%d %H:%M %Z}"
    emergency = past.ack_minutes is not None
    local_at = at.astimezone(zone)
    reason = (
        "weekend"
        if local_at.weekday() >= 5
        else "evening"
        if not 8 <= local_at.hour < 17
        else "the caller chose emergency"
    )
    ticket.classification_reason = reason if emergency else "business hours"
    ticket.service_class = ServiceClass.EMERGENCY if emergency else past.service_class
    _event(
        session,
        ticket,
        EventKind.CALL_RECEIVED,
        f"Call received from {national(contact.phone)}.",
        at,
    )
    text = (
        f"Classified emergency: {reason} ({local})."
        if emergency
        else f"Business hours ({local}): the caller is offered the menu."
    )
    _event(session, ticket, EventKind.CLASSIFIED, text, at)
    who = f"{contact.name}, {contact.client.name} (account {contact.client.account_number})"
    _event(session, ticket, EventKind.CALLER_IDENTIFIED, f"Caller identified by phone: {who}.", at)
    if ticket.payment_contact:
        text = "No Master Services Agreement on file: flagged for billing to contact for payment."
        _event(session, ticket, EventKind.PAYMENT_CONTACT, text, at)
    if not emergency:
        return  # the caller waits in the help-desk queue instead of leaving a message
    later = at + timedelta(minutes=1)
    _event(session, ticket, EventKind.RECORDING, "Message recorded (41 s).", later)
    _event(session, ticket, EventKind.TRANSCRIPTION, "Message transcribed.", later)
    _event(
        session,
        ticket,
        EventKind.INTAKE_COMPLETE,
        "Intake complete: the caller left a message.",
        later,
    )


def _emergency(session: Session, ticket: Ticket, past: PastTicket, cast: Cast) -> datetime:
    tech, paged = cast.on_call, ticket.opened_at + timedelta(minutes=1)
    acked = ticket.opened_at + timedelta(minutes=past.ack_minutes or 0)
    ticket.paged_at, ticket.acknowledged_at, ticket.acknowledged_by_id = paged, acked, tech.id
    _event(session, ticket, EventKind.PAGED, f"Paging {tech.name} (primary on call) by SMS.", paged)
    _event(
        session,
        ticket,
        EventKind.PAGE_DELIVERED,
        "Page delivered to the technician's phone.",
        paged,
    )
    text = f"Acknowledged by {tech.name} (replied ACK)."
    _event(session, ticket, EventKind.ACKNOWLEDGED, text, acked, tech.name)
    _event(
        session,
        ticket,
        EventKind.CLIENT_NOTIFIED,
        f"{cast.contact.name} told by SMS who is on it.",
        acked,
    )
    if past.reclassified:
        ticket.service_class = ServiceClass.HELP_DESK
        text = (
            f"Reclassified as help desk by {tech.name}: not an emergency "
            "(it can wait for business hours). The representative was told by SMS and email."
        )
        _event(
            session, ticket, EventKind.RECLASSIFIED, text, acked + timedelta(minutes=4), tech.name
        )
    return acked + timedelta(minutes=5)


def _requested(
    session: Session, ticket: Ticket, past: PastTicket, cast: Cast, zone: ZoneInfo
) -> datetime:
    opened, tech = ticket.opened_at, cast.professional
    ticket.classification_reason = "requested from the portal"
    start = opened + timedelta(days=2)
    request = ServiceRequest(
        ticket_id=ticket.id,
        preferred_technician_id=tech.id,
        hour_limit=Decimal(past.hours) + 2,
        scheduled_technician_id=tech.id,
        scheduled_start=start,
        confirmed_at=opened + timedelta(hours=2),
        requested_by=cast.user.name if cast.user else cast.contact.name,
        created_at=opened,
    )
    request.windows.append(RequestWindow(starts_at=start, ends_at=start + timedelta(hours=4)))
    session.add(request)
    who = request.requested_by
    text = f"Professional service requested from the portal by {who} (preferred: {tech.name})."
    _event(session, ticket, EventKind.REQUEST_RECEIVED, text, opened, who)
    when = f"{start.astimezone(zone):%a %Y-%m-%d %H:%M %Z}"
    text = f"Scheduled with {tech.name} for {when}."
    _event(session, ticket, EventKind.SCHEDULED, text, opened + timedelta(hours=2), tech.name)
    return start


def finish(
    session: Session, ticket: Ticket, past: PastTicket, tech: Technician, start: datetime
) -> None:
    """Time spent, then resolved."""
    end = start + timedelta(hours=float(past.hours))
    _event(
        session,
        ticket,
        EventKind.TIME,
        f"Time spent: {past.hours} h by {tech.name}.",
        end,
        tech.name,
    )
    ticket.resolved_at = end + timedelta(minutes=5)
    _event(
        session,
        ticket,
        EventKind.RESOLVED,
        f"Resolved by {tech.name}.",
        ticket.resolved_at,
        tech.name,
    )
