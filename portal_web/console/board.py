"""The console's live board: emergencies not yet resolved (who has them, or how far the
escalation got), the help-desk queue with its waits and offers, the sessions under way,
and service requests to schedule.

GET /console/board/panels returns only the panels; static/console_board.js swaps them in
every 10 seconds. Every POST here redirects back to the board (303) with a flash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ivr.phones import national
from portal_web import access, context
from portal_web.console.blueprint import console
from portal_web.console.inputs import parse_local, staff_name, technician_from, technicians
from ticketing.calls import helpdesk, next_caller
from ticketing.calls.models import Offer, OfferState, QueueEntry, QueueOutcome
from ticketing.errors import DomainError
from ticketing.models import UNRESOLVED, Call, ServiceClass, Technician, Ticket
from ticketing.paging.escalation import total_steps
from ticketing.paging.models import Escalation, EscalationPolicy, EscalationStatus
from ticketing.people.availability import available_technicians, on_help_desk
from ticketing.service_requests.booking import schedule_request, service_requests

OPTION = Markup('<option value="{0}">{0}</option>')
SELECTED_OPTION = Markup('<option value="{0}" selected>{0}</option>')


@dataclass(frozen=True)
class EmergencyRow:
    """An unresolved emergency and how far its paging got."""

    ticket: Ticket
    escalation: Escalation | None

    @property
    def exhausted(self) -> bool:
        """Every step ran out with nobody acknowledging."""
        return self.escalation is not None and self.escalation.status == EscalationStatus.EXHAUSTED

    @property
    def step_text(self) -> str:
        """ "step 3 of 8" (steps fired so far of the most the policy fires)."""
        if self.escalation is None:
            return "not paged yet (intake in progress)"
        total = total_steps(self.escalation.policy)
        if self.exhausted:
            return f"all {total} steps ran out: EXHAUSTED"
        return f"step {self.escalation.next_step} of {total}"


@dataclass(frozen=True)
class WaitingRow:
    """A caller in the help-desk queue: place, time waited so far, estimated wait, and the
    technician whose phone is ringing for them (if any)."""

    position: int
    entry: QueueEntry
    waited_seconds: int
    estimate_seconds: int
    offered_to: str | None = None


@dataclass(frozen=True)
class SessionRow:
    """A help-desk session under way: who took the caller, for how long so far."""

    entry: QueueEntry
    seconds: int


def emergencies(session: Session) -> list[EmergencyRow]:
    """Emergencies not resolved, oldest first, each with its escalation (if paged)."""
    stmt = (
        select(Ticket)
        .where(Ticket.service_class == ServiceClass.EMERGENCY, Ticket.status.in_(UNRESOLVED))
        .options(joinedload(Ticket.client), joinedload(Ticket.acknowledged_by))
        .order_by(Ticket.opened_at, Ticket.id)
    )
    tickets = list(session.scalars(stmt))
    ids = [t.id for t in tickets]
    paging = select(Escalation).where(Escalation.ticket_id.in_(ids))
    paging = paging.options(selectinload(Escalation.policy).selectinload(EscalationPolicy.steps))
    found = session.scalars(paging) if ids else []
    by_ticket = {e.ticket_id: e for e in found}
    return [EmergencyRow(t, by_ticket.get(t.id)) for t in tickets]


def _seconds_since(moment: datetime, since: datetime) -> int:
    return max(0, round((moment - since).total_seconds()))


def queue_rows(session: Session, moment: datetime) -> list[WaitingRow]:
    """Callers waiting, first come first, with the estimates the callers hear and who is
    being offered each one."""
    working, free = on_help_desk(session), len(available_technicians(session))
    ringing = session.scalars(
        select(Offer).where(Offer.state == OfferState.RINGING).options(joinedload(Offer.technician))
    )
    offered = {offer.entry_id: offer.technician.name for offer in ringing}
    rows = []
    for position, entry in enumerate(helpdesk.waiting(session), start=1):
        waited = _seconds_since(moment, entry.queued_at)
        estimate = helpdesk.estimated_wait(session, position, moment, working, free)
        rows.append(WaitingRow(position, entry, waited, estimate, offered.get(entry.id)))
    return rows


def session_rows(session: Session, moment: datetime) -> list[SessionRow]:
    """Help-desk sessions under way, the longest first (a capped one ends at 30 minutes)."""
    stmt = (
        select(QueueEntry)
        .join(Call, Call.call_sid == QueueEntry.call_sid)
        .where(
            QueueEntry.outcome == QueueOutcome.ANSWERED,
            QueueEntry.session_ended_at.is_(None),
            Call.ended_at.is_(None),
        )
        .options(joinedload(QueueEntry.technician), joinedload(QueueEntry.ticket))
        .order_by(QueueEntry.left_at, QueueEntry.id)
    )
    return [
        SessionRow(entry, _seconds_since(moment, entry.left_at or moment))
        for entry in session.scalars(stmt)
    ]


def technician_options(techs: list[Technician]) -> Callable[[int | None], Markup]:
    """The <option>s of a technician select (`selected`: whose is chosen), each escaped once
    per page: every request to schedule has its own select of every technician."""
    plain = [(tech.id, tech.name, OPTION.format(tech.name)) for tech in techs]

    def options(selected: int | None = None) -> Markup:
        return Markup("").join(
            SELECTED_OPTION.format(name) if tech_id == selected else html
            for tech_id, name, html in plain
        )

    return options


def _panels_context() -> dict[str, object]:
    session, moment = context.db(), context.now()
    return {
        "emergencies": emergencies(session),
        "waiting": queue_rows(session, moment),
        "sessions": session_rows(session, moment),
        "to_schedule": service_requests(session, unscheduled=True),
        "technician_options": technician_options(technicians(session)),
        "as_of": moment,
    }


@console.app_template_filter("duration")
def duration(seconds: int | None) -> str:
    """Seconds as "45 s", "12 min" or "1 h 05 min"."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


@console.get("/")
@access.staff_required
def board() -> ResponseReturnValue:
    """GET /console/: the live board (refreshes itself every 10 s)."""
    return render_template("console/board.html", **_panels_context())


@console.get("/board/panels")
@access.staff_required
def board_panels() -> ResponseReturnValue:
    """GET /console/board/panels: only the panels' HTML, for the board's auto-refresh."""
    return render_template("console/_board_panels.html", **_panels_context())


def _back() -> ResponseReturnValue:
    return redirect(url_for("console.board"), code=303)


@console.post("/board/take-next")
@access.staff_required
def take_next() -> ResponseReturnValue:
    """POST: ring a technician and bridge them to the next caller in the queue."""
    session = context.db()
    try:
        tech = technician_from(session, request.form.get("technician"))
        taken = next_caller.take_next(session, tech.name, now=context.now())
    except DomainError as refused:
        session.rollback()
        flash(f"Could not take the next caller: {refused}.", "error")
        return _back()
    session.commit()
    if taken.row is None:
        flash(f"A call to {tech.name} is already on its way.")
    else:
        flash(
            f"Calling {tech.name} at {national(tech.phone)} to {taken.task} "
            f"({taken.waiting} waiting); requested by {staff_name()}."
        )
    return _back()


@console.post("/requests/<int:number>/schedule")
@access.staff_required
def schedule(number: int) -> ResponseReturnValue:
    """POST: confirm who does a requested job and when; the client is told."""
    session = context.db()
    settings = context.settings()
    try:
        tech = technician_from(session, request.form.get("technician"))
        start = parse_local(request.form.get("start"))
        schedule_request(
            session,
            number,
            technician=tech.name,
            start=start,
            now=context.now(),
            timezone=settings.business_timezone,
            firm_name=settings.firm_name,
            actor=staff_name(),
        )
    except DomainError as refused:
        session.rollback()
        flash(f"Ticket #{number} was not scheduled: {refused}.", "error")
        return _back()
    session.commit()
    flash(f"Ticket #{number} scheduled with {tech.name}; the client has been told.")
    return _back()
