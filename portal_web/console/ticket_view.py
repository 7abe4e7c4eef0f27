"""The console's tickets: the list (every client; the portal's filters plus a client) and
one ticket with everything known about it. The actions on a ticket are in
portal_web/console/tickets.py, which renders this page again (status 400) when one is
refused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal_web import access, context, recordings
from portal_web.console.blueprint import console
from portal_web.console.board import EmergencyRow
from portal_web.console.inputs import technicians
from portal_web.ticket_search import (
    CLASSES,
    STATUSES,
    TicketFilter,
    TicketPage,
    page_of,
    parse_filter,
)
from ticketing.billing.models import TimeEntry
from ticketing.calls.models import QueueEntry
from ticketing.models import Client, OutboxMessage, ServiceClass, Ticket, TicketStatus
from ticketing.paging.escalation import escalation_of
from ticketing.service_requests.models import ServiceRequest
from ticketing.timeline import events_of

MAX_ID_DIGITS = 9


def parse_client(args: Mapping[str, str]) -> int | None:
    """The client filter from the query string (None: every client)."""
    raw = (args.get("client") or "").strip()
    return int(raw) if raw.isdecimal() and len(raw) <= MAX_ID_DIGITS else None


def find_all_tickets(session: Session, wanted: TicketFilter, client_id: int | None) -> TicketPage:
    """A page of every client's tickets matching `wanted`, newest first."""
    stmt = select(Ticket)
    if client_id is not None:
        stmt = stmt.where(Ticket.client_id == client_id)
    # The list shows each ticket's client and technician: loaded in one query each.
    shown = (Ticket.client, Ticket.assigned_to, Ticket.acknowledged_by)
    return page_of(session, stmt, wanted, load=[selectinload(r) for r in shown])


@console.get("/tickets")
@access.staff_required
def tickets() -> ResponseReturnValue:
    """GET /console/tickets: every client's tickets, filtered, 25 a page."""
    session = context.db()
    wanted, client_id = parse_filter(request.args), parse_client(request.args)
    extra: dict[str, Any] = {"client": client_id} if client_id is not None else {}

    def page_args(page: int) -> dict[str, Any]:
        return {**wanted.args(page), **extra}

    return render_template(
        "console/tickets.html",
        found=find_all_tickets(session, wanted, client_id),
        wanted=wanted,
        client_id=client_id,
        page_args=page_args,
        # Only what the client filter shows: a thousand clients are not loaded as objects.
        clients=session.execute(select(Client.id, Client.name).order_by(Client.name)).all(),
        statuses=STATUSES,
        classes=CLASSES,
    )


def ticket_or_404(number: int, *, lock: bool = False) -> Ticket:
    """Ticket #`number` (row-locked for an action), else 404."""
    found = context.db().get(Ticket, number, with_for_update=lock, populate_existing=lock)
    if found is None:
        abort(404)
    return found


def _rows(session: Session, model: Any, ticket_id: int, order: Any) -> list[Any]:
    return list(session.scalars(select(model).where(model.ticket_id == ticket_id).order_by(order)))


def _related(session: Session, ticket: Ticket) -> dict[str, object]:
    """What hangs off the ticket: time, request, queue, outbox, follow-ups, escalation."""
    return {
        "events": events_of(session, ticket.id),
        "time_entries": _rows(session, TimeEntry, ticket.id, TimeEntry.started_at),
        "service_request": session.scalar(
            select(ServiceRequest).where(ServiceRequest.ticket_id == ticket.id)
        ),
        "queue_entries": _rows(session, QueueEntry, ticket.id, QueueEntry.queued_at),
        "outbox": _rows(session, OutboxMessage, ticket.id, OutboxMessage.id),
        "follow_ups": list(
            session.scalars(
                select(Ticket).where(Ticket.follow_up_of_id == ticket.id).order_by(Ticket.id)
            )
        ),
        "follow_up_of": session.get(Ticket, ticket.follow_up_of_id)
        if ticket.follow_up_of_id
        else None,
        "paging": EmergencyRow(ticket, escalation_of(session, ticket.id)),
    }


def allowed_actions(ticket: Ticket, has_follow_up: bool) -> dict[str, bool]:
    """Which action forms the page offers for the ticket as it stands."""
    emergency = ticket.service_class == ServiceClass.EMERGENCY
    resolved = ticket.status == TicketStatus.RESOLVED
    return {
        "acknowledge": emergency and ticket.status == TicketStatus.OPEN,
        "reclassify": emergency and not resolved,
        "resolve": not resolved,
        "follow_up": emergency and resolved and not has_follow_up,
    }


def render_ticket(
    ticket: Ticket, *, error: str | None = None, form: Mapping[str, str] | None = None
) -> ResponseReturnValue:
    """The ticket page; with `error` (a refused action) as a 400 keeping what was typed."""
    session = context.db()
    related = _related(session, ticket)
    body = render_template(
        "console/ticket.html",
        ticket=ticket,
        recording_src=recordings.player_src(ticket, "console.recording"),
        further_players=recordings.further_players(ticket, "console.recording"),
        technicians=technicians(session),
        can=allowed_actions(ticket, bool(related["follow_ups"])),
        error=error,
        form=form or {},
        **related,
    )
    return (body, 400) if error else body


@console.get("/tickets/<int:number>")
@access.staff_required
def ticket(number: int) -> ResponseReturnValue:
    """GET /console/tickets/<number>: everything about the ticket, and what to do with it."""
    return render_ticket(ticket_or_404(number))


@console.get("/tickets/<int:number>/recording")
@access.staff_required
def recording(number: int) -> ResponseReturnValue:
    """GET /console/tickets/<number>/recording: the caller's message (the page's player,
    and the link in a technician's page)."""
    return recordings.serve(ticket_or_404(number))
