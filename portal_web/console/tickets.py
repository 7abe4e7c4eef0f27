"""What staff do to a ticket from the console: acknowledge, assign, reclassify, add a note,
log time, resolve, and open the follow-up of a resolved emergency.

Each action is one small CSRF-protected form. It runs in one transaction: a refusal
(DomainError) rolls back everything and shows the ticket again with the reason, so
nothing is ever half done. The timeline names the staff user who acted: as the actor of
console lines, and in the "via" of what a technician is recorded as doing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_web import access, context
from portal_web.changes import apply_change
from portal_web.console.blueprint import console
from portal_web.console.inputs import parse_local, staff_name, technician_from, text_field

# The list and the ticket page (GET routes) live in ticket_view.py.
from portal_web.console.ticket_view import allowed_actions, render_ticket, ticket_or_404
from ticketing.errors import DomainError
from ticketing.event_kinds import Audience, EventKind
from ticketing.models import ServiceClass, Ticket, TicketSource, TicketStatus
from ticketing.paging.actions import Action, holder_name, perform
from ticketing.service_requests.models import ServiceRequest
from ticketing.timeline import add_event

MAX_MINUTES = 24 * 60
MAX_REASON = 300
# An action: (session, locked ticket, moment) → what to tell the staff user it did.
Act = Callable[[Session, Ticket, datetime], str]


def _act(number: int, act: Act) -> ResponseReturnValue:
    """Run one action on ticket #`number` all or nothing, then back to the ticket."""
    session = context.db()
    ticket = ticket_or_404(number, lock=True)

    def change() -> str:
        done = act(session, ticket, context.now())
        session.flush()
        return done

    def refused(error: DomainError) -> ResponseReturnValue:
        message = str(error)
        return render_ticket(
            ticket_or_404(number),
            error=message[:1].upper() + message[1:] + ".",
            form=request.form,
        )

    return apply_change(
        change,
        redirect_to=url_for("console.ticket", number=number),
        render_on_error=refused,
        code=303,
    )


def _via() -> str:
    return f"console, by {staff_name()}"


def _refused_ack(ticket: Ticket) -> DomainError:
    if ticket.service_class != ServiceClass.EMERGENCY:
        return DomainError("only an emergency is acknowledged; assign this ticket instead")
    holder = holder_name(ticket)
    return DomainError(
        f"the ticket is already {ticket.status}" + (f" by {holder}" if holder else "")
    )


@console.post("/tickets/<int:number>/acknowledge")
@access.staff_required
def acknowledge(number: int) -> ResponseReturnValue:
    """POST: a technician takes the emergency (paging stops, the client is told)."""

    def act(session: Session, ticket: Ticket, moment: datetime) -> str:
        tech = technician_from(session, request.form.get("technician"))
        if not perform(session, Action.ACK, ticket, tech, now=moment, via=_via()):
            raise _refused_ack(ticket)
        return f"Acknowledged for {tech.name}: paging stopped and the client is being told."

    return _act(number, act)


@console.post("/tickets/<int:number>/assign")
@access.staff_required
def assign(number: int) -> ResponseReturnValue:
    """POST: assign the ticket to a technician (an empty choice takes the assignment off)."""

    def act(session: Session, ticket: Ticket, moment: datetime) -> str:
        raw = (request.form.get("technician") or "").strip()
        tech = technician_from(session, raw) if raw else None
        if (tech.id if tech else None) == ticket.assigned_to_id:
            raise DomainError("the ticket is already assigned that way")
        ticket.assigned_to = tech
        text = f"Assigned to {tech.name}." if tech else "Assignment removed."
        add_event(session, ticket.id, EventKind.ASSIGNED, text, at=moment, actor=staff_name())
        return text

    return _act(number, act)


@console.post("/tickets/<int:number>/reclassify")
@access.staff_required
def reclassify(number: int) -> ResponseReturnValue:
    """POST: not an emergency: moved to the help desk, the representative told, a live
    caller redirected (all by ticketing.paging.responses)."""

    def act(session: Session, ticket: Ticket, moment: datetime) -> str:
        tech = technician_from(session, request.form.get("technician"))
        reason = text_field(request.form.get("reason"), "the reason", limit=MAX_REASON)
        done = perform(
            session, Action.NOT_EMERGENCY, ticket, tech, now=moment, via=_via(), reason=reason
        )
        if not done:
            raise DomainError("only an unresolved emergency can be reclassified")
        return "Reclassified as not an emergency: moved to the help desk, the client is told."

    return _act(number, act)


@console.post("/tickets/<int:number>/note")
@access.staff_required
def note(number: int) -> ResponseReturnValue:
    """POST: add a note to the timeline, signed by the staff user: staff only unless the
    form says it is visible to the client."""

    def act(session: Session, ticket: Ticket, moment: datetime) -> str:
        text = text_field(request.form.get("note"), "the note")
        to_client = request.form.get("to_client") == "yes"
        audience = Audience.CLIENT if to_client else Audience.STAFF
        add_event(
            session,
            ticket.id,
            EventKind.NOTE,
            text,
            at=moment,
            actor=staff_name(),
            audience=audience,
        )
        return "Note added: the client can read it." if to_client else "Note added (staff only)."

    return _act(number, act)


def _minutes(raw: str | None) -> int:
    text = (raw or "").strip()
    # isdecimal, not isdigit: int() refuses "²"; and no more digits than 1440 has.
    if not text.isdecimal() or len(text) > 4 or not 0 < int(text) <= MAX_MINUTES:
        raise DomainError(f"minutes must be a whole number from 1 to {MAX_MINUTES}")
    return int(text)


@console.post("/tickets/<int:number>/time")
@access.staff_required
def log_time(number: int) -> ResponseReturnValue:
    """POST: record time a technician spent on the ticket (billed by the monthly run)."""

    def act(session: Session, ticket: Ticket, moment: datetime) -> str:
        # Imported here: ticketing.billing.time_entries is written alongside the console.
        from ticketing.billing import time_entries as billing

        tech = technician_from(session, request.form.get("technician"))
        minutes = _minutes(request.form.get("minutes"))
        billing.log_time(
            session,
            ticket,
            tech,
            started_at=parse_local(request.form.get("started_at")),
            minutes=minutes,
            note=text_field(request.form.get("note"), "the note", required=False, limit=500),
            logged_by=staff_name(),
            now=moment,
            timezone=context.business_tz(),
        )
        return f"Logged {minutes} min for {tech.name}."

    return _act(number, act)


@console.post("/tickets/<int:number>/resolve")
@access.staff_required
def resolve(number: int) -> ResponseReturnValue:
    """POST: close the ticket as a technician (an open escalation stops)."""

    def act(session: Session, ticket: Ticket, moment: datetime) -> str:
        tech = technician_from(session, request.form.get("technician"))
        if not perform(session, Action.RESOLVE, ticket, tech, now=moment, via=_via()):
            raise DomainError("the ticket is already resolved")
        if ticket.service_class == ServiceClass.EMERGENCY:
            return f"Resolved by {tech.name}. Open a follow-up for a long-term solution?"
        return f"Resolved by {tech.name}."

    return _act(number, act)


def _follow_up_ticket(emergency: Ticket, now: datetime) -> Ticket:
    """The help-desk ticket for the long-term fix, for the emergency's client and caller."""
    what = f"\n\nThe emergency: {emergency.description}" if emergency.description else ""
    return Ticket(
        service_class=ServiceClass.HELP_DESK,
        status=TicketStatus.OPEN,
        classification_reason=f"follow-up of emergency #{emergency.number}",
        source=TicketSource.STAFF,
        client_id=emergency.client_id,
        contact_id=emergency.contact_id,
        callback_number=emergency.callback_number,
        payment_contact=emergency.payment_contact,
        description=f"Long-term solution for emergency #{emergency.number}, in business hours."
        + what,
        follow_up_of_id=emergency.id,
        opened_at=now,
        intake_completed_at=now,
    )


def open_follow_up(session: Session, emergency: Ticket, *, by: str, now: datetime) -> Ticket:
    """A help-desk ticket for the long-term fix of a resolved emergency, to be scheduled
    in business hours (the firm's page: an emergency fix is not a long-term solution)."""
    if not allowed_actions(emergency, _has_follow_up(session, emergency))["follow_up"]:
        raise DomainError("a follow-up is opened once, for a resolved emergency")
    follow_up = _follow_up_ticket(emergency, now)
    session.add(follow_up)
    session.flush()
    # A request with no window: it shows on the board's "to schedule" panel.
    session.add(ServiceRequest(ticket_id=follow_up.id, requested_by=by, created_at=now))
    add_event(
        session,
        follow_up.id,
        EventKind.FOLLOW_UP,
        f"Opened as the follow-up of emergency #{emergency.number}: a long-term solution "
        "in business hours.",
        at=now,
        actor=by,
    )
    add_event(
        session,
        emergency.id,
        EventKind.FOLLOW_UP,
        f"Follow-up ticket #{follow_up.number} opened for a long-term solution in business hours.",
        at=now,
        actor=by,
    )
    return follow_up


def _has_follow_up(session: Session, ticket: Ticket) -> bool:
    found = session.scalar(select(Ticket.id).where(Ticket.follow_up_of_id == ticket.id).limit(1))
    return found is not None


@console.post("/tickets/<int:number>/follow-up")
@access.staff_required
def follow_up(number: int) -> ResponseReturnValue:
    """POST: open the follow-up ticket of a resolved emergency."""

    def act(session: Session, ticket: Ticket, moment: datetime) -> str:
        made = open_follow_up(session, ticket, by=staff_name(), now=moment)
        return f"Follow-up ticket #{made.number} opened."

    return _act(number, act)
