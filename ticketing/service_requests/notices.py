"""How a service request is put into words: the timeline, and the notices to the client's
representative when staff confirm or change its schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ticketing.directory import representative_of
from ticketing.event_kinds import EventKind
from ticketing.firm import firm_in
from ticketing.models import Contact, OutboxKind, ServiceClass, Technician, Ticket, TicketSource
from ticketing.outbox import enqueue_email, enqueue_sms
from ticketing.service_requests.checks import CheckedRequest
from ticketing.service_requests.models import ServiceRequest
from ticketing.sms_text import to_gsm7
from ticketing.timeline import add_event
from ticketing.wallclock import local_label

SOURCE_WORDS = {
    TicketSource.PORTAL: "from the portal",
    TicketSource.PHONE: "from the phone menu",
    TicketSource.CLI: "entered by staff",
    TicketSource.STAFF: "entered by staff",
}


def day_and_time(moment: datetime, tz: ZoneInfo) -> str:
    """ "Tue 12/8 at 9:00 AM" on the wall clock of `tz`."""
    day, clock, half = local_label(moment, tz).rsplit(" ", 2)
    return f"{day} at {clock} {half}"


def hours_text(hours: Decimal) -> str:
    """4.00 → "4 hours", 2.50 → "2.5 hours", 1 → "1 hour"."""
    shown = format(hours.normalize(), "f")
    return f"{shown} hour" if shown == "1" else f"{shown} hours"


def window_text(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """ "Tue 12/8 9:00 AM to 12:00 PM" (the end's day only when it differs)."""
    first, last = local_label(start, tz), local_label(end, tz)
    same_day = start.astimezone(tz).date() == end.astimezone(tz).date()
    return f"{first} to {last.split(' ', 2)[2] if same_day else last}"


def kind_label(service_class: str) -> str:
    """ "professional service" or "help desk"."""
    return ServiceClass.label_of(service_class).lower()


def received_text(checked: CheckedRequest, tz: ZoneInfo) -> str:
    """The timeline line of a new help-desk or professional-service request."""
    where = SOURCE_WORDS.get(checked.source, checked.source)
    tech = checked.technician.name if checked.technician else "any technician"
    if checked.windows:
        times = ", ".join(window_text(start, end, tz) for start, end in checked.windows)
        when = f"preferred times {times}"
    else:
        when = "no preferred time"
        if checked.service_class == ServiceClass.PROFESSIONAL_SERVICE:
            when += " (the firm will propose one)"
    limit = f"limit {hours_text(checked.hour_limit)}" if checked.hour_limit else "no hour limit"
    text = (
        f"Request received ({kind_label(checked.service_class)}, {where}, by "
        f"{checked.requested_by}): {tech}; {when}; {limit}. No work-order approval needed."
    )
    if checked.service_class == ServiceClass.HELP_DESK and (checked.technician or checked.windows):
        text += " Help desk is first come, first served: these are preferences, not bookings."
    return text


def schedule_text(tech: Technician, start: datetime, tz: ZoneInfo) -> str:
    """ "Dana Whitfield on Tue 12/8 at 9:00 AM"."""
    return f"{tech.name} on {day_and_time(start, tz)}"


@dataclass(frozen=True)
class ScheduleNotice:
    """What the representative is told about a schedule, by SMS and by email."""

    text: str
    subject: str
    email_body: str


def schedule_notice(
    request: ServiceRequest,
    rep_name: str,
    previous: str | None,
    tz: ZoneInfo,
    firm_name: str,
    line: str = "our support line",
) -> ScheduleNotice:
    """The words of the SMS (one segment when the names allow) and of the email."""
    ticket: Ticket = request.ticket
    assert request.scheduled_technician is not None and request.scheduled_start is not None
    what = schedule_text(request.scheduled_technician, request.scheduled_start, tz)
    verb = (
        f"is now scheduled with {what} (was {previous})"
        if previous
        else f"is scheduled with {what}"
    )
    label = kind_label(ticket.service_class)
    return ScheduleNotice(
        text=to_gsm7(f"{firm_name}: your {label} request #{ticket.number} {verb}."),
        subject=f"Request #{ticket.number} {'rescheduled' if previous else 'scheduled'}: {what}",
        email_body=schedule_email(ticket, rep_name, verb, request, firm_name, line),
    )


def notify_schedule(
    session: Session,
    request: ServiceRequest,
    *,
    revision: int,
    previous: str | None,
    now: datetime,
    tz: ZoneInfo,
    firm_name: str,
) -> list[str]:
    """Owe the representative an SMS and (with an address) an email about the schedule;
    the channels used. `revision` makes a change notify again and a retry not."""
    ticket: Ticket = request.ticket
    rep = representative_of(session, ticket.client_id) if ticket.client_id else None
    if rep is None:
        nobody = "No client representative to tell."
        add_event(session, ticket.id, EventKind.CLIENT_NOTIFIED, nobody, at=now)
        return []
    notice = schedule_notice(request, rep.name, previous, tz, firm_name, firm_in(session).call_line)
    key = f"sr-schedule:{request.id}:{revision}"
    told = owe_representative(session, ticket, rep, notice, key=key, now=now)
    if told:
        line = f"{rep.name} told of the schedule by {' and '.join(told)}."
        add_event(session, ticket.id, EventKind.CLIENT_NOTIFIED, line, at=now)
    return told


def owe_representative(
    session: Session,
    ticket: Ticket,
    rep: Contact,
    notice: ScheduleNotice,
    *,
    key: str,
    now: datetime,
) -> list[str]:
    """Owe the representative `notice` by SMS and (with an address) email, once per `key`;
    the channels newly owed."""
    # None back from enqueue_*: that key was owed already (a retry), so nobody is told twice.
    told = []
    if enqueue_sms(
        session,
        ticket,
        None,
        notice.text,
        key=f"{key}:sms",
        now=now,
        to_number=rep.phone,
        kind=OutboxKind.NOTICE,
    ):
        told.append("SMS")
    if rep.email and enqueue_email(
        session, ticket, rep.email, notice.subject, notice.email_body, key=f"{key}:email", now=now
    ):
        told.append("email")
    return told


def schedule_email(
    ticket: Ticket,
    name: str,
    verb: str,
    request: ServiceRequest,
    firm_name: str,
    line: str = "our support line",
) -> str:
    """The email to the representative: what was scheduled, with whom, and the limits."""
    client = ticket.client.name if ticket.client else "your company"
    lines = [
        f"Dear {name},",
        "",
        f"Your {kind_label(ticket.service_class)} request #{ticket.number} for {client} {verb}.",
    ]
    if request.hour_limit:
        lines.append(f"Time spent will be limited to {hours_text(request.hour_limit)}.")
    lines += [
        "",
        f"What you asked for: {ticket.description or '(no description)'}",
        "",
        f"If this time does not suit you, call us at {line}.",
        "",
        firm_name,
    ]
    return "\n".join(lines)
